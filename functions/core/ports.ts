/**
 * Ports: what the use cases need from the outside world. Adapters in
 * functions/adapters implement them with the AWS SDK.
 */
import * as z from "zod";
import { type TaskType, taskTypes } from "../tasks/catalog.ts";
import { type Lane, laneNames, type Priority } from "../tasks/lanes.ts";
import type { ScheduledTask, TaskEnvelope } from "./envelope.ts";
import type { PayloadLocation } from "./payload.ts";
import { type Task, type TaskErrorInfo, type TaskProgress, type TaskStatus, taskStatuses } from "./task.ts";

export type ClaimResult =
  | { readonly claimed: true; readonly task: Task }
  | { readonly claimed: false; readonly current: Task | undefined };

/** What became of the one write of an unclaimed attempt (`recordAttempt`). */
export type RecordAttemptResult =
  | { readonly recorded: true; readonly task: Task }
  | { readonly recorded: false; readonly current: Task | undefined };

/** The end of an attempt, as recorded on the task. */
export type AttemptOutcome =
  | {
      readonly status: "succeeded";
      /** The result, or its placeholder when `resultPayload` says where it is kept. */
      readonly result: unknown;
      readonly resultPayload?: PayloadLocation;
    }
  | { readonly status: "failed"; readonly error: TaskErrorInfo }
  | { readonly status: "cancelled"; readonly error: TaskErrorInfo }
  | { readonly status: "retrying"; readonly error: TaskErrorInfo; readonly nextAttemptAt: string };

/** What became of a cancel request. */
export type CancelResult =
  | { readonly outcome: "cancelled"; readonly task: Task }
  | { readonly outcome: "requested"; readonly task: Task }
  | { readonly outcome: "terminal"; readonly task: Task }
  | { readonly outcome: "not_found" };

export interface IdempotencyClaim {
  /** Who the key belongs to (the API key's hash), so clients cannot collide; the store adds its namespace. */
  readonly scope: string;
  readonly key: string;
  /** Hash of the canonical request: the same key with another body is a conflict. */
  readonly requestHash: string;
  readonly ttlSeconds: number;
}

export type CreateResult =
  | { readonly created: true }
  | { readonly created: false; readonly existingTaskId: string; readonly requestHash: string };

export interface TaskListFilter {
  readonly status?: TaskStatus;
  readonly type?: TaskType;
  readonly tag?: { readonly key: string; readonly value: string };
}

/** A listing cursor the store did not make (or no longer understands). */
export class InvalidCursor extends Error {
  constructor() {
    super("not a cursor from this API");
    this.name = "InvalidCursor";
  }
}

export interface TaskPage {
  readonly items: readonly Task[];
  readonly nextCursor: string | null;
}

const countsByStatus = z.partialRecord(z.enum(taskStatuses), z.int().min(0));

/** Counts of tasks by status, and by type and status. Terminal counts are totals since the table was made. */
export const taskCountsSchema = z.object({
  byStatus: countsByStatus,
  byType: z.partialRecord(z.enum(taskTypes), countsByStatus),
});
export type TaskCounts = Readonly<z.output<typeof taskCountsSchema>>;

/** What happened in one minute: tasks submitted, and how many entered each status. */
export interface MinuteActivity {
  /** The minute's start, ISO 8601 UTC. */
  readonly minute: string;
  readonly submitted: number;
  readonly entered: Readonly<Partial<Record<TaskStatus, number>>>;
}

/**
 * Durable task records of one namespace (namespaces.ts): every read and write
 * is keyed by it, so a record of another namespace is not found. The worker
 * and the API take a store bound to the task's or the caller's namespace.
 */
export interface TaskStore {
  /** Writes a new record, unless one with its id exists (then resolves `created: false`). */
  create(task: Task): Promise<CreateResult>;
  /**
   * Takes an idempotency key for the task `taskId` (one conditional write). When
   * the key is taken and not expired, resolves the task it names and the hash of
   * the request that took it.
   */
  reserveIdempotencyKey(claim: IdempotencyClaim, taskId: string, now: Date): Promise<CreateResult>;
  /** Frees an idempotency key whose task could not be queued, so a resubmission creates a new task. */
  releaseIdempotency(scope: string, key: string): Promise<void>;
  get(id: string): Promise<Task | undefined>;
  /**
   * Starts an attempt if the task may run: it is queued, scheduled or retrying,
   * or running under a lease that has run out (a crashed attempt). Creates the
   * record from the envelope when it is missing. Conditional, so of two
   * deliveries of one message only one claims. With `priorAttempts` (the
   * deferred claim of an attempt whose handler already runs as attempt
   * `priorAttempts + 1`), only a task that has recorded exactly that many
   * attempts is claimed (a missing record counts as 0).
   */
  claim(envelope: TaskEnvelope, now: Date, leaseUntil: Date, priorAttempts?: number): Promise<ClaimResult>;
  /**
   * Records a whole attempt in one conditional write, for an attempt that
   * ended before its claim was due (run-task.ts's deferred claim): the task
   * goes from where `claim` would have taken it (queued, scheduled, retrying,
   * or running under a lease run out by `now`; created from the envelope when
   * missing) straight to `outcome`, attempts become `priorAttempts + 1`, and
   * the history gains the attempt's start (`startedAt`) and its end. Refused
   * (nothing written) when the task may not run or has recorded another
   * number of attempts than `priorAttempts`; `current` then says what it is.
   */
  recordAttempt(
    envelope: TaskEnvelope,
    priorAttempts: number,
    startedAt: Date,
    outcome: AttemptOutcome,
    now: Date,
  ): Promise<RecordAttemptResult>;
  /**
   * Records how attempt `attempt` ended. Resolves false when the task is no
   * longer running that attempt (claimed again after a lost lease).
   */
  finishAttempt(id: string, attempt: number, outcome: AttemptOutcome, now: Date): Promise<boolean>;
  /** Marks a queued task failed when its message could not be sent. */
  failUnsent(id: string, error: TaskErrorInfo, now: Date): Promise<void>;
  /** Ends a task that was not started by its expiresAt; false when it is no longer waiting. */
  expire(id: string, now: Date): Promise<boolean>;
  /** Cancels a waiting task at once, or asks a running one to stop. */
  cancel(id: string, now: Date): Promise<CancelResult>;
  /**
   * Queues a failed, cancelled or expired task again under its id, keeping
   * its history. With `outsideWorkflows`, a workflow's node task is left as
   * it is and returned as `current` (only its workflow's retry requeues it).
   */
  requeue(
    id: string,
    now: Date,
    options?: { readonly outsideWorkflows?: boolean },
  ): Promise<{ readonly task?: Task; readonly current?: Task }>;
  /** Records that the task's message went to the dead-letter queue, unless the task already ended. */
  markDeadLettered(id: string, error: TaskErrorInfo, now: Date): Promise<void>;
  /** Saves a running attempt's progress; tells whether a cancel was requested. */
  reportProgress(
    id: string,
    attempt: number,
    progress: TaskProgress,
    now: Date,
  ): Promise<{ cancelRequested: boolean }>;
  /**
   * Whether the attempt should stop on request: a cancel was requested for
   * the running attempt, or the task was cancelled outright (an attempt not
   * yet claimed runs while its task is still `queued`, which a cancel ends).
   */
  isCancelRequested(id: string): Promise<boolean>;
  list(filter: TaskListFilter, limit: number, cursor: string | undefined): Promise<TaskPage>;
  counts(): Promise<TaskCounts>;
  /**
   * Every namespace that holds tasks (the default one always), for the
   * housekeeping tasks that visit them all; may lag the records a few seconds.
   */
  namespaces(): Promise<string[]>;
  /**
   * Tasks in `status` submitted in [createdAfter, createdBefore], oldest first,
   * at most `limit`, with their lease (check_task_health). The store reads the
   * records created in that window, so callers keep it short.
   */
  findSubmittedBetween(
    status: TaskStatus,
    createdAfter: Date,
    createdBefore: Date,
    limit: number,
  ): Promise<StoredTask[]>;
  /** Ids of finished records whose expiry has passed (TTL deletion lags), oldest first, at most `limit`. */
  findExpired(now: Date, limit: number): Promise<string[]>;
  /** Deletes a record whose expiry has passed; false when it is gone or not expired. */
  deleteExpired(id: string, now: Date): Promise<boolean>;
  /** The last `minutes` minutes up to `now`, oldest first (kept a few hours). */
  activity(now: Date, minutes: number): Promise<MinuteActivity[]>;
}

/** A task with the store's lease on it. */
export interface StoredTask {
  readonly task: Task;
  /** Set while an attempt holds the task. */
  readonly leaseUntil?: string;
}

/** The lane queues. */
export interface TaskQueue {
  /** Sends the envelope to its lane's queue for its priority, visible after `delaySeconds` (at most 900). */
  send(envelope: TaskEnvelope, delaySeconds?: number): Promise<void>;
}

/**
 * Deliveries beyond the lane queues' longest delay (SQS: 900 s): the task's
 * envelope is kept outside the queue and sent to its lane queue (for its
 * priority) when due. One pending delivery per task id, so creating it again
 * (a retried request, a duplicate message) changes nothing.
 */
export interface DelayedDelivery {
  /** Sends `envelope` to its lane queue at `at`; resolves once that is arranged. A pending one for the same task stands. */
  schedule(envelope: TaskEnvelope, at: Date): Promise<void>;
  /** Drops the pending delivery of a task; false when there is none (already sent, or never arranged). */
  cancel(taskId: string): Promise<boolean>;
}

const queueDepth = { visible: z.int().min(0), inFlight: z.int().min(0), delayed: z.int().min(0) };

/** A lane's queues: per priority queue and in total, messages waiting, in flight and delayed; DLQ depth. */
export const laneDepthSchema = z.object({
  lane: z.enum(laneNames),
  queues: z.record(z.string(), z.object(queueDepth)),
  ...queueDepth,
  deadLetters: z.int().min(0),
});
export type LaneDepth = Readonly<z.output<typeof laneDepthSchema>>;

/** Reading lane queues and moving dead letters back. */
export interface LaneQueues {
  depth(lane: Lane): Promise<LaneDepth>;
  /**
   * Takes messages from the lane's DLQ, one batch at a time; `accept` returns
   * true for each one it has re-sent, which is then deleted from the DLQ.
   */
  drainDeadLetters(
    lane: Lane,
    accept: (body: string) => Promise<boolean>,
    maxMessages: number,
  ): Promise<number>;
}

export type RateDecision =
  | { readonly granted: true }
  | { readonly granted: false; readonly retryAfterSeconds: number };

/** Global rate limits, shared by every worker. */
export interface RateLimiter {
  /**
   * Takes one start of `type` if fewer than `perMinute` started in the last
   * 60 s: of every namespace, or, with `namespace`, of that namespace alone
   * (its share of the type's limit, counted apart).
   */
  acquire(type: TaskType, perMinute: number, now: Date, namespace?: string): Promise<RateDecision>;
}

/** Rate limits changed at run time, overriding the catalog. */
export interface RateLimitSettings {
  /** The override for each type that has one; `null` means unlimited. */
  overrides(): Promise<Partial<Record<TaskType, number | null>>>;
  set(type: TaskType, perMinute: number | null | undefined): Promise<void>;
}

/** Large task inputs and results, as JSON text by key. */
export interface PayloadStore {
  put(key: string, json: string): Promise<void>;
  get(key: string): Promise<string>;
}

/** Stored API keys, looked up by the SHA-256 of the key. */
export interface ApiKeyStore {
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  put(record: ApiKeyRecord): Promise<void>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when no such key exists. */
  revoke(keyHash: string, at: string): Promise<boolean>;
}

export interface ApiKeyRecord {
  /** SHA-256 (hex) of the key; also the key's public id. */
  readonly keyHash: string;
  readonly name: string;
  /** Absent on keys made before scopes: all scopes. */
  readonly scopes?: readonly ("submit" | "read" | "admin")[];
  /** Requests per second this key may make (per API instance); absent: the API's default. */
  readonly ratePerSecond?: number;
  /** The namespace the key acts in (namespaces.ts); absent on keys made before namespaces: `default`. */
  readonly namespace?: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** A schedule as claw-tasks defines it; the store keeps it in EventBridge Scheduler. */
export interface ScheduleDefinition {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly task: ScheduledTask;
  readonly enabled: boolean;
  readonly description?: string;
}

export interface StoredSchedule extends ScheduleDefinition {
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The service refused a schedule (a rule this code did not check first); the message says why. */
export class ScheduleRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleRejected";
  }
}

/**
 * Dynamic schedules of one namespace, in one schedule group. Throws
 * ScheduleRejected when the service refuses one. A schedule of another
 * namespace is not found, listed, changed or deleted.
 */
export interface ScheduleStore {
  /** Resolves undefined when a schedule of that name exists already. */
  create(schedule: ScheduleDefinition): Promise<StoredSchedule | undefined>;
  get(name: string): Promise<StoredSchedule | undefined>;
  /** Replaces the definition; resolves undefined when there is no such schedule. */
  update(schedule: ScheduleDefinition): Promise<StoredSchedule | undefined>;
  /** Resolves false when there was no such schedule. */
  delete(name: string): Promise<boolean>;
  list(limit: number, cursor?: string): Promise<{ items: StoredSchedule[]; nextCursor?: string }>;
}

/** The event-source mapping of one of a lane's priority queues, as Lambda reports it. */
export interface WorkerMapping {
  readonly priority: Priority;
  readonly functionName: string;
  /** Lambda's mapping state, e.g. Enabled, Disabling, Disabled, Updating. */
  readonly state: string;
  readonly maxConcurrency?: number;
  readonly batchSize: number;
}

/** A lane worker's event-source mappings (one per priority queue): read and change them together. */
export interface WorkerControl {
  get(lane: Lane): Promise<WorkerMapping[]>;
  /** `maxConcurrency` is the lane's size; each priority's mapping gets its share of it. */
  update(lane: Lane, change: { enabled?: boolean; maxConcurrency?: number }): Promise<WorkerMapping[]>;
}

/** When a lane's worker last took a batch. */
export interface LaneActivity {
  /** Records activity; cheap to call per batch (implementations may skip writes made moments ago). */
  record(lane: Lane, at: Date): Promise<void>;
  lastActivity(lane: Lane): Promise<string | undefined>;
}
