/**
 * The error a task handler throws to say how its attempt failed. Anything
 * else a handler throws counts as a retryable `task_error`.
 */
import type { TaskErrorInfo } from "./task.ts";

export class TaskFailure extends Error {
  readonly type: string;
  readonly retryable: boolean;

  constructor(type: string, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "TaskFailure";
    this.type = type;
    this.retryable = options.retryable;
  }
}

/** A failure that no retry can mend (bad input, a missing feature). */
export function permanentFailure(type: string, message: string): TaskFailure {
  return new TaskFailure(type, message, { retryable: false });
}

/** Turns whatever a handler threw into the error recorded on the task. */
export function describeFailure(thrown: unknown, nonRetryableTypes: readonly string[]): TaskErrorInfo {
  if (thrown instanceof TaskFailure) {
    return {
      type: thrown.type,
      message: thrown.message,
      retryable: thrown.retryable && !nonRetryableTypes.includes(thrown.type),
    };
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return { type: "task_error", message, retryable: !nonRetryableTypes.includes("task_error") };
}
