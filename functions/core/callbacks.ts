/**
 * Completion callbacks: a task submitted with `callbackUrl` gets a
 * `send_notification` task queued for that URL when it ends.
 */

import { taskCatalog } from "../tasks/catalog.ts";
import type { Submission } from "./submission.ts";
import { type SubmitTaskDeps, submitTask } from "./submit-task.ts";
import { callbackTag } from "./system-events.ts";
import { isTerminal, type Task } from "./task.ts";

export async function queueCallback(task: Task, deps: SubmitTaskDeps): Promise<void> {
  if (!task.callbackUrl || !isTerminal(task.status)) return;
  const submission: Submission = {
    type: "send_notification",
    input: taskCatalog.send_notification.input.parse({
      channel: "webhook",
      url: task.callbackUrl,
      event: `task.${task.status}`,
      payload: {
        taskId: task.id,
        type: task.type,
        status: task.status,
        ...(task.result === undefined ? {} : { result: task.result }),
        ...(task.error ? { error: task.error } : {}),
        finishedAt: task.finishedAt ?? task.updatedAt,
      },
    }),
    priority: "normal",
    maxAttempts: taskCatalog.send_notification.retry.maxAttempts,
    tags: { [callbackTag]: task.id },
  };
  await submitTask(submission, deps);
}
