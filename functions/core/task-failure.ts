/**
 * The error a task handler throws to say how its attempt failed. Anything
 * else a handler throws counts as a retryable `task_error`.
 *
 * What reaches the task record is what every `read` key sees, so it must be
 * safe to show: a TaskFailure's `message` is written for that (no provider
 * ARNs, endpoint URLs, response bodies, bucket or key names), and its
 * `detail` holds what only operators should see; the worker logs the detail
 * with the task id (run-task.ts). Anything else thrown is recorded by its
 * error name alone, its message logged.
 */
import type { TaskErrorInfo } from "./task.ts";

export class TaskFailure extends Error {
  readonly type: string;
  readonly retryable: boolean;
  /** For the logs only, never the task record: the provider's own message, the URL, the response body. */
  readonly detail?: string;

  constructor(
    type: string,
    message: string,
    options: { retryable: boolean; cause?: unknown; detail?: string | undefined },
  ) {
    super(message, { cause: options.cause });
    this.name = "TaskFailure";
    this.type = type;
    this.retryable = options.retryable;
    if (options.detail !== undefined) this.detail = options.detail;
  }
}

/** A failure that no retry can mend (bad input, a missing feature). */
export function permanentFailure(type: string, message: string, detail?: string): TaskFailure {
  return new TaskFailure(type, message, { retryable: false, detail });
}

/** Turns whatever a handler threw into the error recorded on the task (safe to show any `read` key). */
export function describeFailure(thrown: unknown, nonRetryableTypes: readonly string[]): TaskErrorInfo {
  if (thrown instanceof TaskFailure) {
    return {
      type: thrown.type,
      message: thrown.message,
      retryable: thrown.retryable && !nonRetryableTypes.includes(thrown.type),
    };
  }
  // An unexpected error's message may name anything (an ARN, a bucket, a host): the log has it.
  const name = thrown instanceof Error ? thrown.name : typeof thrown;
  return {
    type: "task_error",
    message: `unexpected error (${name}); the worker's log has the details under this task's id`,
    retryable: !nonRetryableTypes.includes("task_error"),
  };
}

/** What the log records of a failure beside the task id: the detail the task record leaves out. */
export function failureLogDetails(thrown: unknown): Record<string, unknown> {
  if (thrown instanceof TaskFailure) {
    return {
      errorType: thrown.type,
      error: thrown.message,
      ...(thrown.detail === undefined ? {} : { detail: thrown.detail }),
      ...(thrown.cause === undefined ? {} : { cause: String(thrown.cause) }),
    };
  }
  return {
    errorType: "task_error",
    error: thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown),
    ...(thrown instanceof Error && thrown.stack ? { stack: thrown.stack } : {}),
  };
}
