/**
 * Use case: handle one delivery of a task message. Claim the task (a
 * duplicate delivery claims nothing and is acknowledged), run its handler
 * under the type's time limits, record the outcome, and schedule the next
 * attempt when the failure is retryable.
 *
 * Resolves when the message may be deleted; rejects when it must come back
 * (nothing was recorded, or the retry could not be queued).
 */
import { type TaskDefinition, taskCatalog } from "../tasks/catalog.ts";
import { retryDelaySeconds } from "./backoff.ts";
import type { TaskEnvelope } from "./envelope.ts";
import type { AttemptOutcome, TaskQueue, TaskStore } from "./ports.ts";
import type { Task } from "./task.ts";
import { describeFailure, TaskFailure } from "./task-failure.ts";
import type { TaskContext, TaskHandlers, UntypedTaskHandler } from "./task-handler.ts";

/** Extra lease time past the hard limit, for recording the outcome. */
export const leaseMarginSeconds = 30;

export type DeliveryOutcome = AttemptOutcome["status"] | "skipped" | "superseded";

export interface RunTaskDeps {
  readonly store: TaskStore;
  readonly queue: TaskQueue;
  readonly handlers: TaskHandlers;
  readonly now: () => Date;
  readonly random: () => number;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

export async function runDelivery(envelope: TaskEnvelope, deps: RunTaskDeps): Promise<DeliveryOutcome> {
  const definition = taskCatalog[envelope.type];
  const claimedAt = deps.now();
  const leaseUntil = new Date(
    claimedAt.getTime() + (definition.timeLimits.hardSeconds + leaseMarginSeconds) * 1000,
  );
  const claim = await deps.store.claim(envelope, claimedAt, leaseUntil);
  if (!claim.claimed) {
    deps.log("delivery skipped: task not runnable", { taskId: envelope.id, status: claim.current?.status });
    return "skipped";
  }

  const task = claim.task;
  // More attempts than allowed means the last one died without recording anything (crash or function timeout).
  const outcome: AttemptOutcome =
    task.attempts > task.maxAttempts
      ? {
          status: "failed",
          error: {
            type: "attempts_exhausted",
            message: `attempt ${task.attempts - 1} of ${task.maxAttempts} ended without an outcome (worker crash or function timeout)`,
            retryable: false,
          },
        }
      : await attempt(task, definition, deps);
  const recorded = await deps.store.finishAttempt(task.id, task.attempts, outcome, deps.now());
  if (!recorded) {
    deps.log("attempt outcome dropped: task no longer held by this attempt", { taskId: task.id });
    return "superseded";
  }
  if (outcome.status === "retrying") {
    const delay = Math.max(0, Math.round((Date.parse(outcome.nextAttemptAt) - deps.now().getTime()) / 1000));
    // Rejecting here leaves this message to come back; the task is `retrying`, which a claim accepts.
    await deps.queue.send(envelope, delay);
  }
  return outcome.status;
}

async function attempt(task: Task, definition: TaskDefinition, deps: RunTaskDeps): Promise<AttemptOutcome> {
  const parsedInput = definition.input.safeParse(task.input);
  if (!parsedInput.success) {
    const message = `stored input no longer matches the ${task.type} schema: ${parsedInput.error.message}`;
    return { status: "failed", error: { type: "validation_error", message, retryable: false } };
  }
  const handler = deps.handlers[task.type] as UntypedTaskHandler;
  try {
    const result = await runWithinLimits(handler, parsedInput.data, task, definition);
    return { status: "succeeded", result: result ?? null };
  } catch (thrown) {
    const error = describeFailure(thrown, definition.retry.nonRetryableErrors);
    if (!error.retryable || task.attempts >= task.maxAttempts) return { status: "failed", error };
    const delaySeconds = retryDelaySeconds(definition.retry, task.attempts, deps.random);
    const nextAttemptAt = new Date(deps.now().getTime() + delaySeconds * 1000).toISOString();
    return { status: "retrying", error, nextAttemptAt };
  }
}

/**
 * Runs the handler with its AbortSignal firing at the soft limit, and gives up
 * on it at the hard limit (JavaScript cannot stop a promise; the lane's
 * function timeout is the final stop).
 */
async function runWithinLimits(
  handler: UntypedTaskHandler,
  input: unknown,
  task: Task,
  definition: TaskDefinition,
): Promise<unknown> {
  const { softSeconds, hardSeconds } = definition.timeLimits;
  const controller = new AbortController();
  const softTimer = setTimeout(
    () =>
      controller.abort(
        new TaskFailure("soft_time_limit", `soft time limit of ${softSeconds}s reached`, { retryable: true }),
      ),
    softSeconds * 1000,
  );
  let hardTimer: NodeJS.Timeout | undefined;
  const hardLimit = new Promise<never>((_, reject) => {
    hardTimer = setTimeout(() => {
      const failure = new TaskFailure("timeout", `hard time limit of ${hardSeconds}s reached`, {
        retryable: true,
      });
      controller.abort(failure);
      reject(failure);
    }, hardSeconds * 1000);
  });
  const context: TaskContext = {
    taskId: task.id,
    attempt: task.attempts,
    maxAttempts: task.maxAttempts,
    signal: controller.signal,
  };
  try {
    return await Promise.race([handler(input, context), hardLimit]);
  } finally {
    clearTimeout(softTimer);
    clearTimeout(hardTimer);
  }
}
