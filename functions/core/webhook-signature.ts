/**
 * Webhook signatures. Each request carries
 *
 *   X-Claw-Delivery:   the delivery id (the same on every retry of one delivery)
 *   X-Claw-Event:      the event name
 *   X-Claw-Timestamp:  Unix seconds when the request was signed
 *   X-Claw-Signature:  sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * A receiver recomputes the HMAC over the timestamp and the raw body, compares
 * in constant time, and refuses timestamps too far from its clock (replays).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const webhookHeaders = {
  delivery: "x-claw-delivery",
  event: "x-claw-event",
  timestamp: "x-claw-timestamp",
  signature: "x-claw-signature",
} as const;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`;
}

/** Checks a received webhook: signature over timestamp and body, and a timestamp within `toleranceSeconds`. */
export function verifyWebhook(
  secret: string,
  headers: { readonly timestamp: string | undefined; readonly signature: string | undefined },
  body: string,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || !headers.signature) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const received = Buffer.from(headers.signature);
  return expected.length === received.length && timingSafeEqual(expected, received);
}
