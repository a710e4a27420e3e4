/**
 * Use case: check a request's bearer API key and the scope its route needs.
 * Keys are random 256-bit values, so a plain SHA-256 is a safe, fast lookup
 * key (no salt or slow hash needed: there is nothing to guess); the key
 * itself is never stored or logged. Lookup by hash, not comparison of
 * secrets, so there is no timing leak to close.
 */
import { createHash, randomBytes } from "node:crypto";
import { ApiError, unauthorized } from "./api-error.ts";
import type { ApiKeyRecord, ApiKeyStore } from "./ports.ts";

export const scopes = ["submit", "read", "admin"] as const;
export type Scope = (typeof scopes)[number];

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new random API key: a recognisable prefix and 256 bits of entropy. */
export function generateApiKey(): string {
  return `ct_${randomBytes(32).toString("base64url")}`;
}

/** A key made before scopes existed holds all of them. */
export function scopesOf(record: ApiKeyRecord): readonly Scope[] {
  return record.scopes ?? scopes;
}

/**
 * The key record of a request's bearer key: 401 when it is missing, unknown
 * or revoked; 403 when it lacks `needed` (`undefined`: any valid key will do,
 * as for `GET /v1/whoami`, which every key may ask).
 */
export async function authenticate(
  authorization: string | undefined,
  keys: ApiKeyStore,
  needed: Scope | undefined,
): Promise<ApiKeyRecord> {
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(authorization ?? "");
  if (!match) throw unauthorized("missing bearer API key (Authorization: Bearer <key>)");
  const record = await keys.findByHash(hashApiKey(match[1]!));
  if (!record || record.revokedAt) throw unauthorized("invalid or revoked API key");
  if (needed !== undefined && !scopesOf(record).includes(needed)) {
    throw new ApiError(403, "forbidden", `this API key lacks the ${needed} scope`, { needed });
  }
  return record;
}

/**
 * Caches key lookups in memory for `ttlMs`, so a warm API instance does not
 * pay a DynamoDB read per request. A revocation takes up to `ttlMs` to reach
 * every instance.
 */
export function cachedKeyLookup(
  keys: ApiKeyStore,
  ttlMs: number,
  nowMs: () => number = Date.now,
): ApiKeyStore {
  const cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();
  // Each method delegated by name: `keys` may be a lazy port (a Proxy), whose methods a spread would not copy.
  return {
    put: (record) => keys.put(record),
    list: () => keys.list(),
    async findByHash(keyHash) {
      const hit = cache.get(keyHash);
      if (hit && hit.until > nowMs()) return hit.record;
      const record = await keys.findByHash(keyHash);
      // Bounded: unknown keys from a flood of bad requests must not grow the map without end.
      if (cache.size >= 10_000) cache.clear();
      cache.set(keyHash, { record, until: nowMs() + ttlMs });
      return record;
    },
    async revoke(keyHash, at) {
      cache.delete(keyHash);
      return keys.revoke(keyHash, at);
    },
  };
}
