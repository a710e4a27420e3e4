/**
 * Finds the tasks a schedule's firings created. The task listing
 * (GET /v1/tasks) has no scheduleName filter, so the tests read the task
 * table's byType index directly, as the listing does, and filter there.
 * Local runtime only (it reads the runtime's DynamoDB).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { listShards, taskIndexes } from "../../functions/adapters/dynamodb-task-store.ts";
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
const byType = taskIndexes.find((index) => index.name === "byType")!;

/** The tasks of `type` created by schedule `scheduleName`, as the API returns them, oldest first. */
export async function tasksOfSchedule(scheduleName: string, type: TaskType = "echo"): Promise<Task[]> {
  const ids = (
    await Promise.all(
      Array.from({ length: listShards }, async (_, shard) => {
        const { Items = [] } = await documents.send(
          new QueryCommand({
            TableName: runtime.outputs.TaskTableName,
            IndexName: byType.name,
            KeyConditionExpression: "#shard = :shard",
            FilterExpression: "scheduleName = :name",
            ExpressionAttributeNames: { "#shard": byType.partitionKey },
            ExpressionAttributeValues: { ":shard": `${type}#${shard}`, ":name": scheduleName },
          }),
        );
        return Items.map((item) => item.id as string);
      }),
    )
  ).flat();
  const tasks = await Promise.all(
    ids.map(async (id) => (await api<Task>("GET", `/v1/tasks/${encodeURIComponent(id)}`)).body),
  );
  return tasks.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
