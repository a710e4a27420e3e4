/**
 * Use cases of API key management, shared by the key routes (POST/GET/DELETE
 * /v1/keys) and the key command (`npm run keys`): create, list, revoke. A
 * key is shown once, at creation; only its SHA-256 is stored, and that hash
 * is the key's id (its first characters identify it in listings).
 */
import { generateApiKey, hashApiKey, type Scope, scopes } from "./authenticate.ts";
import { defaultNamespace, namespaceName } from "./namespaces.ts";
import type { ApiKeyRecord, ApiKeyStore } from "./ports.ts";
import type { TaskSubmitter } from "./task.ts";

/** Characters of the key hash that identify a key in a listing. */
const shortIdLength = 12;

export const shortIdOf = (record: Pick<ApiKeyRecord, "keyHash">) => record.keyHash.slice(0, shortIdLength);

/** How a task names the key that submitted it: its name and short id, never the secret or the full hash. */
export const submitterOf = (record: Pick<ApiKeyRecord, "keyHash" | "name">): TaskSubmitter => ({
  name: record.name,
  keyId: shortIdOf(record),
});

/** What a key's name may hold: it shows in listings and logs. */
export const keyNamePattern = /^[\w .:@-]{1,100}$/;

/** Parses `submit,read` into scopes; an error names the scopes there are. */
export function parseScopes(list: string): Scope[] {
  const named = [...new Set(list.split(",").map((scope) => scope.trim()))].filter(Boolean);
  const unknown = named.filter((scope) => !(scopes as readonly string[]).includes(scope));
  if (named.length === 0 || unknown.length > 0) {
    throw new Error(`scopes must be a comma-separated list of ${scopes.join(", ")}; got "${list}"`);
  }
  return named as Scope[];
}

export async function createApiKey(
  store: ApiKeyStore,
  input: { name: string; scopes?: readonly Scope[]; ratePerSecond?: number; namespace?: string; now: Date },
): Promise<{ key: string; record: ApiKeyRecord }> {
  if (!keyNamePattern.test(input.name)) {
    throw new Error("name must be 1-100 letters, digits, spaces or _ . : @ -");
  }
  const namespace = input.namespace ?? defaultNamespace;
  if (!namespaceName.safeParse(namespace).success) {
    throw new Error(
      "namespace must be 1-32 lower-case letters, digits, _ or -, starting with a letter or digit",
    );
  }
  const key = generateApiKey();
  const record: ApiKeyRecord = {
    keyHash: hashApiKey(key),
    name: input.name,
    scopes: [...new Set(input.scopes ?? scopes)],
    ...(input.ratePerSecond ? { ratePerSecond: input.ratePerSecond } : {}),
    namespace,
    createdAt: input.now.toISOString(),
  };
  await store.put(record);
  return { key, record };
}

/** Keys, newest first. */
export async function listApiKeys(store: ApiKeyStore): Promise<ApiKeyRecord[]> {
  const records = await store.list();
  return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * Revokes the one active key that `selector` names: by id (the key hash, or
 * at least its first 8 characters) or by name. Naming none or several is an
 * error that lists the candidates, so a wrong key is never revoked.
 */
export async function revokeApiKey(
  store: ApiKeyStore,
  selector: { id?: string; name?: string },
  now: Date,
): Promise<ApiKeyRecord> {
  const { id, name } = selector;
  if ((id === undefined) === (name === undefined)) throw new Error("name the key by --id or by --name");
  if (id !== undefined && !/^[0-9a-f]{8,64}$/.test(id)) {
    throw new Error("--id takes at least 8 hex characters of the key's id (see list)");
  }
  const active = (await store.list()).filter((record) => !record.revokedAt);
  const matches = active.filter((record) =>
    id !== undefined ? record.keyHash.startsWith(id) : record.name === name,
  );
  const described = id !== undefined ? `id ${id}` : `name "${name}"`;
  if (matches.length === 0) throw new Error(`no active key with ${described}`);
  if (matches.length > 1) {
    const candidates = matches.map((record) => `${shortIdOf(record)} (${record.createdAt})`).join(", ");
    throw new Error(`${matches.length} active keys have ${described}: ${candidates}; revoke one by --id`);
  }
  const [record] = matches as [ApiKeyRecord];
  const revokedAt = now.toISOString();
  if (!(await store.revoke(record.keyHash, revokedAt))) {
    throw new Error(`key ${shortIdOf(record)} was removed meanwhile`);
  }
  return { ...record, revokedAt };
}
