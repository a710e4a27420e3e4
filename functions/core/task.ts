/**
 * The task model: states, the transitions between them, and the public view.
 * Pure: no I/O. The DynamoDB adapter derives its condition expressions from
 * `statusesLeadingTo`, so the state machine is written down once, here.
 */

import type { TaskType } from "../tasks/catalog.ts";
import type { Lane, Priority } from "../tasks/lanes.ts";

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

const transitions: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  queued: ["running", "cancelled", "expired", "failed"],
  scheduled: ["queued", "running", "cancelled", "expired"],
  // running -> running: a crashed attempt whose lease ran out is claimed again.
  running: ["running", "succeeded", "failed", "retrying", "cancelled"],
  retrying: ["running", "cancelled", "expired", "failed"],
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

/** What went wrong in an attempt, as clients see it. */
export interface TaskErrorInfo {
  readonly type: string;
  readonly message: string;
  readonly retryable: boolean;
}

/** One entry of the attempt history: a status entered at a time. */
export interface TaskTransition {
  readonly status: TaskStatus;
  readonly at: string;
  readonly attempt?: number;
  readonly error?: TaskErrorInfo;
  /** Why the entry is unusual, when it is. */
  readonly note?: string;
}

export interface TaskProgress {
  readonly percent: number;
  readonly message?: string;
}

/** Per-task time limits, at most the type's own. */
export interface TaskTimeLimits {
  readonly softSeconds: number;
  readonly hardSeconds: number;
}

/** A task as stored and as returned by the API (times are ISO 8601 UTC). */
export interface Task {
  readonly id: string;
  readonly type: TaskType;
  readonly status: TaskStatus;
  readonly lane: Lane;
  readonly priority: Priority;
  readonly input: unknown;
  readonly result?: unknown;
  readonly error?: TaskErrorInfo;
  readonly progress?: TaskProgress;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** When a `scheduled` task becomes due. */
  readonly runAt?: string;
  /** A task not started by then ends `expired` and never runs. */
  readonly expiresAt?: string;
  /** When a `retrying` task's next attempt is due. */
  readonly nextAttemptAt?: string;
  /** Set by a cancel request while the task runs; the attempt's AbortSignal fires. */
  readonly cancelRequestedAt?: string;
  readonly timeLimits?: TaskTimeLimits;
  /** Gets a `send_notification` task when the task ends. */
  readonly callbackUrl?: string;
  readonly scheduleName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly history: readonly TaskTransition[];
}
