/**
 * The workflow function: reads the task table's stream, filtered to workflow
 * nodes' tasks that have just ended, and moves each one's workflow on
 * (functions/core/run-workflow.ts `advanceWorkflow`). Every step it takes is
 * idempotent, so a batch that fails is simply delivered again: a crash
 * between two steps is repaired by the next delivery of the same record.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import middy from "@middy/core";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { s3Client, sqsClient } from "../adapters/aws-clients.ts";
import { numberFromEnv, requireEnv } from "../adapters/environment.ts";
import { laneQueueUrlsFromEnv } from "../adapters/lane-environment.ts";
import { lazyPort } from "../adapters/lazy-port.ts";
import { logger, logInfo } from "../adapters/logger.ts";
import { taskPartitionPrefix, toTask } from "../adapters/task-item-layout.ts";
import { workflowDepsIn } from "../adapters/task-table-stores.ts";
import { advanceWorkflow } from "../core/run-workflow.ts";
import type { Task } from "../core/task.ts";
import { laneNames } from "../tasks/lanes.ts";

const tableName = requireEnv("TASK_TABLE_NAME");
const resultTtlSeconds = numberFromEnv("RESULT_TTL_DAYS", 7) * 86_400;
const payloadBucket = requireEnv("PAYLOAD_BUCKET_NAME");
const urls = laneQueueUrlsFromEnv(laneNames);

const queue = lazyPort(async () => {
  const { createSqsTaskQueue } = await import("../adapters/sqs-task-queue.ts");
  return createSqsTaskQueue(await sqsClient(), urls);
});
const payloads = lazyPort(async () => {
  const { createS3PayloadStore } = await import("../adapters/s3-payload-store.ts");
  return createS3PayloadStore(await s3Client(), payloadBucket);
});

const depsIn = workflowDepsIn({ tableName, resultTtlSeconds }, { queue, payloads, log: logInfo });

/** The ended task a stream record shows, and its namespace; undefined for anything else. */
export function endedNodeOf(record: DynamoDBRecord): { task: Task; namespace: string } | undefined {
  const pk = record.dynamodb?.Keys?.pk?.S;
  const image = record.dynamodb?.NewImage;
  if (!pk?.startsWith(taskPartitionPrefix) || !image) return undefined;
  const task = toTask(unmarshall(image as never));
  if (!task.workflow) return undefined;
  return { task, namespace: pk.slice(taskPartitionPrefix.length).split("#")[0]! };
}

export async function advanceBatch(event: DynamoDBStreamEvent): Promise<{ advanced: number }> {
  let advanced = 0;
  // In order: the records of one shard are the order in which the tasks ended.
  for (const record of event.Records) {
    const ended = endedNodeOf(record);
    if (!ended) continue;
    await advanceWorkflow(ended.task, depsIn(ended.namespace));
    advanced += 1;
  }
  return { advanced };
}

export const handler = middy(advanceBatch).use(injectLambdaContext(logger, { resetKeys: true }));
