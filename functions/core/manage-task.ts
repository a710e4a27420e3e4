/**
 * Use cases on existing tasks: cancel, retry by id, and redrive a lane's
 * dead letters. Cancelling a delayed task also drops its pending delivery
 * (the one-time schedule of a long delay), so nothing is sent for it later.
 */
import type { Lane } from "../tasks/lanes.ts";
import { conflict, notFound } from "./api-error.ts";
import { deliverTask } from "./delivery.ts";
import { namespaceOfEnvelope, parseEnvelope } from "./envelope.ts";
import { defaultNamespace } from "./namespaces.ts";
import type { LaneQueues } from "./ports.ts";
import { type SubmitTaskDeps, submitTaskFailure } from "./submit-task.ts";
import type { Task } from "./task.ts";

export interface ManageTaskDeps extends SubmitTaskDeps {
  readonly onTerminal: (task: Task) => Promise<void>;
}

/** Cancels a waiting task at once (200), or asks a running one to stop (202). Terminal tasks: 409. */
export async function cancelTask(
  id: string,
  deps: ManageTaskDeps,
): Promise<{ task: Task; immediate: boolean }> {
  const result = await deps.store.cancel(id, deps.now());
  switch (result.outcome) {
    case "not_found":
      throw notFound(`task ${id}`);
    case "terminal":
      throw conflict(`task ${id} is ${result.task.status} and cannot be cancelled`, {
        status: result.task.status,
      });
    case "requested":
      return { task: result.task, immediate: false };
    case "cancelled":
      await Promise.all([deps.onTerminal(result.task), dropPendingDelivery(result.task, deps)]);
      return { task: result.task, immediate: true };
  }
}

/**
 * A cancelled task that was waiting for its runAt may have a schedule (a
 * long delay): delete it. None is fine (it fired already, or the delay was
 * short enough for SQS); a failed delete is only logged, because the record
 * is cancelled first and the claim refuses a cancelled task if it fires.
 */
async function dropPendingDelivery(task: Task, deps: ManageTaskDeps): Promise<void> {
  if (!task.runAt) return;
  await deps.delays.cancel(task.id).catch((error: unknown) =>
    deps.log("could not delete the schedule of a cancelled task; the claim will refuse it", {
      taskId: task.id,
      error: String(error),
    }),
  );
}

/**
 * Queues a failed, cancelled or expired task again under its id, its history
 * kept. Other states: 409; so is a workflow's node task, whose retry is its
 * workflow's (its end was counted once; run again alone, it would move nothing).
 */
export async function retryTask(id: string, deps: ManageTaskDeps): Promise<Task> {
  const result = await deps.store.requeue(id, deps.now(), { outsideWorkflows: true });
  if (!result.task) {
    if (!result.current) throw notFound(`task ${id}`);
    const workflow = result.current.workflow;
    if (workflow) {
      throw conflict(
        `task ${id} is node ${workflow.node} of workflow ${workflow.id}; retry the workflow (POST /v1/workflows/${workflow.id}/retry)`,
        { workflowId: workflow.id, node: workflow.node },
      );
    }
    throw conflict(
      `task ${id} is ${result.current.status}; only failed, cancelled or expired tasks can be retried`,
      {
        status: result.current.status,
      },
    );
  }
  try {
    // Due now, unless the store kept a runAt still ahead: then as on submit (SQS delay or schedule).
    await deliverTask(result.task, deps.now(), deps);
  } catch (error) {
    await submitTaskFailure(result.task, error, deps);
  }
  return result.task;
}

/**
 * Moves a lane's dead letters back to its queues. A task whose message was
 * dead-lettered was recorded `failed`; it is queued again first, so the
 * redelivered message runs it. A lane carries every namespace's tasks: each
 * message's record is found in the namespace its envelope names (`depsIn`).
 */
export async function redriveLane(
  lane: Lane,
  lanes: LaneQueues,
  depsIn: (namespace: string) => ManageTaskDeps,
  maxMessages = 1_000,
): Promise<{ moved: number }> {
  const moved = await lanes.drainDeadLetters(
    lane,
    async (body) => {
      let envelope: ReturnType<typeof parseEnvelope>;
      let deps: ManageTaskDeps;
      try {
        envelope = parseEnvelope(body);
        deps = depsIn(namespaceOfEnvelope(envelope));
      } catch {
        depsIn(defaultNamespace).log("dead letter is not a task envelope; left in the DLQ", { lane });
        return false;
      }
      const task = await deps.store.get(envelope.id);
      if (task?.status === "failed" && task.error?.type === "dead_lettered") {
        await deps.store.requeue(task.id, deps.now());
        // Requeued with no attempts: the message's attempts hint (envelope.ts) starts again too.
        const { attempts: _hint, ...fresh } = envelope;
        envelope = fresh;
      }
      await deps.queue.send(envelope);
      return true;
    },
    maxMessages,
  );
  return { moved };
}
