/**
 * Finds the tasks a schedule's firings created. The task listing
 * (GET /v1/tasks) has no scheduleName filter, so the tests read the task
 * table's partitions of this month and the last directly, as the listing
 * does, and filter there.
 * Local runtime only (it reads the runtime's DynamoDB).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  bucketsNewestFirst,
  defaultNamespace,
  taskPartition,
  taskShards,
} from "../../functions/adapters/task-item-layout.ts";
import type { Task } from "../../functions/core/task.ts";
import type { TaskType } from "../../functions/tasks/catalog.ts";
import { api, localRuntime } from "./api-client.ts";

const runtime = localRuntime();

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: runtime.region,
    endpoint: runtime.endpoints.dynamodb,
    credentials: runtime.credentials,
  }),
);

/** The tasks of `type` created by schedule `scheduleName`, as the API returns them, oldest first. */
export async function tasksOfSchedule(scheduleName: string, type: TaskType = "echo"): Promise<Task[]> {
  // This month's buckets (and next month's, near its end) hold every firing of a test run.
  const buckets = bucketsNewestFirst(new Date(), 31).slice(0, 2);
  const ids = (
    await Promise.all(
      buckets.flatMap((bucket) =>
        Array.from({ length: taskShards }, async (_, shard) => {
          const { Items = [] } = await documents.send(
            new QueryCommand({
              TableName: runtime.outputs.TaskTableName,
              KeyConditionExpression: "pk = :pk",
              FilterExpression: "scheduleName = :name AND #type = :type",
              ExpressionAttributeNames: { "#type": "type" },
              ExpressionAttributeValues: {
                ":pk": taskPartition(defaultNamespace, bucket, shard),
                ":name": scheduleName,
                ":type": type,
              },
            }),
          );
          return Items.map((item) => item.id as string);
        }),
      ),
    )
  ).flat();
  const tasks = await Promise.all(
    ids.map(async (id) => (await api<Task>("GET", `/v1/tasks/${encodeURIComponent(id)}`)).body),
  );
  return tasks.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
