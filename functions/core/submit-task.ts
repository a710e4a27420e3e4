/**
 * Use case: accept a submission. The record write and the enqueue go out at
 * once, so the submit path costs one round trip; the envelope carries the
 * whole task, so a worker can create a record whose write failed.
 */
import { taskCatalog } from "../tasks/catalog.ts";
import { ApiError } from "./api-error.ts";
import { envelopeOf } from "./envelope.ts";
import type { TaskQueue, TaskStore } from "./ports.ts";
import type { Submission } from "./submission.ts";
import type { Task } from "./task.ts";

export interface SubmitTaskDeps {
  readonly store: TaskStore;
  readonly queue: TaskQueue;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

export async function submitTask(submission: Submission, deps: SubmitTaskDeps): Promise<Task> {
  const now = deps.now();
  const at = now.toISOString();
  const task: Task = {
    id: deps.newId(),
    type: submission.type,
    status: "queued",
    lane: taskCatalog[submission.type].lane,
    priority: submission.priority,
    input: submission.input,
    attempts: 0,
    maxAttempts: taskCatalog[submission.type].retry.maxAttempts,
    createdAt: at,
    updatedAt: at,
    ...(submission.tags ? { tags: submission.tags } : {}),
    history: [{ status: "queued", at }],
  };

  const [written, sent] = await Promise.allSettled([
    deps.store.create(task),
    deps.queue.send(envelopeOf(task)),
  ]);

  if (sent.status === "rejected") {
    deps.log("enqueue failed", { taskId: task.id, error: String(sent.reason) });
    if (written.status === "fulfilled") {
      await deps.store
        .failUnsent(
          task.id,
          { type: "enqueue_failed", message: "the task could not be queued", retryable: true },
          now,
        )
        .catch((error: unknown) =>
          deps.log("could not mark unsent task", { taskId: task.id, error: String(error) }),
        );
    }
    throw new ApiError(503, "service_unavailable", "the task could not be queued; submit it again");
  }
  if (written.status === "rejected") {
    // The message is out and carries the whole task: the worker's claim creates the record.
    deps.log("record write failed after enqueue; the worker will create it", {
      taskId: task.id,
      error: String(written.reason),
    });
  }
  return task;
}
