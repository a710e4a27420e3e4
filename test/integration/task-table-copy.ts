/**
 * A fresh, empty copy of the local runtime's task table on its DynamoDB
 * Local, for tests that drive the DynamoDB TaskStore directly: the copy
 * takes the keys and indexes of the table the stack defines (whatever its
 * layout), and no worker, schedule or other test writes to it, so counts
 * start from zero. Its stream is counted as the stack's counters function
 * counts the stack's table: the same stream reader (local/stream-poller.ts)
 * and the same aggregation (dynamodb-task-counters.ts), called in process.
 * Local runtime only (`*.local.test.ts`).
 */
import { randomUUID } from "node:crypto";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { createDynamoTaskCounters } from "../../functions/adapters/dynamodb-task-counters.ts";
import { taskChangeOf } from "../../functions/adapters/task-stream-changes.ts";
import type { LocalFunction } from "../../local/function-host.ts";
import { StreamPoller } from "../../local/stream-poller.ts";
import { localRuntime } from "./api-client.ts";

export interface TaskTableCopy {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Deletes the copy and closes the client. */
  readonly drop: () => Promise<void>;
}

export async function copyTaskTable(): Promise<TaskTableCopy> {
  const runtime = localRuntime();
  const source = runtime.outputs.TaskTableName;
  if (!source) throw new Error("the local runtime's outputs name no TaskTableName");
  const raw = new DynamoDBClient({
    region: runtime.region,
    endpoint: runtime.endpoints.dynamodb,
    credentials: runtime.credentials,
  });
  const { Table } = await raw.send(new DescribeTableCommand({ TableName: source }));
  if (!Table?.KeySchema || !Table.AttributeDefinitions) throw new Error(`cannot describe table ${source}`);
  const tableName = `${source}-copy-${randomUUID().slice(0, 8)}`;
  await raw.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: Table.KeySchema,
      AttributeDefinitions: Table.AttributeDefinitions,
      BillingMode: "PAY_PER_REQUEST",
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      ...(Table.GlobalSecondaryIndexes?.length
        ? {
            GlobalSecondaryIndexes: Table.GlobalSecondaryIndexes.map((index) => ({
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
            })),
          }
        : {}),
    }),
  );
  await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: tableName });
  const client = DynamoDBDocumentClient.from(raw);
  const { Table: created } = await raw.send(new DescribeTableCommand({ TableName: tableName }));
  const streams = new DynamoDBStreamsClient({
    region: runtime.region,
    endpoint: runtime.endpoints.dynamodb,
    credentials: runtime.credentials,
  });
  const counters = createDynamoTaskCounters(client, tableName);
  const counting = {
    async invoke(event: { Records: DynamoDBRecord[] }) {
      const changes = event.Records.map(taskChangeOf).filter((change) => change !== undefined);
      if (changes.length > 0) await counters.apply(changes);
      return { ok: true as const, result: null };
    },
  };
  const poller = new StreamPoller(
    {
      logicalId: `${tableName}-counters`,
      streamArn: created!.LatestStreamArn!,
      batchSize: 1000,
      batchingWindowMs: 200,
      startingPosition: "TRIM_HORIZON",
      filterPatterns: [],
      maxRetryAttempts: -1,
      region: runtime.region,
    },
    counting as unknown as LocalFunction,
    streams,
    (message) => console.warn(message),
  );
  poller.start();
  return {
    client,
    tableName,
    drop: async () => {
      await poller.stop();
      streams.destroy();
      await raw.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
      client.destroy();
    },
  };
}
