/**
 * The worker function of one lane: an SQS batch, each record claimed, run and
 * recorded on its own, answered with a partial batch response so only the
 * records that must come back do.
 *
 * A record that fails before anything could be recorded comes back after a
 * short, growing visibility (not the queue's long one), so a poison message
 * reaches the DLQ in seconds; on its last allowed delivery its task is
 * recorded as dead-lettered.
 */

import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { dynamoDocumentClient, s3Client, schedulerClient, sqsClient } from "../adapters/aws-clients.ts";
import { numberFromEnv, requireEnv } from "../adapters/environment.ts";
import { delayedDeliverySettingsFromEnv, laneQueueUrlsFromEnv } from "../adapters/lane-environment.ts";
import { lazyPort } from "../adapters/lazy-port.ts";
import { logger, logInfo } from "../adapters/logger.ts";
import { coldStartMetric } from "../adapters/metrics.ts";
import { TaskMetricsBatch } from "../adapters/task-metrics.ts";
import { taskStoreIn, workflowDepsIn } from "../adapters/task-table-stores.ts";
import { tracingMiddleware } from "../adapters/tracing.ts";
import { maxQueueDelaySeconds } from "../core/backoff.ts";
import { queueCallback } from "../core/callbacks.ts";
import { namespaceOfEnvelope, parseEnvelope, type TaskEnvelope, taskRefOf } from "../core/envelope.ts";
import { perNamespace } from "../core/namespaces.ts";
import { leaseMarginSeconds, runDelivery } from "../core/run-task.ts";
import { newTaskId } from "../core/task-ids.ts";
import { capabilitiesOfLane, type TaskType, taskCatalog } from "../tasks/catalog.ts";
import { createTaskHandlers } from "../tasks/handlers.ts";
import { isLane, type Lane, laneNames } from "../tasks/lanes.ts";
import { buildTaskServices } from "./task-services.ts";

const laneName = requireEnv("LANE");
if (!isLane(laneName)) throw new Error(`LANE ${laneName} is not a lane of the catalog`);
const lane: Lane = laneName;
const uses = capabilitiesOfLane(lane);
const maxReceiveCount = numberFromEnv("MAX_RECEIVE_COUNT", 5);
const tableName = requireEnv("TASK_TABLE_NAME");
const resultTtlSeconds = numberFromEnv("RESULT_TTL_DAYS", 7) * 86_400;
// Every port loads its adapter and SDK client on first use (lazy-port.ts): module init stays small.
// A task's record lives in its namespace (the envelope names it): each delivery uses that namespace's store.
const storeIn = taskStoreIn({ tableName, resultTtlSeconds });
// Its own lane (hops, retries) and the notification lane (completion callbacks); every lane and
// its DLQ when its task types repair and inspect lanes (check_task_health).
const urls = uses.has("laneQueues")
  ? laneQueueUrlsFromEnv(laneNames, true)
  : laneQueueUrlsFromEnv([...new Set<Lane>([lane, taskCatalog.send_notification.lane])]);
const queue = lazyPort(async () => {
  const { createSqsTaskQueue } = await import("../adapters/sqs-task-queue.ts");
  return createSqsTaskQueue(await sqsClient(), urls);
});
const rateLimitSettings = lazyPort(async () => {
  const { createDynamoRateLimitSettings } = await import("../adapters/dynamodb-rate-limits.ts");
  return createDynamoRateLimitSettings(await dynamoDocumentClient(), tableName);
});
const payloadBucket = requireEnv("PAYLOAD_BUCKET_NAME");
// A message that arrives early and is still due too late for one SQS delay is scheduled again: its own lane only.
const delaySettings = delayedDeliverySettingsFromEnv([lane]);
const delays = lazyPort(async () => {
  const { createEventBridgeDelayedDelivery } = await import("../adapters/eventbridge-delayed-delivery.ts");
  return createEventBridgeDelayedDelivery(await schedulerClient(), delaySettings);
});
const maxSqsDelaySeconds = numberFromEnv("MAX_SQS_DELAY_SECONDS", maxQueueDelaySeconds);

/** Run-time rate-limit overrides, re-read at most every RATE_LIMIT_REFRESH_MS (5 s): a change takes that long to apply. */
const rateLimitRefreshMs = numberFromEnv("RATE_LIMIT_REFRESH_MS", 5_000);
let overrides: { readAt: number; values: Partial<Record<TaskType, number | null>> } | undefined;
async function rateLimitOf(type: TaskType): Promise<number | undefined> {
  if (!overrides || Date.now() - overrides.readAt >= rateLimitRefreshMs) {
    overrides = { readAt: Date.now(), values: await rateLimitSettings.overrides() };
  }
  const override = overrides.values[type];
  // An override of null means unlimited.
  if (override !== undefined) return override ?? undefined;
  return taskCatalog[type].ratePerMinute;
}

const sharedDeps = {
  queue,
  payloads: lazyPort(async () => {
    const { createS3PayloadStore } = await import("../adapters/s3-payload-store.ts");
    return createS3PayloadStore(await s3Client(), payloadBucket);
  }),
  now: () => new Date(),
  newId: () => newTaskId(),
  delays,
  maxSqsDelaySeconds,
  log: logInfo,
};
const servicesIn = buildTaskServices(uses, {
  storeIn,
  queue,
  lanes: uses.has("laneQueues")
    ? lazyPort(async () => {
        const { createSqsLaneQueues } = await import("../adapters/sqs-task-queue.ts");
        return createSqsLaneQueues(await sqsClient(), urls);
      })
    : undefined,
  workflowsIn: uses.has("workflowRepair")
    ? workflowDepsIn({ tableName, resultTtlSeconds }, { queue, payloads: sharedDeps.payloads, log: logInfo })
    : undefined,
  log: logInfo,
});
const laneDeps = {
  ...sharedDeps,
  rateLimiter: lazyPort(async () => {
    const { createDynamoRateLimiter } = await import("../adapters/dynamodb-rate-limits.ts");
    return createDynamoRateLimiter(await dynamoDocumentClient(), tableName);
  }),
  rateLimitOf,
  namespaceRateShare: numberFromEnv("RATE_LIMIT_NAMESPACE_SHARE", 1),
  random: Math.random,
  cancelPollMs: numberFromEnv("CANCEL_POLL_MS", 2_000),
  leaseMarginSeconds: numberFromEnv("LEASE_MARGIN_SECONDS", leaseMarginSeconds),
};

/** The delivery deps of one namespace: its store, the handlers over its ports, its callbacks. */
function depsOf(namespace: string) {
  const services = servicesIn(namespace);
  const submitDeps = { ...sharedDeps, store: services.store, namespace };
  return {
    ...laneDeps,
    ...submitDeps,
    handlers: createTaskHandlers(lane, services),
    // A callback task lands in the namespace of the task it reports on.
    onTerminal: async (task: Parameters<typeof queueCallback>[0]) => {
      await queueCallback(task, submitDeps).catch((error: unknown) =>
        logger.error("completion callback could not be queued", { taskId: task.id, error: error as Error }),
      );
    },
  };
}

const depsIn = perNamespace(depsOf);

/** The queue URL a record came from: the lane's queue whose name ends its ARN. */
function queueUrlOf(record: SQSRecord): string | undefined {
  const name = record.eventSourceARN.split(":").at(-1);
  return Object.values(urls.queues[lane] ?? {}).find((url) => url.endsWith(`/${name}`));
}

async function returnSoon(record: SQSRecord, receiveCount: number): Promise<void> {
  const queueUrl = queueUrlOf(record);
  if (!queueUrl) return;
  try {
    const [client, { ChangeMessageVisibilityCommand }] = await Promise.all([
      sqsClient(),
      import("@aws-sdk/client-sqs"),
    ]);
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: Math.min(60, receiveCount),
      }),
    );
  } catch (error) {
    logger.warn("could not shorten visibility", { error: error as Error });
  }
}

async function processRecord(record: SQSRecord, metrics: TaskMetricsBatch): Promise<void> {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  const ref = taskRefOf(record.body);
  const taskId = ref?.id;
  // A child logger per record: the batch's records run in parallel, so shared keys would mix.
  const log = logger.createChild({
    persistentKeys: { lane, ...(ref ? { taskId: ref.id, namespace: ref.namespace } : {}) },
  });
  let envelope: TaskEnvelope | undefined;
  try {
    envelope = parseEnvelope(record.body);
    log.appendPersistentKeys({ taskType: envelope.type });
    const report = await runDelivery(envelope, depsIn(namespaceOfEnvelope(envelope)), { receiveCount });
    const details = {
      outcome: report.outcome,
      receiveCount,
      ...(report.attempt
        ? {
            attempt: report.attempt.number,
            durationMs: report.attempt.durationMs,
            queueWaitMs: report.attempt.queueWaitMs,
          }
        : {}),
    };
    // A plain success is in the counters function's metrics line, from the table's stream
    // (task-metrics.ts names its task ids): a line of its own is DEBUG. Every other outcome stays INFO.
    if (report.outcome === "succeeded") log.debug("delivery handled", details);
    else log.info("delivery handled", details);
    // The stream measures every recorded outcome; a rate-limit wait changes no record, so it is measured here.
    if (report.outcome === "rate_limited")
      metrics.add({ lane, type: envelope.type, taskId: envelope.id, counts: ["rateLimited"] });
  } catch (error) {
    log.error("delivery failed; the message will be delivered again", {
      error: error as Error,
      receiveCount,
    });
    if (receiveCount >= maxReceiveCount && ref && taskId) {
      const message = `message failed ${receiveCount} deliveries and went to the ${lane} dead-letter queue: ${(error as Error).message}`;
      await depsIn(ref.namespace)
        .store.markDeadLettered(taskId, { type: "dead_lettered", message, retryable: true }, new Date())
        .catch((markError: unknown) =>
          log.error("could not record dead letter", { error: markError as Error }),
        );
    }
    await returnSoon(record, receiveCount);
    throw error;
  }
}

// GET /v1/workers shows when a lane last took a batch; each worker process writes it at most every 10 s.
const activity = lazyPort(async () => {
  const { createDynamoLaneActivity } = await import("../adapters/dynamodb-lane-activity.ts");
  return createDynamoLaneActivity(await dynamoDocumentClient(), { tableName, minIntervalMs: 10_000 });
});

const processor = new BatchProcessor(EventType.SQS);

export async function processBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  // Beside the batch, not before it: no record waits for this write.
  const recorded = activity
    .record(lane, new Date())
    .catch((error: unknown) => logger.warn("could not record lane activity", { error: error as Error }));
  const metrics = new TaskMetricsBatch();
  try {
    return await processPartialResponse(
      event,
      (record: SQSRecord) => processRecord(record, metrics),
      processor,
      {
        context,
      },
    );
  } finally {
    metrics.publish();
    await recorded;
  }
}

export const handler = middy(processBatch)
  .use(tracingMiddleware ? [tracingMiddleware] : [])
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(coldStartMetric());
