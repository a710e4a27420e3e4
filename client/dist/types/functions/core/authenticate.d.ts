import type { ApiKeyRecord, ApiKeyStore } from "./ports.ts";
export declare const scopes: readonly ["submit", "read", "admin"];
export type Scope = (typeof scopes)[number];
export declare function hashApiKey(key: string): string;
/** A new random API key: a recognisable prefix and 256 bits of entropy. */
export declare function generateApiKey(): string;
/** A key made before scopes existed holds all of them. */
export declare function scopesOf(record: ApiKeyRecord): readonly Scope[];
/**
 * The key record of a request's bearer key: 401 when it is missing, unknown
 * or revoked; 403 when it lacks `needed` (`undefined`: any valid key will do,
 * as for `GET /v1/whoami`, which every key may ask).
 */
export declare function authenticate(
  authorization: string | undefined,
  keys: ApiKeyStore,
  needed: Scope | undefined,
): Promise<ApiKeyRecord>;
/**
 * Caches key lookups in memory for `ttlMs`, so a warm API instance does not
 * pay a DynamoDB read per request. A revocation takes up to `ttlMs` to reach
 * every instance.
 */
export declare function cachedKeyLookup(keys: ApiKeyStore, ttlMs: number, nowMs?: () => number): ApiKeyStore;
