/**
 * An in-memory TaskStore: the port's contract (functions/core/ports.ts)
 * without DynamoDB, for the unit tier. Every status change takes its
 * from-states from `statusChanges` (functions/core/task.ts), as the DynamoDB
 * store does, and every operation is atomic (each runs to its end without
 * an `await` in between), as a conditional write is. The contract suite
 * (test/support/task-store-contract.ts) holds both stores to the same cases.
 *
 * Counters and activity are kept exactly and at once; the DynamoDB store may
 * report them later (the contract asserts them only with polling).
 */
import { historyLimit } from "../../functions/adapters/task-item-layout.ts";
import type { TaskEnvelope } from "../../functions/core/envelope.ts";
import { defaultNamespace } from "../../functions/core/namespaces.ts";
import type {
  AttemptOutcome,
  CancelResult,
  ClaimResult,
  CreateResult,
  IdempotencyClaim,
  MinuteActivity,
  RecordAttemptResult,
  StoredTask,
  TaskCounts,
  TaskStore,
} from "../../functions/core/ports.ts";
import {
  expiredError,
  statusChanges,
  type Task,
  type TaskErrorInfo,
  type TaskStatus,
  type TaskTransition,
  taskStatuses,
  terminalStatuses,
} from "../../functions/core/task.ts";
import type { TaskType } from "../../functions/tasks/catalog.ts";

/** Same note as the DynamoDB store's: the first history entry of a record a claim created. */
const recordedByWorker = "recorded by the worker: the submit's record write had not landed";

interface StoredRecord {
  task: Task;
  leaseUntil?: string;
  /** Epoch seconds after which the finished record may be deleted. */
  expiresAtEpoch?: number;
}

interface IdempotencyEntry {
  readonly taskId: string;
  readonly requestHash: string;
  expiresAtEpoch: number;
}

export interface MemoryTaskStoreOptions {
  /** How long a finished task is kept before it may be deleted. */
  readonly resultTtlSeconds: number;
  /** The namespace this store reads and writes; absent: `default`. */
  readonly namespace?: string;
}

/** A TaskStore in memory, bound to one namespace; `inNamespace` gives the store of another over the same data. */
export type MemoryTaskStore = TaskStore & {
  inNamespace(namespace: string): MemoryTaskStore;
};

const epochOf = (at: Date | string) => Math.floor(new Date(at).getTime() / 1000);
const createdKey = (task: Task) => `${task.createdAt}#${task.id}`;
const minuteOf = (at: Date | string) => new Date(at).toISOString().slice(0, 16);
const copy = <T>(value: T): T => structuredClone(value);

/**
 * Each namespace keeps its own records, keys and counts, as each has its own
 * partitions in DynamoDB: a record of one is never found from another.
 */
export function createMemoryTaskStore(
  options: MemoryTaskStoreOptions,
  namespaces: Map<string, MemoryTaskStore> = new Map(),
): MemoryTaskStore {
  const namespace = options.namespace ?? defaultNamespace;
  const known = namespaces.get(namespace);
  if (known) return known;
  const tasks = new Map<string, StoredRecord>();
  const keys = new Map<string, IdempotencyEntry>();
  const byStatus = new Map<TaskStatus, number>();
  const byType = new Map<string, number>();
  const minutes = new Map<string, { submitted: number; entered: Map<TaskStatus, number> }>();

  function count(type: TaskType, from: TaskStatus | undefined, to: TaskStatus, at: Date | string): void {
    if (from === to) return;
    byStatus.set(to, (byStatus.get(to) ?? 0) + 1);
    byType.set(`${type}#${to}`, (byType.get(`${type}#${to}`) ?? 0) + 1);
    if (from) {
      byStatus.set(from, (byStatus.get(from) ?? 0) - 1);
      byType.set(`${type}#${from}`, (byType.get(`${type}#${from}`) ?? 0) - 1);
    }
    const minute = minutes.get(minuteOf(at)) ?? { submitted: 0, entered: new Map() };
    if (!from) minute.submitted += 1;
    minute.entered.set(to, (minute.entered.get(to) ?? 0) + 1);
    minutes.set(minuteOf(at), minute);
  }

  interface Change {
    readonly from: readonly TaskStatus[];
    readonly to: TaskStatus;
    readonly now: Date;
    readonly set?: Partial<Record<keyof Task, unknown>>;
    readonly remove?: readonly (keyof Task)[];
    readonly entry?: Partial<TaskTransition>;
    readonly finishes?: boolean;
    readonly when?: (record: StoredRecord) => boolean;
  }

  /** One conditional status change, as the DynamoDB store's `transition`. */
  function transition(id: string, change: Change): { ok: true; task: Task } | { ok: false; current?: Task } {
    const record = tasks.get(id);
    if (!record) return { ok: false };
    if (!change.from.includes(record.task.status) || (change.when && !change.when(record))) {
      return { ok: false, current: copy(record.task) };
    }
    const at = change.now.toISOString();
    const next: Record<string, unknown> = { ...record.task, ...change.set };
    for (const attribute of change.remove ?? []) delete next[attribute];
    next.status = change.to;
    next.updatedAt = at;
    next.history = [...record.task.history, { status: change.to, at, ...change.entry }];
    if (change.finishes) {
      next.finishedAt = at;
      record.expiresAtEpoch = epochOf(change.now) + options.resultTtlSeconds;
    }
    const from = record.task.status;
    record.task = next as unknown as Task;
    // Every status change ends the lease of the attempt that held the task (a claim sets a new one).
    delete record.leaseUntil;
    count(record.task.type, from, change.to, change.now);
    return { ok: true, task: copy(record.task) };
  }

  /**
   * Starts an attempt as the claim does: creates the record from the
   * envelope when missing, or moves a waiting task (or one running under a
   * lease that ran out by `checkedAt`) to running, with one more attempt.
   * With `priorAttempts`, only a task that has recorded that many attempts.
   */
  function startAttempt(
    envelope: TaskEnvelope,
    now: Date,
    priorAttempts: number | undefined,
    options: { status: "running"; attempt: undefined; checkedAt?: Date },
  ): { ok: true } | { ok: false; current: Task | undefined } {
    const at = now.toISOString();
    const checkedAt = (options.checkedAt ?? now).toISOString();
    const record = tasks.get(envelope.id);
    if (!record) {
      if (priorAttempts !== undefined && priorAttempts !== 0) return { ok: false, current: undefined };
      // The submit's write has not landed: the record is created from the envelope.
      const waiting: TaskStatus = envelope.runAt ? "scheduled" : "queued";
      const { v: _version, attempts: _hint, ...fields } = envelope;
      const task = {
        ...fields,
        status: "running",
        attempts: 1,
        updatedAt: at,
        history: [
          { status: waiting, at: envelope.createdAt, note: recordedByWorker },
          { status: "running", at },
        ],
      } as Task;
      tasks.set(envelope.id, { task });
      count(task.type, undefined, "running", now);
      return { ok: true };
    }
    const lapsed =
      record.task.status === "running" && record.leaseUntil !== undefined && record.leaseUntil < checkedAt;
    if (priorAttempts !== undefined && record.task.attempts !== priorAttempts) {
      return { ok: false, current: copy(record.task) };
    }
    const result = transition(envelope.id, {
      from: lapsed ? ["running"] : statusChanges.claim.from,
      to: "running",
      now,
      set: { attempts: record.task.attempts + 1 },
      remove: ["nextAttemptAt", "progress"],
    });
    return result.ok ? { ok: true } : { ok: false, current: result.current };
  }

  /** Records how the running attempt `attempt` ended (the caller has checked it may). */
  function finish(record: StoredRecord, attempt: number, outcome: AttemptOutcome, now: Date): Task {
    const { status } = outcome;
    const set: Partial<Record<keyof Task, unknown>> = {};
    const remove: (keyof Task)[] = [];
    if (status === "succeeded") {
      set.result = outcome.result;
      if (outcome.resultPayload) set.resultPayload = outcome.resultPayload;
      else remove.push("resultPayload");
      remove.push("error", "nextAttemptAt");
    } else {
      set.error = outcome.error;
      if (status === "retrying") set.nextAttemptAt = outcome.nextAttemptAt;
      else remove.push("nextAttemptAt");
    }
    if (!statusChanges.finishAttempt.to.includes(status)) throw new Error(`no attempt ends ${status}`);
    const result = transition(record.task.id, {
      from: statusChanges.finishAttempt.from,
      to: status,
      now,
      set,
      remove,
      finishes: status !== "retrying",
      entry: { attempt, ...(status === "succeeded" ? {} : { error: outcome.error }) },
    });
    if (!result.ok) throw new Error(`task ${record.task.id} was not running attempt ${attempt}`);
    return result.task;
  }

  const store: MemoryTaskStore = {
    inNamespace: (other) => createMemoryTaskStore({ ...options, namespace: other }, namespaces),

    async namespaces() {
      return [...new Set([defaultNamespace, ...namespaces.keys()])].sort();
    },

    async create(task: Task): Promise<CreateResult> {
      if (tasks.has(task.id)) return { created: false, existingTaskId: task.id, requestHash: "" };
      tasks.set(task.id, { task: copy(task) });
      count(task.type, undefined, task.status, task.createdAt);
      return { created: true };
    },

    async reserveIdempotencyKey(claim: IdempotencyClaim, taskId: string, now: Date): Promise<CreateResult> {
      const name = `${claim.scope}#${claim.key}`;
      const taken = keys.get(name);
      // An expired key counts as free, as the DynamoDB store's condition has it.
      if (taken && taken.expiresAtEpoch >= epochOf(now)) {
        return { created: false, existingTaskId: taken.taskId, requestHash: taken.requestHash };
      }
      keys.set(name, {
        taskId,
        requestHash: claim.requestHash,
        expiresAtEpoch: epochOf(now) + claim.ttlSeconds,
      });
      return { created: true };
    },

    async releaseIdempotency(scope, key) {
      const entry = keys.get(`${scope}#${key}`);
      if (!entry) throw new Error(`no idempotency key ${key} in scope ${scope}`);
      entry.expiresAtEpoch = 0;
    },

    async get(id) {
      const record = tasks.get(id);
      return record ? copy(record.task) : undefined;
    },

    async claim(envelope, now, leaseUntil, priorAttempts): Promise<ClaimResult> {
      const at = now.toISOString();
      const started = startAttempt(envelope, now, priorAttempts, { status: "running", attempt: undefined });
      if (!started.ok) return { claimed: false, current: started.current };
      const record = tasks.get(envelope.id)!;
      record.task = { ...record.task, startedAt: at };
      record.leaseUntil = leaseUntil.toISOString();
      return { claimed: true, task: copy(record.task) };
    },

    async recordAttempt(envelope, priorAttempts, startedAt, outcome, now): Promise<RecordAttemptResult> {
      const { status } = outcome;
      if (!statusChanges.recordAttempt.to.includes(status)) throw new Error(`no attempt ends ${status}`);
      const started = startAttempt(envelope, startedAt, priorAttempts, {
        status: "running",
        attempt: undefined,
        checkedAt: now,
      });
      if (!started.ok) return { recorded: false, current: started.current };
      const record = tasks.get(envelope.id)!;
      record.task = { ...record.task, startedAt: startedAt.toISOString() };
      const ended = finish(record, priorAttempts + 1, outcome, now);
      // One write in DynamoDB: the stream sees the task enter its outcome, never `running`.
      const minute = minutes.get(minuteOf(startedAt));
      minute?.entered.set("running", (minute.entered.get("running") ?? 1) - 1);
      return { recorded: true, task: ended };
    },

    async finishAttempt(id, attempt, outcome: AttemptOutcome, now) {
      const record = tasks.get(id);
      if (
        !record ||
        !statusChanges.finishAttempt.from.includes(record.task.status) ||
        // A late attempt (its lease lost, the task claimed again) must not overwrite the newer one.
        record.task.attempts !== attempt
      ) {
        return false;
      }
      finish(record, attempt, outcome, now);
      return true;
    },

    async failUnsent(id, error: TaskErrorInfo, now) {
      transition(id, {
        from: statusChanges.failUnsent.from,
        to: "failed",
        now,
        set: { error },
        finishes: true,
        entry: { error },
      });
    },

    async expire(id, now) {
      const error = expiredError;
      return transition(id, {
        from: statusChanges.expire.from,
        to: "expired",
        now,
        set: { error },
        remove: ["nextAttemptAt"],
        finishes: true,
      }).ok;
    },

    async cancel(id, now): Promise<CancelResult> {
      const result = transition(id, {
        from: statusChanges.cancel.from,
        to: "cancelled",
        now,
        remove: ["nextAttemptAt"],
        finishes: true,
      });
      if (result.ok) return { outcome: "cancelled", task: result.task };
      const record = tasks.get(id);
      if (!record) return { outcome: "not_found" };
      if (record.task.status !== "running") return { outcome: "terminal", task: copy(record.task) };
      const at = now.toISOString();
      record.task = { ...record.task, cancelRequestedAt: record.task.cancelRequestedAt ?? at, updatedAt: at };
      return { outcome: "requested", task: copy(record.task) };
    },

    async requeue(id, now, options) {
      const existing = tasks.get(id);
      if (options?.outsideWorkflows && existing?.task.workflow) return { current: copy(existing.task) };
      const result = transition(id, {
        from: statusChanges.requeue.from,
        to: "queued",
        now,
        set: { attempts: 0 },
        remove: [
          "finishedAt",
          "error",
          "result",
          "resultPayload",
          "progress",
          "runAt",
          "expiresAt",
          "nextAttemptAt",
          "cancelRequestedAt",
        ],
      });
      if (result.ok) {
        const record = tasks.get(id)!;
        delete record.expiresAtEpoch;
        // As the DynamoDB store: the newest historyLimit entries stay, the rest are counted.
        const { history } = record.task;
        if (history.length > historyLimit) {
          record.task = {
            ...record.task,
            history: history.slice(-historyLimit),
            historyDropped: (record.task.historyDropped ?? 0) + history.length - historyLimit,
          };
        }
        return { task: copy(record.task) };
      }
      return result.current ? { current: result.current } : {};
    },

    async markDeadLettered(id, error, now) {
      transition(id, {
        from: statusChanges.deadLetter.from,
        to: "failed",
        now,
        set: { error },
        remove: ["nextAttemptAt"],
        finishes: true,
        entry: { error },
      });
    },

    async reportProgress(id, attempt, progress, now) {
      const record = tasks.get(id);
      const current =
        record?.task.status === "running" &&
        record.task.attempts === attempt &&
        record.task.cancelRequestedAt === undefined;
      // Cancelled, or no longer this attempt's: either way the attempt should stop.
      if (!record || !current) return { cancelRequested: true };
      record.task = { ...record.task, progress: copy(progress), updatedAt: now.toISOString() };
      return { cancelRequested: false };
    },

    async isCancelRequested(id) {
      const task = tasks.get(id)?.task;
      return task?.cancelRequestedAt !== undefined || task?.status === "cancelled";
    },

    async list(filter, limit, cursor) {
      const matching = [...tasks.values()]
        .map(({ task }) => task)
        .filter(
          (task) =>
            (!filter.status || task.status === filter.status) &&
            (!filter.type || task.type === filter.type) &&
            (!filter.tag || task.tags?.[filter.tag.key] === filter.tag.value) &&
            (!cursor || createdKey(task) < cursor),
        )
        .sort((a, b) => (createdKey(a) < createdKey(b) ? 1 : -1));
      const items = matching.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map(copy),
        nextCursor: last && matching.length > limit ? createdKey(last) : null,
      };
    },

    async counts(): Promise<TaskCounts> {
      const counts: { byStatus: TaskCounts["byStatus"]; byType: Record<string, Record<string, number>> } = {
        byStatus: {},
        byType: {},
      };
      for (const status of taskStatuses) {
        const value = byStatus.get(status);
        if (value !== undefined) counts.byStatus[status] = value;
      }
      for (const [key, value] of byType) {
        const [type, status] = key.split("#") as [string, string];
        counts.byType[type] = { ...counts.byType[type], [status]: value };
      }
      return counts as TaskCounts;
    },

    async findSubmittedBetween(status, createdAfter, createdBefore, limit): Promise<StoredTask[]> {
      const after = createdAfter.toISOString();
      const before = createdBefore.toISOString();
      return [...tasks.values()]
        .filter(({ task }) => task.status === status && task.createdAt >= after && task.createdAt <= before)
        .sort((a, b) => (createdKey(a.task) < createdKey(b.task) ? -1 : 1))
        .slice(0, limit)
        .map(({ task, leaseUntil }) => ({ task: copy(task), ...(leaseUntil ? { leaseUntil } : {}) }));
    },

    async findExpired(now, limit) {
      const nowEpoch = epochOf(now);
      return [...tasks.values()]
        .filter(
          ({ task, expiresAtEpoch }) =>
            terminalStatuses.includes(task.status) &&
            expiresAtEpoch !== undefined &&
            expiresAtEpoch < nowEpoch,
        )
        .sort((a, b) => (createdKey(a.task) < createdKey(b.task) ? -1 : 1))
        .slice(0, limit)
        .map(({ task }) => task.id);
    },

    async deleteExpired(id, now) {
      const record = tasks.get(id);
      if (record?.expiresAtEpoch === undefined || record.expiresAtEpoch >= epochOf(now)) return false;
      tasks.delete(id);
      return true;
    },

    async activity(now, count): Promise<MinuteActivity[]> {
      const startMs = Math.floor(now.getTime() / 60_000) * 60_000 - (count - 1) * 60_000;
      return Array.from({ length: count }, (_, index) => {
        const minute = minuteOf(new Date(startMs + index * 60_000));
        const seen = minutes.get(minute);
        return {
          minute: `${minute}:00.000Z`,
          submitted: seen?.submitted ?? 0,
          entered: Object.fromEntries(seen?.entered ?? []),
        };
      });
    },
  };
  namespaces.set(namespace, store);
  return store;
}
