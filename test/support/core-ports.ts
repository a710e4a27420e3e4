/**
 * The use cases' ports for unit tests: the in-memory store, a queue that
 * records what it sends (and can be made to fail), payloads in a map, and a
 * clock the test moves. Mocks only where a test injects a fault.
 */
import type { TaskEnvelope } from "../../functions/core/envelope.ts";
import type { ManageTaskDeps } from "../../functions/core/manage-task.ts";
import { defaultNamespace } from "../../functions/core/namespaces.ts";
import type { DelayedDelivery, PayloadStore, TaskQueue } from "../../functions/core/ports.ts";
import type { RunTaskDeps } from "../../functions/core/run-task.ts";
import type { Submission } from "../../functions/core/submission.ts";
import type { TaskHandlers, UntypedTaskHandler } from "../../functions/core/task-handler.ts";
import { createMemoryTaskStore, type MemoryTaskStore } from "./memory-task-store.ts";

/** A parsed `echo` submission, as the API hands it to submitTask; `extra` replaces fields. */
export const echoSubmission = (extra: Partial<Submission> = {}): Submission => ({
  type: "echo",
  input: { value: "hello" },
  priority: "normal",
  maxAttempts: 3,
  ...extra,
});

export interface SentMessage {
  readonly envelope: TaskEnvelope;
  readonly delaySeconds: number;
}

export interface ScheduledDelivery {
  readonly envelope: TaskEnvelope;
  readonly at: string;
}

export interface CorePorts {
  readonly store: MemoryTaskStore;
  /** Every message sent, in order. */
  readonly sent: SentMessage[];
  /** Every delivery handed to the scheduler (due beyond one SQS delay), in order; cancelled ones removed. */
  readonly scheduled: ScheduledDelivery[];
  /** Makes the next `times` sends fail. */
  failSends(times: number): void;
  readonly payloads: Map<string, string>;
  /** Moves the clock on. */
  advance(seconds: number): Date;
  now(): Date;
  readonly logged: { message: string; details: Record<string, unknown> }[];
  /** Submit, cancel, retry and redrive deps, in the default namespace. */
  readonly deps: ManageTaskDeps & { readonly ended: string[] };
  /** The same deps in another namespace: its own store over the same data, the same queue and clock. */
  depsIn(namespace: string): ManageTaskDeps & { readonly ended: string[] };
  /** Delivery deps around `echo`, whose handler is `handler`. */
  delivery(handler: UntypedTaskHandler, overrides?: Partial<RunTaskDeps>): RunTaskDeps;
}

export function corePorts(start = new Date("2026-03-01T12:00:00.000Z")): CorePorts {
  let at = start.getTime();
  let failing = 0;
  let nextId = 0;
  const store = createMemoryTaskStore({ resultTtlSeconds: 86_400 });
  const sent: SentMessage[] = [];
  const payloadMap = new Map<string, string>();
  const logged: CorePorts["logged"] = [];
  const ended: string[] = [];
  const queue: TaskQueue = {
    async send(envelope, delaySeconds = 0) {
      if (failing > 0) {
        failing -= 1;
        throw new Error("SQS is down (injected)");
      }
      sent.push({ envelope: structuredClone(envelope), delaySeconds });
    },
  };
  const scheduled: ScheduledDelivery[] = [];
  const delays: DelayedDelivery = {
    async schedule(envelope, due) {
      if (scheduled.some((entry) => entry.envelope.id === envelope.id)) return;
      scheduled.push({ envelope: structuredClone(envelope), at: due.toISOString() });
    },
    async cancel(taskId) {
      const index = scheduled.findIndex((entry) => entry.envelope.id === taskId);
      if (index < 0) return false;
      scheduled.splice(index, 1);
      return true;
    },
  };
  const payloads: PayloadStore = {
    async put(key, json) {
      payloadMap.set(key, json);
    },
    async get(key) {
      const json = payloadMap.get(key);
      if (json === undefined) throw new Error(`no payload ${key}`);
      return json;
    },
  };
  const now = () => new Date(at);
  const log = (message: string, details: Record<string, unknown>) => {
    logged.push({ message, details });
  };
  const onTerminal = async (task: { id: string }) => {
    ended.push(task.id);
  };
  const deps = {
    store,
    namespace: defaultNamespace,
    queue,
    payloads,
    now,
    newId: () => `task-${++nextId}`,
    delays,
    maxSqsDelaySeconds: 900,
    log,
    onTerminal,
    ended,
  };
  return {
    store,
    sent,
    scheduled,
    failSends: (times) => {
      failing = times;
    },
    payloads: payloadMap,
    advance: (seconds) => {
      at += seconds * 1000;
      return new Date(at);
    },
    now,
    logged,
    deps,
    depsIn: (namespace) => ({ ...deps, store: store.inNamespace(namespace), namespace }),
    delivery: (handler, overrides = {}) => ({
      store,
      queue,
      payloads,
      handlers: { echo: handler } as unknown as TaskHandlers,
      rateLimiter: { acquire: async () => ({ granted: true }) },
      rateLimitOf: async () => undefined,
      onTerminal,
      now,
      random: () => 0.5,
      delays,
      maxSqsDelaySeconds: 900,
      cancelPollMs: 10,
      leaseMarginSeconds: 30,
      log,
      ...overrides,
    }),
  };
}
