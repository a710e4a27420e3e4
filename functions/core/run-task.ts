/**
 * Use case: handle one delivery of a task message.
 *
 * 1. Not due yet (`runAt` ahead; the scheduler fired early, or the message
 *    predates the schedule path): deliver it again for what remains, with an
 *    SQS delay or, when that is too long, a one-time schedule (delivery.ts).
 * 2. Past its `expiresAt` and still waiting: record `expired`; it never runs.
 * 3. Over its type's global rate limit: send it on, delayed until a slot frees;
 *    no attempt is used and the message never nears the DLQ.
 * 4. Run the handler under its time limits, watching for a cancel request,
 *    and record the outcome; a retryable failure is sent on with a backoff
 *    delay. The claim (`running`, the lease) is deferred: an attempt that
 *    ends within its type's `claimAfterMs` is recorded with one conditional
 *    write from its waiting status straight to the outcome; one that runs on
 *    (or reports progress first) is claimed then, and stopped if the claim is
 *    refused. A message that came back (receive count above 1: a crash or a
 *    duplicate), a type with `claimAfterMs: 0` and a message whose attempts
 *    hint is spent claim first. Either way one outcome per attempt: a
 *    delivery whose write is refused drops its outcome (a duplicate claims
 *    nothing and is acknowledged).
 *
 * Resolves, with what happened, when the message may be deleted; rejects when
 * it must come back (nothing was recorded, or the next hop could not be sent).
 */
import { claimAfterMsOf, type TaskDefinition, type TaskType, taskCatalog } from "../tasks/catalog.ts";
import { retryDelaySeconds } from "./backoff.ts";
import { type DeliveryDeps, deliver } from "./delivery.ts";
import { namespaceOfEnvelope, type TaskEnvelope } from "./envelope.ts";
import { offloadIfLarge, payloadKeys, resolvePayload } from "./payload.ts";
import type {
  AttemptOutcome,
  ClaimResult,
  PayloadStore,
  RateLimiter,
  TaskQueue,
  TaskStore,
} from "./ports.ts";
import { isTerminal, type Task, type TaskProgress, type TaskTimeLimits } from "./task.ts";
import { describeFailure, failureLogDetails, TaskFailure } from "./task-failure.ts";
import type { TaskContext, TaskHandlers, UntypedTaskHandler } from "./task-handler.ts";
import { queueWaitMs } from "./task-times.ts";

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
  /** The type's deferred-claim threshold in ms (0: claim first); absent: the catalog's (claimAfterMsOf). */
  readonly claimAfterMsOf?: (type: TaskType) => number;
}

/** What the queue says about this delivery of the message. */
export interface DeliveryInfo {
  /** SQS's ApproximateReceiveCount: above 1, an earlier delivery of this message did not finish. */
  readonly receiveCount?: number;
}

/**
 * A delivery whose unclaimed attempt found the task waiting under another
 * attempt count than its message said (a stale copy): nothing was recorded,
 * and the message comes back, to be claimed first with the count read back.
 */
export class AttemptCountChanged extends Error {
  constructor(taskId: string, expected: number, found: number | undefined) {
    super(
      `task ${taskId} has ${found ?? "no record and"} attempts recorded, not the ${expected} its message says; the message comes back and is claimed first`,
    );
    this.name = "AttemptCountChanged";
  }
}

/** Starts per minute one namespace may take of a type's `limit`: at least one. */
export const namespaceShareOf = (limit: number, share = 1): number =>
  Math.max(1, Math.min(limit, Math.floor(limit * share)));

const secondsUntil = (time: string, now: Date) => Math.ceil((Date.parse(time) - now.getTime()) / 1000);

export async function runDelivery(
  envelope: TaskEnvelope,
  deps: RunTaskDeps,
  info: DeliveryInfo = {},
): Promise<DeliveryReport> {
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
  const leaseFrom = (start: Date) =>
    new Date(start.getTime() + (limits.hardSeconds + deps.leaseMarginSeconds) * 1000);
  const priorAttempts = envelope.attempts ?? 0;
  const claimAfterMs = (deps.claimAfterMsOf ?? claimAfterMsOf)(envelope.type);
  // Claim first when the type asks for it, when an earlier delivery of this message did not finish
  // (it may have crashed mid-attempt: the claim counts the attempt), and when the hint is spent.
  const claimFirst =
    claimAfterMs <= 0 || (info.receiveCount ?? 1) > 1 || priorAttempts >= envelope.maxAttempts;
  if (!claimFirst) return runUnclaimed(envelope, definition, limits, claimAfterMs, leaseFrom, now, deps);

  const claim = await deps.store.claim(envelope, now, leaseFrom(now));
  if (!claim.claimed) {
    deps.log("delivery skipped: task not runnable", { taskId: envelope.id, status: claim.current?.status });
    return { outcome: "skipped" };
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
      : await attempt(task, definition, limits, deps);
  const finishedAt = deps.now();
  const recorded = await deps.store.finishAttempt(task.id, task.attempts, outcome, finishedAt);
  if (!recorded) {
    deps.log("attempt outcome dropped: task no longer held by this attempt", { taskId: task.id });
    return { outcome: "superseded" };
  }
  return afterRecorded(envelope, task, outcome, now, finishedAt, deps);
}

/** Sends a retry on, or a callback for an ended task; reports the attempt. */
async function afterRecorded(
  envelope: TaskEnvelope,
  started: Task,
  outcome: AttemptOutcome,
  startedAt: Date,
  finishedAt: Date,
  deps: RunTaskDeps,
): Promise<DeliveryReport> {
  const waited = queueWaitMs(started, startedAt);
  const attemptReport = {
    number: started.attempts,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    ...(waited === undefined ? {} : { queueWaitMs: waited }),
  };
  if (outcome.status === "retrying") {
    // Rejecting here leaves this message to come back; the task is `retrying`, which a claim accepts.
    // The message carries the attempts recorded, for the next delivery's unclaimed attempt (envelope.ts).
    await deps.queue.send(
      { ...envelope, attempts: started.attempts },
      Math.max(0, secondsUntil(outcome.nextAttemptAt, deps.now())),
    );
  } else if (started.callbackUrl) {
    const ended = await deps.store.get(started.id);
    if (ended) await deps.onTerminal(ended);
  }
  return { outcome: outcome.status, attempt: attemptReport };
}

/** The task an unclaimed attempt runs, as its message describes it: the record is neither read nor written yet. */
function taskOfEnvelope(envelope: TaskEnvelope, attempts: number, at: Date): Task {
  const { v: _version, attempts: _hint, ...fields } = envelope;
  return { ...fields, status: "running", attempts, updatedAt: at.toISOString(), history: [] };
}

/**
 * The deferred claim. The handler starts at once as attempt `attempts + 1`
 * (the message's hint); the claim is written only if it is still running
 * after `claimAfterMs` or reports progress first. An attempt that ended
 * unclaimed is recorded in one write (`recordAttempt`), which checks what
 * the claim would have checked, and the hint. A refused write or claim drops
 * the outcome: the task ended or another delivery holds it (skipped), or it
 * waits under another attempt count (AttemptCountChanged: the message comes
 * back and is claimed first).
 */
async function runUnclaimed(
  envelope: TaskEnvelope,
  definition: TaskDefinition,
  limits: TaskTimeLimits,
  claimAfterMs: number,
  leaseFrom: (start: Date) => Date,
  startedAt: Date,
  deps: RunTaskDeps,
): Promise<DeliveryReport> {
  const priorAttempts = envelope.attempts ?? 0;
  const task = taskOfEnvelope(envelope, priorAttempts + 1, startedAt);
  let claiming: Promise<ClaimResult> | undefined;
  let settled = false;
  const gate: ClaimGate = {
    claimAfterMs,
    async claim() {
      if (!claiming && !settled) {
        const at = deps.now();
        claiming = deps.store.claim(envelope, at, leaseFrom(at), priorAttempts);
      }
      return claiming ? (await claiming).claimed : true;
    },
  };
  const outcome = await attempt(task, definition, limits, deps, gate);
  settled = true;
  const finishedAt = deps.now();
  const refused = (current: Task | undefined): DeliveryReport => {
    // Waiting (or missing) yet refused: it has another attempt count than the message said.
    if (!current || (!isTerminal(current.status) && current.status !== "running"))
      throw new AttemptCountChanged(envelope.id, priorAttempts, current?.attempts);
    // Ended, or another delivery holds it (whose own message comes back should it crash).
    deps.log("delivery skipped: task not runnable; the unclaimed attempt's outcome is dropped", {
      taskId: envelope.id,
      status: current?.status,
    });
    return { outcome: "skipped" };
  };
  if (claiming) {
    const claim = await claiming;
    if (!claim.claimed) return refused(claim.current);
    const recorded = await deps.store.finishAttempt(task.id, claim.task.attempts, outcome, finishedAt);
    if (!recorded) {
      deps.log("attempt outcome dropped: task no longer held by this attempt", { taskId: task.id });
      return { outcome: "superseded" };
    }
    return afterRecorded(envelope, claim.task, outcome, startedAt, finishedAt, deps);
  }
  const result = await deps.store.recordAttempt(envelope, priorAttempts, startedAt, outcome, finishedAt);
  if (!result.recorded) return refused(result.current);
  return afterRecorded(envelope, result.task, outcome, startedAt, finishedAt, deps);
}

/** The deferred claim as the running attempt sees it. */
interface ClaimGate {
  readonly claimAfterMs: number;
  /** Writes the claim unless it is written or the attempt has ended; resolves whether the attempt holds the task. */
  claim(): Promise<boolean>;
}

async function attempt(
  task: Task,
  definition: TaskDefinition,
  limits: TaskTimeLimits,
  deps: RunTaskDeps,
  gate?: ClaimGate,
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
    const result = await runWithinLimits(handler, parsedInput.data, task, limits, deps, gate);
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

/** The deferred claim was refused: the outcome of this attempt will not be recorded. */
const notHeld = () =>
  new TaskFailure("superseded", "the task is no longer this attempt's to run", { retryable: false });

/**
 * Runs the handler with an AbortSignal that fires at the soft limit or on a
 * cancel request, and gives up on it at the hard limit (JavaScript cannot
 * stop a promise; the lane's function timeout is the final stop). When the
 * signal has fired, the failure recorded is the signal's reason, not
 * whatever AbortError the handler threw. With a `gate` (the deferred claim),
 * the claim is written at its threshold or before the first progress report,
 * and a refused claim fires the signal too.
 */
async function runWithinLimits(
  handler: UntypedTaskHandler,
  input: unknown,
  task: Task,
  limits: TaskTimeLimits,
  deps: RunTaskDeps,
  gate?: ClaimGate,
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
  const claimIfHeld = async () => {
    const held = await gate?.claim();
    if (held === false) abort(notHeld());
    return held !== false;
  };
  const claimTimer = gate
    ? setTimeout(() => {
        claimIfHeld().catch((error: unknown) =>
          deps.log("deferred claim failed", { taskId: task.id, error: String(error) }),
        );
      }, gate.claimAfterMs)
    : undefined;
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
      // Progress is saved on a claimed task: an unclaimed attempt is claimed first.
      if (!(await claimIfHeld())) return;
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
    clearTimeout(claimTimer);
    clearInterval(cancelPoll);
  }
}
