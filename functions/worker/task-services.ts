/**
 * Builds the ports a lane's task types use (catalog `uses`) from the
 * worker's environment, once per process. A missing setting fails the cold
 * start, naming the variable.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDynamoConversationStore } from "../adapters/dynamodb-conversation-store.ts";
import { createDynamoDeliveryLedger } from "../adapters/dynamodb-delivery-ledger.ts";
import { createDynamoKnowledgeDocuments } from "../adapters/dynamodb-knowledge-store.ts";
import { numberFromEnv, requireEnv } from "../adapters/environment.ts";
import { createGuardedWebhookTransport } from "../adapters/guarded-webhook-transport.ts";
import { emitMetric } from "../adapters/metrics.ts";
import { chatModelFromEnv, embeddingModelFromEnv } from "../adapters/model-providers.ts";
import { createS3DocumentSource } from "../adapters/s3-document-source.ts";
import { readSecret } from "../adapters/secrets.ts";
import { createSnsTopicPublisher } from "../adapters/sns-topic-publisher.ts";
import { vectorIndexFromEnv } from "../adapters/vector-index.ts";
import { parseAllowList } from "../core/network-guard.ts";
import type { LaneQueues, TaskQueue, TaskStore } from "../core/ports.ts";
import type { TaskCapability } from "../tasks/catalog.ts";
import type { TaskServices } from "../tasks/services.ts";

export interface CoreServices {
  readonly store: TaskStore;
  readonly queue: TaskQueue;
  readonly dynamo: DynamoDBDocumentClient;
  /** Built by the worker when the lane `uses` laneQueues. */
  readonly lanes: LaneQueues | undefined;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

export function buildTaskServices(uses: ReadonlySet<TaskCapability>, core: CoreServices): TaskServices {
  const { dynamo } = core;
  const knowledge = uses.has("knowledgeRead") || uses.has("knowledgeWrite");
  return {
    store: core.store,
    queue: core.queue,
    log: core.log,
    now: () => new Date(),
    metrics: emitMetric,
    ...(uses.has("chatModel") ? { chat: chatModelFromEnv() } : {}),
    ...(uses.has("embeddingModel") ? { embeddings: embeddingModelFromEnv() } : {}),
    ...(uses.has("conversations")
      ? { conversations: createDynamoConversationStore(dynamo, requireEnv("CONVERSATION_TABLE_NAME")) }
      : {}),
    ...(knowledge
      ? {
          knowledgeDocuments: createDynamoKnowledgeDocuments(dynamo, requireEnv("KNOWLEDGE_TABLE_NAME")),
          vectors: vectorIndexFromEnv(dynamo),
        }
      : {}),
    ...(uses.has("documentBucket")
      ? {
          documentSource: createS3DocumentSource(
            new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === "true" }),
            requireEnv("DOCUMENT_BUCKET_NAME"),
          ),
        }
      : {}),
    ...(uses.has("webhooks")
      ? {
          webhooks: {
            transport: createGuardedWebhookTransport({
              allowList: parseAllowList(
                (process.env.WEBHOOK_ALLOWED_CIDRS ?? "").split(",").filter((entry) => entry.trim()),
              ),
            }),
            ledger: createDynamoDeliveryLedger(dynamo, {
              tableName: requireEnv("TASK_TABLE_NAME"),
              retentionSeconds: numberFromEnv("RESULT_TTL_DAYS", 7) * 86_400,
            }),
            signingSecret: (
              (arn) => () =>
                readSecret(arn)
            )(requireEnv("WEBHOOK_SIGNING_SECRET_ARN")),
          },
        }
      : {}),
    ...(uses.has("notificationTopics") ? { topics: createSnsTopicPublisher(new SNSClient({})) } : {}),
    ...(core.lanes ? { lanes: core.lanes } : {}),
  };
}
