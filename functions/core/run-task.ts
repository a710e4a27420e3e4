/**
 * Use case: handle one delivery of a task message.
 *
 * 1. Not due yet (`runAt` ahead; the scheduler fired early, or the message
 *    predates the schedule path): deliver it again for what remains, with an
 *    SQS delay or, when that is too long, a one-time schedule (delivery.ts).
 * 2. Past its `expiresAt` and still waiting: record `expired`; it never runs.
 * 3. Over its type's global rate limit: send it on, delayed until a slot frees;
 *    no attempt is used and the message never nears the DLQ.
 * 4. Claim it (a duplicate delivery claims nothing and is acknowledged), run the
 *    handler under its time limits, watching for a cancel request, and record
 *    the outcome; a retryable failure is sent on with a backoff delay.
 *
 * Resolves, with what happened, when the message may be deleted; rejects when
 * it must come back (nothing was recorded, or the next hop could not be sent).
 */
import { type TaskDefinition, type TaskType, taskCatalog } from "../tasks/catalog.ts";
import { retryDelaySeconds } from "./backoff.ts";
import { type DeliveryDeps, deliver } from "./delivery.ts";
import { namespaceOfEnvelope, type TaskEnvelope } from "./envelope.ts";
import { offloadIfLarge, payloadKeys, resolvePayload } from "./payload.ts";
import type { AttemptOutcome, PayloadStore, RateLimiter, TaskQueue, TaskStore } from "./ports.ts";
import type { Task, TaskProgress, TaskTimeLimits } from "./task.ts";
import { describeFailure, failureLogDetails, TaskFailure } from "./task-failure.ts";
import type { TaskContext, TaskHandlers, UntypedTaskHandler } from "./task-handler.ts";

/** Extra lease time past the hard limit, for recording the outcome. */
export const leaseMarginSeconds = 30;

export type DeliveryOutcome =
  | AttemptOutcome["status"]
  | "deferred"
  | "expired"
  | "rate_limited"
  | "skipped"
  | "superseded";

/** What one delivery did; the worker turns it into logs and metrics. */
export interface DeliveryReport {
  readonly outcome: DeliveryOutcome;
  /** Set when the delivery claimed the task and ran (or ended) an attempt. */
  readonly attempt?: {
    readonly number: number;
    /** From the claim to the recorded outcome. */
    readonly durationMs: number;
    /** From when the task was due to its start; first starts only (see queueWaitMs). */
    readonly queueWaitMs?: number;
  };
}

/**
 * How long a just-claimed task waited to start: from when it became due
 * (queued, or its runAt) to the claim. Undefined for retries and for crashed
 * attempts claimed again, whose wait is mostly their chosen backoff or lease.
 */
export function queueWaitMs(claimed: Task, startedAt: Date): number | undefined {
  const previous = claimed.history.at(-2);
  if (!previous || (previous.status !== "queued" && previous.status !== "scheduled")) {
    // A record the claim itself created (its submit write was lost) waited since it was created.
    return claimed.history.length === 1
      ? Math.max(0, startedAt.getTime() - dueOf(claimed, claimed.createdAt))
      : undefined;
  }
  return Math.max(0, startedAt.getTime() - dueOf(claimed, previous.at));
}

const dueOf = (task: Task, waitingSince: string) =>
  Math.max(Date.parse(waitingSince), task.runAt ? Date.parse(task.runAt) : 0);

export interface RunTaskDeps extends DeliveryDeps {
  readonly store: TaskStore;
  readonly queue: TaskQueue;
  readonly payloads: PayloadStore;
  readonly handlers: TaskHandlers;
  readonly rateLimiter: RateLimiter;
  /** The type's limit in starts per minute now (run-time override or catalog); undefined = unlimited. */
  readonly rateLimitOf: (type: TaskType) => Promise<number | undefined>;
  /**
   * The fraction (0..1] of a type's rate limit one namespace may take, so a
   * busy namespace cannot starve the others; absent or 1: no share, the
   * global limit only (the default).
   */
  readonly namespaceRateShare?: number;
  /** Called with a task that has just ended and has a callbackUrl (completion callbacks). */
  readonly onTerminal: (task: Task) => Promise<void>;
  readonly now: () => Date;
  readonly random: () => number;
  /** How often a running attempt checks for a cancel request. */
  readonly cancelPollMs: number;
  /** Lease time past the hard limit (leaseMarginSeconds in AWS). */
  readonly leaseMarginSeconds: number;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

/** Starts per minute one namespace may take of a type's `limit`: at least one. */
export const namespaceShareOf = (limit: number, share = 1): number =>
  Math.max(1, Math.min(limit, Math.floor(limit * share)));

const secondsUntil = (time: string, now: Date) => Math.ceil((Date.parse(time) - now.getTime()) / 1000);

export async function runDelivery(envelope: TaskEnvelope, deps: RunTaskDeps): Promise<DeliveryReport> {
  const now = deps.now();
  if (envelope.runAt && secondsUntil(envelope.runAt, now) > 0) {
    await deliver(envelope, now, deps);
    return { outcome: "deferred" };
  }
  // Past its expiresAt: a waiting task expires. One that is not waiting either ended (the claim below
  // refuses it) or started in time and crashed (its lease ran out): the claim runs it again, so it
  // is not left `running` for good.
  if (
    envelope.expiresAt &&
    Date.parse(envelope.expiresAt) <= now.getTime() &&
    (await deps.store.expire(envelope.id, now))
  ) {
    // Read the ended record back only when a callback needs it: no extra read on the common path.
    const expired = envelope.callbackUrl ? await deps.store.get(envelope.id) : undefined;
    if (expired) await deps.onTerminal(expired);
    return { outcome: "expired" };
  }
  const limit = await deps.rateLimitOf(envelope.type);
  if (limit !== undefined) {
    // The namespace's share first: a start it refuses never takes one of the global slots from others.
    const share = namespaceShareOf(limit, deps.namespaceRateShare);
    const decisions = [
      ...(share < limit
        ? [() => deps.rateLimiter.acquire(envelope.type, share, now, namespaceOfEnvelope(envelope))]
        : []),
      () => deps.rateLimiter.acquire(envelope.type, limit, now),
    ];
    for (const acquire of decisions) {
      const decision = await acquire();
      if (!decision.granted) {
        await deps.queue.send(envelope, Math.min(deps.maxSqsDelaySeconds, decision.retryAfterSeconds));
        return { outcome: "rate_limited" };
      }
    }
  }

  const definition = taskCatalog[envelope.type];
  const limits = envelope.timeLimits ?? definition.timeLimits;
  const leaseUntil = new Date(now.getTime() + (limits.hardSeconds + deps.leaseMarginSeconds) * 1000);
  const claim = await deps.store.claim(envelope, now, leaseUntil);
  if (!claim.claimed) {
    deps.log("delivery skipped: task not runnable", { taskId: envelope.id, status: claim.current?.status });
    return { outcome: "skipped" };
  }

  const task = claim.task;
  const waited = queueWaitMs(task, now);
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
      : await attempt(task, definition, limits, deps);
  const finishedAt = deps.now();
  const attemptReport = {
    number: task.attempts,
    durationMs: finishedAt.getTime() - now.getTime(),
    ...(waited === undefined ? {} : { queueWaitMs: waited }),
  };
  const recorded = await deps.store.finishAttempt(task.id, task.attempts, outcome, finishedAt);
  if (!recorded) {
    deps.log("attempt outcome dropped: task no longer held by this attempt", { taskId: task.id });
    return { outcome: "superseded" };
  }
  if (outcome.status === "retrying") {
    // Rejecting here leaves this message to come back; the task is `retrying`, which a claim accepts.
    await deps.queue.send(envelope, Math.max(0, secondsUntil(outcome.nextAttemptAt, deps.now())));
  } else if (task.callbackUrl) {
    const ended = await deps.store.get(task.id);
    if (ended) await deps.onTerminal(ended);
  }
  return { outcome: outcome.status, attempt: attemptReport };
}

async function attempt(
  task: Task,
  definition: TaskDefinition,
  limits: TaskTimeLimits,
  deps: RunTaskDeps,
): Promise<AttemptOutcome> {
  const parsedInput = definition.input.safeParse(
    await resolvePayload(task.input, task.inputPayload, deps.payloads),
  );
  if (!parsedInput.success) {
    const message = `stored input no longer matches the ${task.type} schema: ${parsedInput.error.message}`;
    return { status: "failed", error: { type: "validation_error", message, retryable: false } };
  }
  const handler = deps.handlers[task.type] as UntypedTaskHandler;
  try {
    const result = await runWithinLimits(handler, parsedInput.data, task, limits, deps);
    const kept = await offloadIfLarge(
      result ?? null,
      payloadKeys.result(task.id, task.attempts),
      deps.payloads,
    );
    return {
      status: "succeeded",
      result: kept.value,
      ...(kept.payload ? { resultPayload: kept.payload } : {}),
    };
  } catch (thrown) {
    const error = describeFailure(thrown, definition.retry.nonRetryableErrors);
    // The record keeps a safe message; the log keeps what it left out (task-failure.ts).
    deps.log("attempt failed", {
      taskId: task.id,
      type: task.type,
      attempt: task.attempts,
      ...failureLogDetails(thrown),
    });
    if (error.type === "cancelled") return { status: "cancelled", error };
    if (!error.retryable || task.attempts >= task.maxAttempts) return { status: "failed", error };
    const delaySeconds = retryDelaySeconds(definition.retry, task.attempts, deps.random);
    const nextAttemptAt = new Date(deps.now().getTime() + delaySeconds * 1000).toISOString();
    return { status: "retrying", error, nextAttemptAt };
  }
}

const cancelledOnRequest = () =>
  new TaskFailure("cancelled", "cancelled on request while running", { retryable: false });

/**
 * Runs the handler with an AbortSignal that fires at the soft limit or on a
 * cancel request, and gives up on it at the hard limit (JavaScript cannot
 * stop a promise; the lane's function timeout is the final stop). When the
 * signal has fired, the failure recorded is the signal's reason, not
 * whatever AbortError the handler threw.
 */
async function runWithinLimits(
  handler: UntypedTaskHandler,
  input: unknown,
  task: Task,
  limits: TaskTimeLimits,
  deps: RunTaskDeps,
): Promise<unknown> {
  const controller = new AbortController();
  const abort = (reason: TaskFailure) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const softTimer = setTimeout(
    () =>
      abort(
        new TaskFailure("soft_time_limit", `soft time limit of ${limits.softSeconds}s reached`, {
          retryable: true,
        }),
      ),
    limits.softSeconds * 1000,
  );
  const cancelPoll = setInterval(() => {
    deps.store
      .isCancelRequested(task.id)
      .then((requested) => requested && abort(cancelledOnRequest()))
      .catch((error: unknown) => deps.log("cancel check failed", { taskId: task.id, error: String(error) }));
  }, deps.cancelPollMs);
  let hardTimer: NodeJS.Timeout | undefined;
  const hardLimit = new Promise<never>((_, reject) => {
    hardTimer = setTimeout(() => {
      // A handler that ignored a cancel request still ends cancelled, not as a retryable timeout.
      const reason: unknown = controller.signal.reason;
      const failure =
        reason instanceof TaskFailure && reason.type === "cancelled"
          ? reason
          : new TaskFailure("timeout", `hard time limit of ${limits.hardSeconds}s reached`, {
              retryable: true,
            });
      abort(failure);
      reject(failure);
    }, limits.hardSeconds * 1000);
  });
  let lastProgressAt = 0;
  const context: TaskContext = {
    taskId: task.id,
    attempt: task.attempts,
    maxAttempts: task.maxAttempts,
    submittedAt: task.createdAt,
    tags: task.tags ?? {},
    signal: controller.signal,
    async reportProgress(progress: TaskProgress) {
      const nowMs = Date.now();
      // At most one write a second, but always the final 100 %.
      if (nowMs - lastProgressAt < 1000 && progress.percent < 100) return;
      lastProgressAt = nowMs;
      const { cancelRequested } = await deps.store.reportProgress(
        task.id,
        task.attempts,
        progress,
        deps.now(),
      );
      if (cancelRequested) abort(cancelledOnRequest());
    },
  };
  try {
    return await Promise.race([handler(input, context), hardLimit]);
  } catch (thrown) {
    // The hard limit's own failure stands; otherwise a fired signal's reason explains the handler's AbortError.
    if (thrown instanceof TaskFailure) throw thrown;
    const reason = controller.signal.reason;
    throw controller.signal.aborted && reason instanceof TaskFailure ? reason : thrown;
  } finally {
    clearTimeout(softTimer);
    clearTimeout(hardTimer);
    clearInterval(cancelPoll);
  }
}
