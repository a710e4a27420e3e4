/**
 * The worker function of one lane: an SQS batch, each record claimed, run and
 * recorded on its own, answered with a partial batch response so only the
 * records that must come back do.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { dynamoDocumentClient, sqsClient } from "../adapters/aws-clients.ts";
import { createDynamoTaskStore } from "../adapters/dynamodb-task-store.ts";
import { numberFromEnv, requireEnv } from "../adapters/environment.ts";
import { logger, logInfo } from "../adapters/logger.ts";
import { createSqsTaskQueue, laneQueueUrlsFromEnv } from "../adapters/sqs-task-queue.ts";
import { parseEnvelope } from "../core/envelope.ts";
import { runDelivery } from "../core/run-task.ts";
import { taskHandlers } from "../tasks/handlers.ts";
import { isLane } from "../tasks/lanes.ts";

const lane = requireEnv("LANE");
if (!isLane(lane)) throw new Error(`LANE ${lane} is not a lane of the catalog`);

const deps = {
  store: createDynamoTaskStore(dynamoDocumentClient, {
    tableName: requireEnv("TASK_TABLE_NAME"),
    resultTtlSeconds: numberFromEnv("RESULT_TTL_DAYS", 7) * 86_400,
  }),
  queue: createSqsTaskQueue(sqsClient, laneQueueUrlsFromEnv([lane])),
  handlers: taskHandlers,
  now: () => new Date(),
  random: Math.random,
  log: logInfo,
};

const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const envelope = parseEnvelope(record.body);
  logger.appendKeys({ taskId: envelope.id, taskType: envelope.type });
  try {
    const outcome = await runDelivery(envelope, deps);
    logger.info("delivery handled", { outcome, receiveCount: record.attributes.ApproximateReceiveCount });
  } catch (error) {
    // The message comes back after its visibility timeout (and reaches the DLQ after maxReceiveCount).
    logger.error("delivery failed; the message will be delivered again", { error: error as Error });
    throw error;
  } finally {
    logger.removeKeys(["taskId", "taskType"]);
  }
}

export async function processBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  return processPartialResponse(event, processRecord, processor, { context });
}

export const handler = middy(processBatch).use(injectLambdaContext(logger, { resetKeys: true }));
