/**
 * The task model: states, the transitions between them, and the public view.
 * Pure: no I/O. Every status change a task store makes takes its from-states
 * from `statusChanges` below, which is checked against the transition table
 * when this module loads, so the state machine is written down once, here.
 */

import * as z from "zod";
import { taskTypes } from "../tasks/catalog.ts";
import { laneNames, priorities } from "../tasks/lanes.ts";

export const taskStatuses = [
  "queued",
  "scheduled",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "cancelled",
  "expired",
] as const;
export type TaskStatus = (typeof taskStatuses)[number];

// A waiting status goes straight to an attempt's outcome when the attempt ended before its claim was
// due (the deferred claim, run-task.ts): one write records its start and its end.
const transitions: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  queued: ["running", "succeeded", "retrying", "cancelled", "expired", "failed"],
  // scheduled -> failed: its first message could not be sent, or went to the dead-letter queue.
  scheduled: ["queued", "running", "succeeded", "retrying", "cancelled", "expired", "failed"],
  // running -> running: a crashed attempt whose lease ran out is claimed again.
  running: ["running", "succeeded", "failed", "retrying", "cancelled"],
  // retrying -> retrying: an unclaimed attempt failed again, retryably.
  retrying: ["running", "succeeded", "retrying", "cancelled", "expired", "failed"],
  succeeded: [],
  failed: ["queued"],
  cancelled: ["queued"],
  expired: ["queued"],
};

export const terminalStatuses: readonly TaskStatus[] = ["succeeded", "failed", "cancelled", "expired"];

export function isTerminal(status: TaskStatus): boolean {
  return terminalStatuses.includes(status);
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return transitions[from].includes(to);
}

/** Every status from which `to` may be entered. */
export function statusesLeadingTo(to: TaskStatus): TaskStatus[] {
  return taskStatuses.filter((from) => canTransition(from, to));
}

/** A status change a task store makes: the statuses it may start from and those it may enter. */
export interface StatusChange {
  readonly from: readonly TaskStatus[];
  readonly to: readonly TaskStatus[];
}

function statusChange(from: readonly TaskStatus[], to: readonly TaskStatus[]): StatusChange {
  for (const source of from) {
    for (const target of to) {
      if (!canTransition(source, target))
        throw new Error(`the transition table has no ${source} -> ${target}`);
    }
  }
  return { from, to };
}

/**
 * The store's status changes (ports.ts `TaskStore`), each a subset of the
 * transition table; a store's conditions use these from-states and no others.
 */
export const statusChanges = {
  /** Starts an attempt; also `running` whose lease ran out (a crashed attempt), which the store checks by lease. */
  claim: statusChange(["queued", "scheduled", "retrying"], ["running"]),
  /** Records how the running attempt ended. */
  finishAttempt: statusChange(["running"], ["succeeded", "failed", "cancelled", "retrying"]),
  /**
   * Records a whole attempt that ended before its claim was due (the deferred
   * claim): from a status `claim` starts from (the store also takes `running`
   * whose lease ran out, as the claim does) straight to the outcome.
   */
  recordAttempt: statusChange(
    ["queued", "scheduled", "retrying"],
    ["succeeded", "failed", "cancelled", "retrying"],
  ),
  /** The first message of a waiting task could not be sent. */
  failUnsent: statusChange(["queued", "scheduled"], ["failed"]),
  /** Not started by its expiresAt. */
  expire: statusChange(["queued", "scheduled", "retrying"], ["expired"]),
  /** Cancels a waiting task at once (a running one is asked to stop and ends through finishAttempt). */
  cancel: statusChange(["queued", "scheduled", "retrying"], ["cancelled"]),
  /** Retry by id: only ended tasks, and never `succeeded`. */
  requeue: statusChange(["failed", "cancelled", "expired"], ["queued"]),
  /** The task's message went to the dead-letter queue before the task ended. */
  deadLetter: statusChange(["queued", "scheduled", "running", "retrying"], ["failed"]),
} as const satisfies Record<string, StatusChange>;

const isoTime = z.iso.datetime({ offset: true });

/** What went wrong in an attempt, as clients see it. */
export const taskErrorInfoSchema = z.object({
  type: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});
export type TaskErrorInfo = Readonly<z.output<typeof taskErrorInfoSchema>>;

/** The error an expired task records: it was not started by its `expiresAt`. */
export const expiredError: TaskErrorInfo = {
  type: "expired",
  message: "not started by its expiresAt",
  retryable: false,
};

/** One entry of the attempt history: a status entered at a time. */
export const taskTransitionSchema = z.object({
  status: z.enum(taskStatuses),
  at: isoTime,
  attempt: z.int().optional(),
  error: taskErrorInfoSchema.optional(),
  note: z.string().optional().describe("Why the entry is unusual, when it is."),
});
export type TaskTransition = Readonly<z.output<typeof taskTransitionSchema>>;

export const taskProgressSchema = z.object({
  percent: z.number().min(0).max(100),
  message: z.string().optional(),
});
export type TaskProgress = Readonly<z.output<typeof taskProgressSchema>>;

/** Who submitted a task: the key's name and short id (never its secret or full hash). */
export const taskSubmitterSchema = z.object({
  name: z.string(),
  keyId: z
    .string()
    .describe("The first characters of the key's id, as `GET /v1/keys` and the logs show them."),
});
export type TaskSubmitter = Readonly<z.output<typeof taskSubmitterSchema>>;

/** The workflow a task is a node of: its id, and the node's id and place in canvas order. */
export const taskWorkflowRefSchema = z.object({
  id: z.string(),
  node: z.string(),
  index: z.int().min(0),
});
export type TaskWorkflowRef = Readonly<z.output<typeof taskWorkflowRefSchema>>;

/** Where a large input or result lives (core/payload.ts); only the server sets it. */
export const payloadLocationSchema = z.object({ key: z.string(), bytes: z.int().min(0) });

/** Per-task time limits, at most the type's own. */
export const taskTimeLimitsSchema = z.object({
  softSeconds: z.number().positive(),
  hardSeconds: z.number().positive(),
});
export type TaskTimeLimits = Readonly<z.output<typeof taskTimeLimitsSchema>>;

/**
 * A task as stored and as returned by the API (times are ISO 8601 UTC). The
 * schema is the one definition: the type below is derived from it, and the
 * OpenAPI document (functions/api/openapi.ts) shows it to clients.
 */
export const taskSchema = z
  .object({
    id: z.string(),
    type: z.enum(taskTypes),
    status: z.enum(taskStatuses),
    lane: z.enum(laneNames),
    priority: z.enum(priorities),
    /** Listings show a large input as a placeholder, `{"$payload": {key, bytes}}`; its place is `inputPayload`. */
    input: z.unknown(),
    inputPayload: payloadLocationSchema.optional().describe("Where the server keeps a large input."),
    result: z.unknown().optional(),
    resultPayload: payloadLocationSchema.optional().describe("Where the server keeps a large result."),
    error: taskErrorInfoSchema.optional(),
    progress: taskProgressSchema.optional(),
    attempts: z.int().min(0),
    maxAttempts: z.int().min(1),
    createdAt: isoTime,
    updatedAt: isoTime,
    startedAt: isoTime.optional(),
    finishedAt: isoTime.optional(),
    runAt: isoTime.optional().describe("When a `scheduled` task becomes due."),
    expiresAt: isoTime.optional().describe("A task not started by then ends `expired` and never runs."),
    nextAttemptAt: isoTime.optional().describe("When a `retrying` task's next attempt is due."),
    cancelRequestedAt: isoTime
      .optional()
      .describe("Set by a cancel request while the task runs; the attempt's AbortSignal fires."),
    timeLimits: taskTimeLimitsSchema.optional(),
    callbackUrl: z
      .string()
      .optional()
      .describe(
        "Gets a `send_notification` task when the task ends; shown without credentials and query string.",
      ),
    scheduleName: z.string().optional(),
    tags: z.record(z.string(), z.string()).optional(),
    namespace: z
      .string()
      .optional()
      .describe("The namespace the task lives in (its submitter's); absent on tasks made before namespaces."),
    submittedBy: taskSubmitterSchema
      .optional()
      .describe("The API key that submitted the task; absent for schedules and the system's own tasks."),
    workflow: taskWorkflowRefSchema
      .optional()
      .describe("The workflow this task is a node of (docs/workflows.md); absent for tasks of their own."),
    history: z.array(taskTransitionSchema),
    historyDropped: z
      .int()
      .min(1)
      .optional()
      .describe("How many of the oldest history entries were dropped to keep the record small."),
  })
  .meta({ description: "A task; times are ISO 8601 UTC." });

/** A task as stored and as returned by the API. */
export type Task = Readonly<
  Omit<z.output<typeof taskSchema>, "history" | "tags"> & {
    readonly history: readonly TaskTransition[];
    readonly tags?: Readonly<Record<string, string>>;
  }
>;
