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

/** How many key hashes each of the key cache's two maps holds at most. */
export const keyCacheLimits = { known: 10_000, unknown: 10_000 } as const;

/**
 * Caches key lookups in memory for `ttlMs`, so a warm API instance does not
 * pay a DynamoDB read per request. A revocation takes up to `ttlMs` to reach
 * every instance.
 *
 * Known keys and unknown hashes live in two bounded maps: a flood of random
 * tokens fills only the unknown one (oldest entries go first), so it can
 * never push a valid key out and make its next request pay a read. A
 * repeated unknown token is answered from that map, and simultaneous
 * lookups of one hash share one read. A token never seen before still costs
 * one read (nothing else tells a new key from a random one); the stage's
 * per-IP rate rule bounds those (docs/security.md).
 */
export function cachedKeyLookup(
  keys: ApiKeyStore,
  ttlMs: number,
  nowMs: () => number = Date.now,
  limits: { readonly known: number; readonly unknown: number } = keyCacheLimits,
): ApiKeyStore {
  const known = new Map<string, { record: ApiKeyRecord; until: number }>();
  const unknown = new Map<string, number>();
  const pending = new Map<string, Promise<ApiKeyRecord | undefined>>();
  // Map keeps insertion order: the first entry is the oldest.
  const remember = <V>(map: Map<string, V>, keyHash: string, value: V, limit: number) => {
    map.delete(keyHash);
    if (map.size >= limit) map.delete(map.keys().next().value!);
    map.set(keyHash, value);
  };
  const lookUp = async (keyHash: string) => {
    const record = await keys.findByHash(keyHash);
    const until = nowMs() + ttlMs;
    if (record) {
      unknown.delete(keyHash);
      remember(known, keyHash, { record, until }, limits.known);
    } else {
      known.delete(keyHash);
      remember(unknown, keyHash, until, limits.unknown);
    }
    return record;
  };
  const forget = (keyHash: string) => {
    known.delete(keyHash);
    unknown.delete(keyHash);
  };
  // Each method delegated by name: `keys` may be a lazy port (a Proxy), whose methods a spread would not copy.
  return {
    async put(record) {
      await keys.put(record);
      forget(record.keyHash);
    },
    list: () => keys.list(),
    findByHash(keyHash) {
      const now = nowMs();
      const hit = known.get(keyHash);
      if (hit && hit.until > now) return Promise.resolve(hit.record);
      const missUntil = unknown.get(keyHash);
      if (missUntil !== undefined && missUntil > now) return Promise.resolve(undefined);
      const inFlight = pending.get(keyHash);
      if (inFlight) return inFlight;
      const lookup = lookUp(keyHash).finally(() => pending.delete(keyHash));
      pending.set(keyHash, lookup);
      return lookup;
    },
    async revoke(keyHash, at) {
      forget(keyHash);
      return keys.revoke(keyHash, at);
    },
  };
}
