/**
 * The API function's composition root: adapters built once per process from
 * the environment. Every variable is read at init (failing fast when one is
 * missing); each adapter and its SDK client load on first use (lazy-port.ts),
 * so a cold start that serves GET /v1/tasks/{id} never loads Scheduler,
 * Lambda or S3.
 */

import {
  dynamoDocumentClient,
  lambdaClient,
  s3Client,
  schedulerClient,
  sqsClient,
} from "../adapters/aws-clients.ts";
import { numberFromEnv, requireEnv } from "../adapters/environment.ts";
import {
  delayedDeliverySettingsFromEnv,
  laneQueueArnsFromEnv,
  laneQueueUrlsFromEnv,
  mappingIdsFromEnv,
  separatePriorities,
} from "../adapters/lane-environment.ts";
import { lazyPort, onFirstUse } from "../adapters/lazy-port.ts";
import { logInfo } from "../adapters/logger.ts";
import { taskStoreIn, workflowStoreIn } from "../adapters/task-table-stores.ts";
import { vectorIndexFromEnv } from "../adapters/vector-index.ts";
import { cachedKeyLookup } from "../core/authenticate.ts";
import { maxQueueDelaySeconds } from "../core/backoff.ts";
import { queueCallback } from "../core/callbacks.ts";
import { createKeyThrottle } from "../core/key-throttle.ts";
import type { ScheduleDeps } from "../core/manage-schedules.ts";
import type { ManageTaskDeps } from "../core/manage-task.ts";
import type { WorkerDeps } from "../core/manage-workers.ts";
import { perNamespace } from "../core/namespaces.ts";
import type { ApiKeyStore, LaneQueues, RateLimitSettings, TaskStore } from "../core/ports.ts";
import { newTaskId } from "../core/task-ids.ts";
import type { ConversationStore, EmbeddingModel, VectorIndex } from "../core/task-ports.ts";
import type { WorkflowStore } from "../core/workflow-ports.ts";
import { laneNames, laneReservedConcurrencyVariable } from "../tasks/lanes.ts";
import { scheduleDelivery } from "../tasks/static-schedules.ts";

/**
 * What a request acting in one namespace uses: the task store, schedules,
 * conversations and knowledge bases of that namespace only, so nothing of
 * another namespace can be read or changed through them.
 */
export interface NamespaceDeps extends ManageTaskDeps {
  readonly store: TaskStore;
  readonly schedules: ScheduleDeps;
  readonly conversations: ConversationStore;
  /** The embedding model loads with the first search (its providers' code is not needed at init). */
  readonly knowledge: { readonly vectors: VectorIndex; readonly embeddings: () => Promise<EmbeddingModel> };
  readonly workflows: WorkflowStore;
}

/** The API's ports: shared ones (lanes, keys, workers, rate limits) and, per namespace, `inNamespace`. */
export interface ApiDeps {
  readonly lanes: LaneQueues;
  readonly apiKeys: ApiKeyStore;
  readonly throttle: ReturnType<typeof createKeyThrottle>;
  readonly rateLimits: RateLimitSettings;
  readonly workers: WorkerDeps;
  readonly now: () => Date;
  readonly log: (message: string, details: Record<string, unknown>) => void;
  /** The ports of one namespace, built once per process and namespace (adapters and clients load on first use). */
  inNamespace(namespace: string): NamespaceDeps;
  /** The stage allows echo's destructive diagnostics (stage setting `echoDiagnostics`, env ECHO_DIAGNOSTICS). */
  readonly echoDiagnostics: boolean;
}

export function createApiDeps(): ApiDeps {
  const tableName = requireEnv("TASK_TABLE_NAME");
  const resultTtlSeconds = numberFromEnv("RESULT_TTL_DAYS", 7) * 86_400;
  const storeIn = taskStoreIn({ tableName, resultTtlSeconds });
  const workflowsIn = workflowStoreIn({ tableName, resultTtlSeconds });
  const urls = laneQueueUrlsFromEnv(laneNames, true);
  const payloadBucket = requireEnv("PAYLOAD_BUCKET_NAME");
  const delaySettings = delayedDeliverySettingsFromEnv(laneNames);
  const sharedSubmitDeps = {
    queue: lazyPort(async () => {
      const { createSqsTaskQueue } = await import("../adapters/sqs-task-queue.ts");
      return createSqsTaskQueue(await sqsClient(), urls);
    }),
    payloads: lazyPort(async () => {
      const { createS3PayloadStore } = await import("../adapters/s3-payload-store.ts");
      return createS3PayloadStore(await s3Client(), payloadBucket);
    }),
    now: () => new Date(),
    newId: () => newTaskId(),
    delays: lazyPort(async () => {
      const { createEventBridgeDelayedDelivery } = await import(
        "../adapters/eventbridge-delayed-delivery.ts"
      );
      return createEventBridgeDelayedDelivery(await schedulerClient(), delaySettings);
    }),
    maxSqsDelaySeconds: numberFromEnv("MAX_SQS_DELAY_SECONDS", maxQueueDelaySeconds),
    log: logInfo,
  };
  const lanes = lazyPort(async () => {
    const { createSqsLaneQueues } = await import("../adapters/sqs-task-queue.ts");
    return createSqsLaneQueues(await sqsClient(), urls);
  });
  const apiKeyTable = requireEnv("API_KEY_TABLE_NAME");
  const scheduleSettings = {
    groupName: requireEnv("SCHEDULE_GROUP_NAME"),
    roleArn: requireEnv("SCHEDULER_ROLE_ARN"),
    deadLetterQueueArn: requireEnv("SCHEDULE_DLQ_ARN"),
    laneQueueArns: laneQueueArnsFromEnv(laneNames),
    ...scheduleDelivery,
  };
  const mappingIds = mappingIdsFromEnv(laneNames);
  const conversationTable = requireEnv("CONVERSATION_TABLE_NAME");
  const vectors = vectorIndexFromEnv();
  const embeddings = onFirstUse(async () =>
    (await import("../adapters/model-providers.ts")).embeddingModelFromEnv(),
  );
  const scheduleTimeZone = requireEnv("SCHEDULE_TIME_ZONE");
  // Off unless the stack says on: a function deployed without the setting refuses diagnostics.
  const echoDiagnostics = process.env.ECHO_DIAGNOSTICS === "on";
  return {
    now: sharedSubmitDeps.now,
    log: sharedSubmitDeps.log,
    inNamespace: perNamespace((namespace): NamespaceDeps => {
      const submitDeps = { ...sharedSubmitDeps, store: storeIn(namespace), namespace };
      return {
        ...submitDeps,
        // A callback task lands in the namespace of the task it reports on.
        onTerminal: (task) => queueCallback(task, submitDeps),
        schedules: {
          store: lazyPort(async () => {
            const { createEventBridgeScheduleStore } = await import(
              "../adapters/eventbridge-schedule-store.ts"
            );
            return createEventBridgeScheduleStore(await schedulerClient(), scheduleSettings, namespace);
          }),
          namespace,
          now: () => new Date(),
          defaultTimeZone: scheduleTimeZone,
          echoDiagnostics,
        },
        conversations: lazyPort(async () => {
          const { createDynamoConversationStore } = await import(
            "../adapters/dynamodb-conversation-store.ts"
          );
          return createDynamoConversationStore(await dynamoDocumentClient(), conversationTable, namespace);
        }),
        knowledge: { vectors: vectors.inNamespace(namespace), embeddings },
        workflows: workflowsIn(namespace),
      };
    }),
    lanes,
    apiKeys: cachedKeyLookup(
      lazyPort(async () => {
        const { createDynamoApiKeyStore } = await import("../adapters/dynamodb-api-key-store.ts");
        return createDynamoApiKeyStore(await dynamoDocumentClient(), apiKeyTable);
      }),
      numberFromEnv("API_KEY_CACHE_MS", 60_000),
    ),
    throttle: createKeyThrottle({
      ratePerSecond: numberFromEnv("API_KEY_RATE_PER_SECOND", 50),
      burst: numberFromEnv("API_KEY_BURST", 100),
    }),
    rateLimits: lazyPort(async () => {
      const { createDynamoRateLimitSettings } = await import("../adapters/dynamodb-rate-limits.ts");
      return createDynamoRateLimitSettings(await dynamoDocumentClient(), tableName);
    }),
    workers: {
      control: lazyPort(async () => {
        const { createLambdaWorkerControl } = await import("../adapters/lambda-worker-control.ts");
        return createLambdaWorkerControl(await lambdaClient(), mappingIds);
      }),
      lanes,
      activity: lazyPort(async () => {
        const { createDynamoLaneActivity } = await import("../adapters/dynamodb-lane-activity.ts");
        return createDynamoLaneActivity(await dynamoDocumentClient(), { tableName, minIntervalMs: 0 });
      }),
      mappedPriorities: (lane) => separatePriorities(mappingIds[lane]),
      reservedConcurrency: (lane) => {
        const reserved = process.env[laneReservedConcurrencyVariable(lane)];
        return reserved ? Number(reserved) : undefined;
      },
    },
    echoDiagnostics,
  };
}
