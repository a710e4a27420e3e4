/**
 * Unit tier: the key command's use cases, on an in-memory key store. A new
 * key is shown once and stored as its hash with its scopes; revoke names
 * exactly one active key or refuses.
 */
import { describe, expect, it } from "vitest";
import { lazyPort } from "../../functions/adapters/lazy-port.ts";
import { createApiKey, listApiKeys, parseScopes, revokeApiKey } from "../../functions/core/api-keys.ts";
import {
  authenticate,
  cachedKeyLookup,
  hashApiKey,
  keyCacheLimits,
  scopes,
} from "../../functions/core/authenticate.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../../functions/core/ports.ts";

function memoryStore(): ApiKeyStore {
  const records = new Map<string, ApiKeyRecord>();
  return {
    async findByHash(keyHash) {
      return records.get(keyHash);
    },
    async put(record) {
      records.set(record.keyHash, record);
    },
    async list() {
      return [...records.values()];
    },
    async revoke(keyHash, revokedAt) {
      const record = records.get(keyHash);
      if (!record) return false;
      records.set(keyHash, { revokedAt, ...record });
      return true;
    },
  };
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe("API keys", () => {
  it("creates a key with every scope by default, storing only its hash", async () => {
    const store = memoryStore();
    const { key, record } = await createApiKey(store, { name: "admin", now: at(0) });
    expect(key).toMatch(/^ct_[\w-]{43}$/);
    expect(record).toEqual({
      keyHash: hashApiKey(key),
      name: "admin",
      createdAt: at(0).toISOString(),
      scopes: [...scopes],
      namespace: "default",
    });
    expect(JSON.stringify(await store.list())).not.toContain(key);
    expect(await authenticate(`Bearer ${key}`, store, "admin")).toEqual(record);
  });

  it("stores the scopes asked for, and the key is refused the others", async () => {
    const store = memoryStore();
    const { key, record } = await createApiKey(store, {
      name: "reader",
      scopes: parseScopes("read, submit"),
      now: at(0),
    });
    expect(record.scopes).toEqual(["read", "submit"]);
    await expect(authenticate(`Bearer ${key}`, store, "admin")).rejects.toMatchObject({ status: 403 });
  });

  it("accepts any valid key when no scope is needed, but never an unknown one", async () => {
    const store = memoryStore();
    const { key, record } = await createApiKey(store, { name: "bot", scopes: ["submit"], now: at(0) });
    expect(await authenticate(`Bearer ${key}`, store, undefined)).toEqual(record);
    await expect(authenticate("Bearer ct_unknown", store, undefined)).rejects.toMatchObject({ status: 401 });
  });

  it.each(["", "read,write", ",,"])("rejects the scope list %j", (list) => {
    expect(() => parseScopes(list)).toThrow(/submit, read, admin/);
  });

  it("rejects a name with characters that would garble a listing", async () => {
    await expect(createApiKey(memoryStore(), { name: "a\nb", now: at(0) })).rejects.toThrow(/name must be/);
  });

  it("lists keys newest first", async () => {
    const store = memoryStore();
    await createApiKey(store, { name: "old", now: at(0) });
    await createApiKey(store, { name: "new", now: at(5) });
    expect((await listApiKeys(store)).map((record) => record.name)).toEqual(["new", "old"]);
  });

  it("revokes by id or by name, after which the key no longer authenticates", async () => {
    const store = memoryStore();
    const first = await createApiKey(store, { name: "ci", now: at(0) });
    const second = await createApiKey(store, { name: "bot", now: at(1) });

    const revoked = await revokeApiKey(store, { id: first.record.keyHash.slice(0, 8) }, at(2));
    expect(revoked).toMatchObject({ name: "ci", revokedAt: at(2).toISOString() });
    await expect(authenticate(`Bearer ${first.key}`, store, "read")).rejects.toMatchObject({ status: 401 });

    await revokeApiKey(store, { name: "bot" }, at(3));
    await expect(authenticate(`Bearer ${second.key}`, store, "read")).rejects.toMatchObject({ status: 401 });
  });

  it("refuses to guess: two active keys of one name, no match, a short id, or both selectors", async () => {
    const store = memoryStore();
    await createApiKey(store, { name: "twin", now: at(0) });
    await createApiKey(store, { name: "twin", now: at(1) });
    await expect(revokeApiKey(store, { name: "twin" }, at(2))).rejects.toThrow(
      /2 active keys have name "twin"/,
    );
    await expect(revokeApiKey(store, { name: "nobody" }, at(2))).rejects.toThrow(/no active key/);
    await expect(revokeApiKey(store, { id: "abc" }, at(2))).rejects.toThrow(/at least 8 hex/);
    await expect(revokeApiKey(store, { id: "abcdef12", name: "twin" }, at(2))).rejects.toThrow(
      /--id or by --name/,
    );
    expect((await store.list()).every((record) => !record.revokedAt)).toBe(true);
  });
});

describe("the key cache", () => {
  it("creates and lists keys through a store that loads on first use", async () => {
    // The API wraps a lazily loaded store (a Proxy): every method must reach it, not only the cached lookup.
    const cached = cachedKeyLookup(
      lazyPort(async () => memoryStore()),
      60_000,
    );
    const created = await createApiKey(cached, { name: "through-the-cache", now: new Date() });
    expect((await listApiKeys(cached)).map((key) => key.name)).toContain("through-the-cache");
    expect(await cached.findByHash(hashApiKey(created.key))).toMatchObject({ name: "through-the-cache" });
  });

  /** A key store that counts its reads, behind the cache with a hand-moved clock. */
  function countingCache(limits: { known: number; unknown: number } = keyCacheLimits) {
    const store = memoryStore();
    let reads = 0;
    let now = 0;
    const counting: ApiKeyStore = {
      ...store,
      findByHash: async (keyHash) => {
        reads++;
        return store.findByHash(keyHash);
      },
    };
    return {
      store,
      cache: cachedKeyLookup(counting, 60_000, () => now, limits),
      reads: () => reads,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it("a flood of random tokens evicts no valid key: its lookups stay free", async () => {
    const { store, cache, reads } = countingCache();
    const flood = 2 * keyCacheLimits.unknown;
    const valid = await createApiKey(store, { name: "valid", now: new Date() });
    const validHash = hashApiKey(valid.key);
    expect(await cache.findByHash(validHash)).toMatchObject({ name: "valid" });
    expect(reads()).toBe(1);

    for (let index = 0; index < flood; index++) {
      await expect(authenticate(`Bearer random-${index}`, cache, "read")).rejects.toThrow(/invalid/);
    }
    const readsAfterFlood = reads();
    expect(readsAfterFlood).toBe(1 + flood);

    for (let index = 0; index < 50; index++) await authenticate(`Bearer ${valid.key}`, cache, "read");
    expect(reads()).toBe(readsAfterFlood);
  });

  it("a repeated unknown token costs one read until its entry expires; simultaneous ones share it", async () => {
    const { cache, reads, advance } = countingCache();
    const unknown = hashApiKey("ct_not-a-key");
    await Promise.all(Array.from({ length: 20 }, () => cache.findByHash(unknown)));
    expect(reads()).toBe(1);
    for (let index = 0; index < 100; index++) expect(await cache.findByHash(unknown)).toBeUndefined();
    expect(reads()).toBe(1);
    advance(60_001);
    await cache.findByHash(unknown);
    expect(reads()).toBe(2);
  });

  it("the unknown map stays bounded: its oldest entries go first", async () => {
    const { cache, reads } = countingCache({ known: 10, unknown: 10 });
    for (let index = 0; index < 25; index++) await cache.findByHash(`unknown-${index}`);
    expect(reads()).toBe(25);
    await cache.findByHash("unknown-24"); // among the newest ten: no read
    expect(reads()).toBe(25);
    await cache.findByHash("unknown-0"); // pushed out: read again
    expect(reads()).toBe(26);
  });

  it("a key created after its hash was looked up works at once; a revoked one is refused at once here", async () => {
    const { cache } = countingCache();
    const record = { keyHash: hashApiKey("ct_later"), name: "later", createdAt: new Date().toISOString() };
    expect(await cache.findByHash(record.keyHash)).toBeUndefined();
    await cache.put(record);
    expect(await cache.findByHash(record.keyHash)).toMatchObject({ name: "later" });
    await cache.revoke(record.keyHash, new Date().toISOString());
    expect(await cache.findByHash(record.keyHash)).toMatchObject({ revokedAt: expect.any(String) });
  });
});
