/**
 * Namespaces: every API key belongs to one, and what a key creates (tasks,
 * conversations, knowledge bases, schedules, idempotency keys) lives in it.
 * A key sees its own namespace only; an `admin` key may name another with
 * `?namespace=`. Isolation comes from the stores: each is bound to one
 * namespace and puts it in every key it reads or writes, so another
 * namespace's record is never read, and its id answers 404 like one that
 * does not exist.
 */
import * as z from "zod";
import { ApiError, validationError } from "./api-error.ts";
import type { ApiKeyRecord } from "./ports.ts";

/** The namespace of keys (and so of records) made before namespaces, and of keys created without one. */
export const defaultNamespace = "default";

/**
 * What a namespace name may hold: lower-case letters, digits, `_` and `-`,
 * starting with a letter or digit, at most 32 characters. No `#`, `/` or `.`:
 * the stores use those to join a namespace and an id into one key.
 */
export const namespaceName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,31}$/,
    "1-32 lower-case letters, digits, _ or -, starting with a letter or digit",
  );

/** The namespace of a key record; records made before namespaces are in the default one. */
export const namespaceOfKey = (record: Pick<ApiKeyRecord, "namespace">): string =>
  record.namespace ?? defaultNamespace;

/**
 * The namespace a request acts in: the caller's own, or, for an `admin` key,
 * the one it names in `?namespace=`. A bad name is a 400 naming `namespace`;
 * a key without `admin` naming another namespace is a 403 that says why.
 */
export function requestNamespace(
  caller: Pick<ApiKeyRecord, "namespace" | "scopes">,
  requested: string | undefined,
): string {
  const own = namespaceOfKey(caller);
  if (requested === undefined) return own;
  const parsed = namespaceName.safeParse(requested);
  if (!parsed.success) {
    throw validationError([{ path: "namespace", message: parsed.error.issues[0]?.message ?? "invalid" }]);
  }
  if (parsed.data === own) return own;
  // A key made before scopes holds all of them (authenticate.ts scopesOf).
  if (caller.scopes !== undefined && !caller.scopes.includes("admin")) {
    throw new ApiError(403, "forbidden", "only an admin key may name another namespace", {
      needed: "admin",
    });
  }
  return parsed.data;
}

/**
 * An id joined with its namespace, for stores that keep every namespace in
 * one key space (conversations, knowledge bases). The default namespace keeps
 * the bare id, so records written before namespaces stay where they were;
 * ids cannot hold `#` (catalog `identifier`), so the two never collide.
 */
export const namespacedId = (namespace: string, id: string): string =>
  namespace === defaultNamespace ? id : `${namespace}#${id}`;

/** EventBridge Scheduler's longest schedule name. */
export const maxScheduleNameChars = 64;

/** Joins a namespace and a schedule name in the group; no new schedule name may hold it. */
export const scheduleNamespaceSeparator = "..";

/**
 * The name a schedule of `namespace` has in the shared schedule group: the
 * default namespace keeps the bare name (as before namespaces), another is
 * prefixed `<namespace>..`. Namespace names hold no `.` and new schedule
 * names no `..`, so no two namespaces' names can meet; the schedule's
 * message names its namespace too, and every read checks it.
 */
export const storedScheduleName = (namespace: string, name: string): string =>
  namespace === defaultNamespace ? name : `${namespace}${scheduleNamespaceSeparator}${name}`;

/**
 * `build` memoized per namespace, so a process builds a namespace's ports
 * once; past `keep` namespaces the memo starts over (building is cheap, and
 * an admin naming many namespaces must not grow it without end).
 */
export function perNamespace<T>(build: (namespace: string) => T, keep = 100): (namespace: string) => T {
  const built = new Map<string, T>();
  return (namespace) => {
    let value = built.get(namespace);
    if (value === undefined) {
      if (built.size >= keep) built.clear();
      value = build(namespace);
      built.set(namespace, value);
    }
    return value;
  };
}
