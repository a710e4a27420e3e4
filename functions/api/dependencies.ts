/**
 * The API function's composition root: adapters built once per process from
 * the environment (failing fast when a variable is missing).
 */
import { randomUUID } from "node:crypto";
import {
  dynamoDocumentClient,
  lambdaClient,
  s3Client,
  schedulerClient,
  sqsClient,
} from "../adapters/aws-clients.ts";
import { createDynamoApiKeyStore } from "../adapters/dynamodb-api-key-store.ts";
import { createDynamoLaneActivity } from "../adapters/dynamodb-lane-activity.ts";
import { createDynamoRateLimitSettings } from "../adapters/dynamodb-rate-limits.ts";
import { createDynamoTaskStore } from "../adapters/dynamodb-task-store.ts";
import { numberFromEnv, requireEnv } from "../adapters/environment.ts";
import {
  createEventBridgeDelayedDelivery,
  delayedDeliverySettingsFromEnv,
} from "../adapters/eventbridge-delayed-delivery.ts";
import { createEventBridgeScheduleStore } from "../adapters/eventbridge-schedule-store.ts";
import { createLambdaWorkerControl, mappingIdsFromEnv } from "../adapters/lambda-worker-control.ts";
import { logInfo } from "../adapters/logger.ts";
import { createS3PayloadStore } from "../adapters/s3-payload-store.ts";
import { createSqsLaneQueues, createSqsTaskQueue, laneQueueUrlsFromEnv } from "../adapters/sqs-task-queue.ts";
import { publishTaskMetrics } from "../adapters/task-metrics.ts";
import { cachedKeyLookup } from "../core/authenticate.ts";
import { maxQueueDelaySeconds } from "../core/backoff.ts";
import { queueCallback } from "../core/callbacks.ts";
import { createKeyThrottle } from "../core/key-throttle.ts";
import type { ScheduleDeps } from "../core/manage-schedules.ts";
import type { ManageTaskDeps } from "../core/manage-task.ts";
import type { WorkerDeps } from "../core/manage-workers.ts";
import type { ApiKeyStore, LaneQueues, RateLimitSettings, TaskStore } from "../core/ports.ts";
import type { Task } from "../core/task.ts";
import {
  type Lane,
  laneNames,
  laneQueueArnVariable,
  laneReservedConcurrencyVariable,
  type Priority,
  priorities,
} from "../tasks/lanes.ts";
import { scheduleDelivery } from "../tasks/static-schedules.ts";

export interface ApiDeps extends ManageTaskDeps {
  readonly store: TaskStore;
  readonly lanes: LaneQueues;
  readonly apiKeys: ApiKeyStore;
  readonly throttle: ReturnType<typeof createKeyThrottle>;
  readonly rateLimits: RateLimitSettings;
  readonly schedules: ScheduleDeps;
  readonly workers: WorkerDeps;
  /** Counts a newly submitted task (metrics); not called for idempotent replays. */
  readonly recordSubmitted: (task: Task) => void;
}

export function createApiDeps(): ApiDeps {
  const tableName = requireEnv("TASK_TABLE_NAME");
  const store = createDynamoTaskStore(dynamoDocumentClient, {
    tableName,
    resultTtlSeconds: numberFromEnv("RESULT_TTL_DAYS", 7) * 86_400,
  });
  const urls = laneQueueUrlsFromEnv(laneNames, true);
  const submitDeps = {
    store,
    queue: createSqsTaskQueue(sqsClient, urls),
    payloads: createS3PayloadStore(s3Client, requireEnv("PAYLOAD_BUCKET_NAME")),
    now: () => new Date(),
    newId: randomUUID,
    delays: createEventBridgeDelayedDelivery(schedulerClient, delayedDeliverySettingsFromEnv(laneNames)),
    maxSqsDelaySeconds: numberFromEnv("MAX_SQS_DELAY_SECONDS", maxQueueDelaySeconds),
    log: logInfo,
  };
  const lanes = createSqsLaneQueues(sqsClient, urls);
  return {
    ...submitDeps,
    onTerminal: (task) => queueCallback(task, submitDeps),
    lanes,
    apiKeys: cachedKeyLookup(
      createDynamoApiKeyStore(dynamoDocumentClient, requireEnv("API_KEY_TABLE_NAME")),
      numberFromEnv("API_KEY_CACHE_MS", 60_000),
    ),
    throttle: createKeyThrottle({
      ratePerSecond: numberFromEnv("API_KEY_RATE_PER_SECOND", 50),
      burst: numberFromEnv("API_KEY_BURST", 100),
    }),
    rateLimits: createDynamoRateLimitSettings(dynamoDocumentClient, tableName),
    schedules: {
      store: createEventBridgeScheduleStore(schedulerClient, {
        groupName: requireEnv("SCHEDULE_GROUP_NAME"),
        roleArn: requireEnv("SCHEDULER_ROLE_ARN"),
        deadLetterQueueArn: requireEnv("SCHEDULE_DLQ_ARN"),
        laneQueueArns: Object.fromEntries(
          laneNames.map((lane) => [
            lane,
            Object.fromEntries(
              priorities.map((priority) => [priority, requireEnv(laneQueueArnVariable(lane, priority))]),
            ),
          ]),
        ) as Record<Lane, Record<Priority, string>>,
        ...scheduleDelivery,
      }),
      now: () => new Date(),
      defaultTimeZone: requireEnv("SCHEDULE_TIME_ZONE"),
    },
    workers: {
      control: createLambdaWorkerControl(lambdaClient, mappingIdsFromEnv(laneNames)),
      lanes,
      activity: createDynamoLaneActivity(dynamoDocumentClient, { tableName, minIntervalMs: 0 }),
      reservedConcurrency: (lane) => {
        const reserved = process.env[laneReservedConcurrencyVariable(lane)];
        return reserved ? Number(reserved) : undefined;
      },
    },
    recordSubmitted: (task) =>
      publishTaskMetrics({ lane: task.lane, type: task.type, taskId: task.id, counts: ["submitted"] }),
  };
}
