/**
 * The check that closes the way around the edge. A stage with a per-IP rate
 * limit (`edgeRateLimit`, lib/constructs/api-edge.ts) puts CloudFront and an
 * AWS WAF web ACL in front of the HTTP API, but the API's own
 * `execute-api` URL stays reachable; CloudFront adds a secret header to
 * every request it forwards, and the API refuses requests without it, so
 * the rate rule cannot be skipped. No SDK here: the handler reads the
 * secret through the secrets adapter.
 */
import { timingSafeEqual } from "node:crypto";

/** The header CloudFront sets on every request it forwards to the API. */
export const originVerifyHeader = "x-claw-origin-verify";

/** The environment variable naming the secret (its ARN); unset: no edge, every request is let through. */
export const originVerifySecretVariable = "ORIGIN_VERIFY_SECRET_ARN";

/** Whether `sent` (the request's header) is the edge's secret, compared in constant time. */
export function cameThroughEdge(sent: string | undefined, secret: string): boolean {
  if (sent === undefined) return false;
  const given = Buffer.from(sent, "utf8");
  const expected = Buffer.from(secret, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
