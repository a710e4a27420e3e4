/**
 * A port whose adapter loads on its first call. A function's module init
 * then parses only what every request needs; the adapter module and the SDK
 * client behind it (a chunk of their own in the bundle, see
 * lib/constructs/claw-function.ts) load when a request first uses them, and
 * once per process after that. docs/cold-start.md has the measurements.
 */

/** The ports this can stand in for: every member a method that returns a promise. */
type AsyncMethods<T> = {
  readonly [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? T[K] : never;
};

/**
 * A memoized async factory: `load` runs on the first call and its promise is
 * shared; a failed load is forgotten, so the next call tries again (a
 * throttled secret read must not poison the process).
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    if (!loaded) {
      const attempt = load();
      loaded = attempt;
      attempt.catch(() => {
        if (loaded === attempt) loaded = undefined;
      });
    }
    return loaded;
  };
}

/** `port` with each method loading the real adapter (`load`) before its first call. */
export function lazyPort<T extends AsyncMethods<T>>(load: () => Promise<T>): T {
  const adapter = onFirstUse(load);
  const methods = new Map<PropertyKey, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy({} as T, {
    get(_, name) {
      // Not a thenable (awaiting the port must not call it) and no symbol members.
      if (name === "then" || typeof name === "symbol") return undefined;
      let method = methods.get(name);
      if (!method) {
        method = async (...args: unknown[]) => {
          const target = (await adapter()) as Record<string, (...params: unknown[]) => Promise<unknown>>;
          const real = target[name];
          if (typeof real !== "function") throw new TypeError(`the adapter has no method ${name}`);
          return real.apply(target, args);
        };
        methods.set(name, method);
      }
      return method;
    },
  });
}
