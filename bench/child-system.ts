/**
 * Each system under test runs in a child process of its own, so the load
 * generator (the parent) does not share an event loop with it. Parent and
 * child talk over Node's IPC channel: the child says `ready` with what the
 * parent needs (URL, key), then answers requests by kind until `stop`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";

type Hello =
  | { readonly kind: "ready"; readonly info: unknown }
  | { readonly kind: "failed"; readonly error: string };
interface Request {
  readonly id: number;
  readonly kind: string;
  readonly payload: unknown;
}
type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export type ChildHandlers = Record<string, (payload: unknown) => Promise<unknown>>;

export interface ChildSystem<Info> {
  readonly info: Info;
  request<T>(kind: string, payload?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Parent side: starts `script` with `config` (JSON in argv) and waits for it to be ready. */
export async function startChildSystem<Info>(
  script: URL,
  config: unknown,
  startTimeoutMs = 180_000,
): Promise<ChildSystem<Info>> {
  const child: ChildProcess = spawn(process.execPath, [script.pathname, JSON.stringify(config)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  const hello = new Promise<Hello>((resolve, reject) => {
    child.on("message", (message: Hello | Reply) => {
      if ("kind" in message) resolve(message);
      else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new Error(message.error));
      }
    });
    child.once("exit", (code) => {
      reject(new Error(`${script.pathname} exited with code ${code} before it was ready`));
      for (const waiter of pending.values()) waiter.reject(new Error(`child exited with code ${code}`));
    });
  });
  const first = await Promise.race([
    hello,
    sleep(startTimeoutMs).then(() => ({ kind: "failed", error: "did not start in time" }) as const),
  ]).catch((error: Error) => ({ kind: "failed", error: error.message }) as const);
  if (first.kind === "failed") {
    child.kill("SIGKILL");
    throw new Error(`${script.pathname}: ${first.error}`);
  }
  return {
    info: first.info as Info,
    request<T>(kind: string, payload?: unknown) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, kind, payload } satisfies Request);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.send({ id: nextId++, kind: "stop", payload: undefined } satisfies Request);
      await Promise.race([exited, sleep(20_000).then(() => child.kill("SIGKILL"))]);
    },
  };
}

/** Child side: announces `info`, serves `handlers`, and on `stop` runs `stop` and exits. */
export function serveParent(info: unknown, handlers: ChildHandlers, stop: () => Promise<void>): void {
  const send = (message: Hello | Reply) => process.send?.(message);
  let stopping: Promise<void> | undefined;
  const stopOnce = () => {
    stopping ??= stop().catch(() => {});
    return stopping;
  };
  process.on("message", async (request: Request) => {
    if (request.kind === "stop") {
      await stopOnce();
      process.exit(0);
    }
    const handler = handlers[request.kind];
    try {
      if (!handler) throw new Error(`unknown request ${request.kind}`);
      send({ id: request.id, ok: true, value: await handler(request.payload) });
    } catch (error) {
      send({ id: request.id, ok: false, error: (error as Error).message });
    }
  });
  // The parent going away (Ctrl-C, crash), even while this child was starting, must not leave emulators behind.
  if (!process.connected) {
    void stopOnce().finally(() => process.exit(1));
    return;
  }
  process.on("disconnect", () => void stopOnce().finally(() => process.exit(1)));
  send({ kind: "ready", info });
}

/** Child side: tells the parent that start-up failed, then exits. */
export function failToParent(error: Error): never {
  process.send?.({ kind: "failed", error: error.stack ?? error.message } satisfies Hello);
  process.exit(1);
}
