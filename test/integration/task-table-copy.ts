/**
 * A fresh, empty copy of the local runtime's task table on its DynamoDB
 * Local, for tests that drive the DynamoDB TaskStore directly: the copy
 * takes the keys and indexes of the table the stack defines (whatever its
 * layout), and no worker, schedule or other test writes to it, so counts
 * start from zero. Local runtime only (`*.local.test.ts`).
 */
import { randomUUID } from "node:crypto";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
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
  return {
    client,
    tableName,
    drop: async () => {
      await raw.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
      client.destroy();
    },
  };
}
