/**
 * Webhook signatures, after the Standard Webhooks scheme
 * (https://www.standardwebhooks.com), so a receiver verifies with an existing
 * library in any language. Each request carries
 *
 *   webhook-id:         the delivery id (the same on every retry of one delivery: dedupe on it)
 *   webhook-timestamp:  Unix seconds when the request was signed
 *   webhook-signature:  v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>
 *
 * The key is the secret's value read as base64, after an optional `whsec_`
 * prefix (the scheme's own secret format). A receiver recomputes the HMAC,
 * compares in constant time, refuses timestamps too far from its clock, and
 * refuses an id it has seen (replays within the tolerance).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const webhookHeaders = {
  id: "webhook-id",
  timestamp: "webhook-timestamp",
  signature: "webhook-signature",
} as const;

/** The scheme's prefix of a secret; the rest is the key in base64. */
export const webhookSecretPrefix = "whsec_";

/** Shorter keys than this are refused: the scheme asks for 24 to 64 random bytes. */
const minimumKeyBytes = 24;

/**
 * The HMAC key of a Standard Webhooks secret (`whsec_<base64>` or bare base64).
 * Throws on anything else, so a malformed secret fails the delivery instead of
 * signing with a key no receiver's library would derive.
 */
export function webhookSigningKey(secret: string): Buffer {
  const encoded = secret.startsWith(webhookSecretPrefix) ? secret.slice(webhookSecretPrefix.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new Error("the webhook signing secret is not base64 (whsec_<base64>)");
  }
  const key = Buffer.from(encoded, "base64");
  if (key.length < minimumKeyBytes) {
    throw new Error(
      `the webhook signing secret holds ${key.length} bytes; at least ${minimumKeyBytes} needed`,
    );
  }
  return key;
}

/** The `webhook-signature` header value: `v1,<base64 HMAC-SHA256 over "id.timestamp.body">`. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const digest = createHmac("sha256", webhookSigningKey(secret))
    .update(`${id}.${timestamp}.${body}`, "utf8")
    .digest("base64");
  return `v1,${digest}`;
}

/**
 * Checks a received webhook: one of the space-separated `v1,` signatures over
 * id, timestamp and body, and a timestamp within `toleranceSeconds`. Replays
 * inside the tolerance are the receiver's to refuse, by remembering ids.
 */
export function verifyWebhook(
  secret: string,
  headers: {
    readonly id: string | undefined;
    readonly timestamp: string | undefined;
    readonly signature: string | undefined;
  },
  body: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.id || !Number.isInteger(timestamp) || !headers.signature) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, headers.id, timestamp, body));
  return headers.signature.split(" ").some((candidate) => {
    const received = Buffer.from(candidate);
    return expected.length === received.length && timingSafeEqual(expected, received);
  });
}
