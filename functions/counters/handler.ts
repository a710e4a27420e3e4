/**
 * The counters function: reads the task table's stream (new and old images)
 * and turns each batch into one transaction of counter increments
 * (functions/adapters/dynamodb-task-counters.ts), so neither the API nor the
 * worker writes a counter on a task's hot path. A batch that fails is retried
 * by the event-source mapping (whole: it must not bisect), and a marker per
 * batch makes a retried batch that had been applied count nothing twice.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { dynamoDocumentClient } from "../adapters/aws-clients.ts";
import type { TaskRecordChange } from "../adapters/dynamodb-task-counters.ts";
import { requireEnv } from "../adapters/environment.ts";
import { lazyPort } from "../adapters/lazy-port.ts";
import { logger } from "../adapters/logger.ts";
import { taskPartitionPrefix } from "../adapters/task-item-layout.ts";
import { isTerminal, type TaskStatus, taskStatuses } from "../core/task.ts";

const tableName = requireEnv("TASK_TABLE_NAME");
// The adapter and its SDK commands load with the first batch, not at init (docs/cold-start.md).
const counters = lazyPort(async () => {
  const { createDynamoTaskCounters } = await import("../adapters/dynamodb-task-counters.ts");
  return createDynamoTaskCounters(await dynamoDocumentClient(), tableName);
});

type Image = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;

const stringOf = (image: Image | undefined, name: string) => image?.[name]?.S;
const statusOf = (image: Image | undefined): TaskStatus | undefined => {
  const status = stringOf(image, "status");
  return taskStatuses.includes(status as TaskStatus) ? (status as TaskStatus) : undefined;
};

/** The change a stream record makes to a task record; undefined for other items. */
export function taskChangeOf(record: DynamoDBRecord): TaskRecordChange | undefined {
  const pk = record.dynamodb?.Keys?.pk?.S;
  if (!pk?.startsWith(taskPartitionPrefix)) return undefined;
  const newImage = record.dynamodb?.NewImage;
  const oldImage = record.dynamodb?.OldImage;
  const image = newImage ?? oldImage;
  const type = stringOf(image, "type");
  if (!type) return undefined;
  const before = record.eventName === "INSERT" ? undefined : statusOf(oldImage);
  const after = record.eventName === "REMOVE" ? undefined : statusOf(newImage);
  // A deleted record (TTL, cleanup) keeps its place in the totals: terminal counts are totals since the start.
  if (after === undefined && before !== undefined && isTerminal(before)) return undefined;
  return {
    namespace: pk.slice(taskPartitionPrefix.length).split("#")[0]!,
    type,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    at:
      stringOf(newImage, "updatedAt") ??
      new Date((record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000).toISOString(),
    sequence: record.dynamodb?.SequenceNumber ?? "0",
  };
}

export async function countBatch(event: DynamoDBStreamEvent): Promise<{ changes: number; applied: boolean }> {
  const changes = event.Records.map(taskChangeOf).filter((change) => change !== undefined);
  if (changes.length === 0) return { changes: 0, applied: false };
  const applied = await counters.apply(changes);
  if (!applied) logger.info("stream batch counted before; skipped", { changes: changes.length });
  return { changes: changes.length, applied };
}

export const handler = middy(countBatch).use(injectLambdaContext(logger, { resetKeys: true }));
