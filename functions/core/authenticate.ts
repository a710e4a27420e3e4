/**
 * Use case: check a request's bearer API key. Keys are random 256-bit
 * values, so a plain SHA-256 is a safe, fast lookup key; the key itself is
 * never stored or logged.
 */
import { createHash, randomBytes } from "node:crypto";
import { unauthorized } from "./api-error.ts";
import type { ApiKeyRecord, ApiKeyStore } from "./ports.ts";

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new random API key: a recognisable prefix and 256 bits of entropy. */
export function generateApiKey(): string {
  return `ct_${randomBytes(32).toString("base64url")}`;
}

export async function authenticate(
  authorization: string | undefined,
  keys: ApiKeyStore,
): Promise<ApiKeyRecord> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) throw unauthorized("missing bearer API key (Authorization: Bearer <key>)");
  const record = await keys.findByHash(hashApiKey(match[1]!));
  if (!record || record.revokedAt) throw unauthorized("invalid or revoked API key");
  return record;
}
