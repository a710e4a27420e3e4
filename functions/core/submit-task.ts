/**
 * Use case: accept a submission. The record write and the enqueue go out at
 * once, so the submit path costs one round trip; the envelope carries the
 * whole task, so a worker can create a record whose write failed. With an
 * idempotency key, one conditional write takes the key first (a second round
 * trip, for such submits only; no transaction). "Enqueue" is a SendMessage
 * (due within one SQS delay) or a one-time schedule (later; delivery.ts);
 * either failing is handled alike.
 */
import { createHash } from "node:crypto";
import { taskCatalog } from "../tasks/catalog.ts";
import { ApiError, conflict } from "./api-error.ts";
import { type DeliveryDeps, deliverTask, fitsScheduleInput, needsSchedule } from "./delivery.ts";
import { envelopeOf } from "./envelope.ts";
import { offloadIfLarge, payloadKeys } from "./payload.ts";
import type { IdempotencyClaim, PayloadStore, TaskStore } from "./ports.ts";
import type { Submission } from "./submission.ts";
import type { Task, TaskSubmitter } from "./task.ts";

/** How long an Idempotency-Key returns the task it first created. */
export const idempotencyWindowSeconds = 24 * 3600;

export interface SubmitTaskDeps extends DeliveryDeps {
  /** The store of `namespace`: tasks and idempotency keys are written there. */
  readonly store: TaskStore;
  /** The namespace new tasks live in (the caller's, or the task's own for callbacks). */
  readonly namespace: string;
  readonly payloads: PayloadStore;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

export interface IdempotencyRequest {
  readonly scope: string;
  readonly key: string;
}

export interface SubmitResult {
  readonly task: Task;
  /** True when an Idempotency-Key returned the task it created before. */
  readonly replayed: boolean;
}

/** A stable hash of a submission, key order aside. */
function requestHashOf(submission: Submission): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([key, item]) => [key, canonical(item)]),
          )
        : value;
  const { runAt: _relative, ...stable } = submission;
  return createHash("sha256")
    .update(JSON.stringify(canonical(stable)))
    .digest("hex");
}

/** Who and where a new task comes from: its namespace, and the key that submitted it (if any). */
export interface TaskOrigin {
  readonly namespace: string;
  readonly submittedBy?: TaskSubmitter;
}

export function newTask(submission: Submission, id: string, now: Date, origin?: TaskOrigin): Task {
  const at = now.toISOString();
  const status = submission.runAt ? "scheduled" : "queued";
  return {
    id,
    type: submission.type,
    status,
    lane: taskCatalog[submission.type].lane,
    priority: submission.priority,
    input: submission.input,
    attempts: 0,
    maxAttempts: submission.maxAttempts,
    createdAt: at,
    updatedAt: at,
    ...(submission.runAt ? { runAt: submission.runAt } : {}),
    ...(submission.expiresAt ? { expiresAt: submission.expiresAt } : {}),
    ...(submission.timeLimits ? { timeLimits: submission.timeLimits } : {}),
    ...(submission.callbackUrl ? { callbackUrl: submission.callbackUrl } : {}),
    ...(submission.tags ? { tags: submission.tags } : {}),
    ...(origin ? { namespace: origin.namespace } : {}),
    ...(origin?.submittedBy ? { submittedBy: origin.submittedBy } : {}),
    history: [{ status, at }],
  };
}

/**
 * Submits a task into `deps.namespace`; `submittedBy` names the API key that
 * asked (none for the system's own tasks, such as completion callbacks).
 */
export async function submitTask(
  submission: Submission,
  deps: SubmitTaskDeps,
  idempotency?: IdempotencyRequest,
  submittedBy?: TaskSubmitter,
): Promise<SubmitResult> {
  const now = deps.now();
  let id = deps.newId();
  let claim: IdempotencyClaim | undefined;
  if (idempotency) {
    // The key first (one conditional write): only the request that takes it creates a task.
    claim = { ...idempotency, requestHash: requestHashOf(submission), ttlSeconds: idempotencyWindowSeconds };
    const reserved = await deps.store.reserveIdempotencyKey(claim, id, now);
    if (!reserved.created) {
      if (reserved.requestHash !== claim.requestHash) {
        throw conflict("this Idempotency-Key was used with a different request in the last 24 h", {
          taskId: reserved.existingTaskId,
        });
      }
      const existing = await deps.store.get(reserved.existingTaskId);
      if (existing) return { task: existing, replayed: true };
      // The first request took the key but its record is not there (yet, or it died before writing it):
      // write the same task under the key's id. The claim runs an id once, however many messages carry it.
      id = reserved.existingTaskId;
    }
  }
  // A large input goes to S3 first (one more round trip, for large inputs only).
  const input = await offloadIfLarge(submission.input, payloadKeys.input(id), deps.payloads);
  let task: Task = {
    ...newTask({ ...submission, input: input.value }, id, now, {
      namespace: deps.namespace,
      ...(submittedBy ? { submittedBy } : {}),
    }),
    ...(input.payload ? { inputPayload: input.payload } : {}),
  };
  // A schedule's input holds 8 KB: a task due too late for SQS whose envelope is larger keeps its input
  // in S3 instead (one more round trip, for those tasks only), so its schedule carries a reference.
  if (
    needsSchedule(task, now, deps.maxSqsDelaySeconds) &&
    !fitsScheduleInput(envelopeOf(task)) &&
    task.inputPayload === undefined
  ) {
    const kept = await offloadIfLarge(task.input, payloadKeys.input(id), deps.payloads, 0);
    task = { ...task, input: kept.value, ...(kept.payload ? { inputPayload: kept.payload } : {}) };
  }

  const [written, sent] = await Promise.allSettled([deps.store.create(task), deliverTask(task, now, deps)]);
  if (written.status === "fulfilled" && !written.value.created) {
    // Another request with the same key wrote it meanwhile: answer with that record.
    const existing = await deps.store.get(task.id);
    if (existing) return { task: existing, replayed: true };
  }
  if (sent.status === "rejected") {
    if (idempotency) await deps.store.releaseIdempotency(idempotency.scope, idempotency.key).catch(() => {});
    if (written.status === "fulfilled") await submitTaskFailure(task, sent.reason, deps);
    throw enqueueFailure(task);
  }
  if (written.status === "rejected") {
    // The message is out and carries the whole task: the worker's claim creates the record.
    deps.log("record write failed after enqueue; the worker will create it", {
      taskId: task.id,
      error: String(written.reason),
    });
  }
  return { task, replayed: false };
}

function enqueueFailure(task: Task): ApiError {
  return new ApiError(
    503,
    "service_unavailable",
    "the task could not be queued; retry it or submit it again",
    {
      taskId: task.id,
    },
  );
}

/** The record exists but its message does not: end it visibly (retry by id re-sends it), never leave it queued. */
export async function submitTaskFailure(task: Task, reason: unknown, deps: SubmitTaskDeps): Promise<never> {
  deps.log("enqueue failed", { taskId: task.id, error: String(reason) });
  await deps.store
    .failUnsent(
      task.id,
      { type: "enqueue_failed", message: "the task could not be queued", retryable: true },
      deps.now(),
    )
    .catch((error: unknown) =>
      deps.log("could not mark unsent task", { taskId: task.id, error: String(error) }),
    );
  throw enqueueFailure(task);
}
