/**
 * The stores kept in the task table, per namespace, as lazy ports: each loads
 * its adapter and the DynamoDB client on its first call, not at module init
 * (docs/cold-start.md). The API, the worker and the workflow function build
 * theirs here, so the table's name and the result TTL reach them one way.
 */
import { perNamespace } from "../core/namespaces.ts";
import type { TaskStore } from "../core/ports.ts";
import type { WorkflowDeps } from "../core/run-workflow.ts";
import { newTaskId } from "../core/task-ids.ts";
import type { WorkflowStore } from "../core/workflow-ports.ts";
import { dynamoDocumentClient } from "./aws-clients.ts";
import { lazyPort } from "./lazy-port.ts";

export interface TaskTableSettings {
  readonly tableName: string;
  /** How long a finished task (and an ended workflow) is kept before TTL deletes it. */
  readonly resultTtlSeconds: number;
}

/** The task records of one namespace. */
export const taskStoreIn =
  (settings: TaskTableSettings) =>
  (namespace: string): TaskStore =>
    lazyPort(async () => {
      const { createDynamoTaskStore } = await import("./dynamodb-task-store.ts");
      return createDynamoTaskStore(await dynamoDocumentClient(), { ...settings, namespace });
    });

/** The workflow records of one namespace. */
export const workflowStoreIn =
  (settings: TaskTableSettings) =>
  (namespace: string): WorkflowStore =>
    lazyPort(async () => {
      const { createDynamoWorkflowStore } = await import("./dynamodb-workflow-store.ts");
      return createDynamoWorkflowStore(await dynamoDocumentClient(), { ...settings, namespace });
    });

/**
 * The ports of the workflow use cases, per namespace (built once each): the
 * workflow function moves workflows on with them, check_task_health repairs.
 */
export function workflowDepsIn(
  settings: TaskTableSettings,
  shared: Pick<WorkflowDeps, "queue" | "payloads" | "log">,
): (namespace: string) => WorkflowDeps {
  const storeIn = taskStoreIn(settings);
  const workflowsIn = workflowStoreIn(settings);
  return perNamespace(
    (namespace): WorkflowDeps => ({
      ...shared,
      namespace,
      workflows: workflowsIn(namespace),
      store: storeIn(namespace),
      now: () => new Date(),
      newId: () => newTaskId(),
    }),
  );
}
