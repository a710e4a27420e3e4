/**
 * Builds the ports a lane's task types use (catalog `uses`) from the
 * worker's environment, once per process. A missing setting fails the cold
 * start, naming the variable; the adapters and SDK clients behind the ports
 * load on their first call (lazy-port.ts), so a worker that only ever runs
 * `echo` never loads S3, SNS, Bedrock or Secrets Manager.
 */
import { dynamoDocumentClient, s3Client, snsClient } from "../adapters/aws-clients.ts";
import { numberFromEnv, requireEnv } from "../adapters/environment.ts";
import { lazyPort } from "../adapters/lazy-port.ts";
import { emitMetric } from "../adapters/metrics.ts";
import { chatModelFromEnv, embeddingModelFromEnv } from "../adapters/model-providers.ts";
import { readSecret } from "../adapters/secrets.ts";
import { vectorIndexFromEnv } from "../adapters/vector-index.ts";
import { parseAllowedPorts, parseAllowList } from "../core/network-guard.ts";
import type { LaneQueues, TaskQueue, TaskStore } from "../core/ports.ts";
import type { WorkflowDeps } from "../core/run-workflow.ts";
import type { TaskCapability } from "../tasks/catalog.ts";
import type { TaskServices } from "../tasks/services.ts";

export interface CoreServices {
  /** The task store of a namespace. */
  readonly storeIn: (namespace: string) => TaskStore;
  readonly queue: TaskQueue;
  /** Built by the worker when the lane `uses` laneQueues. */
  readonly lanes: LaneQueues | undefined;
  /** Built by the worker when the lane `uses` workflowRepair. */
  readonly workflowsIn: ((namespace: string) => WorkflowDeps) | undefined;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

function webhooksFromEnv(): NonNullable<TaskServices["webhooks"]> {
  const allowList = parseAllowList(
    (process.env.WEBHOOK_ALLOWED_CIDRS ?? "").split(",").filter((entry) => entry.trim()),
  );
  const allowedPorts = parseAllowedPorts(process.env.WEBHOOK_ALLOWED_PORTS ?? "");
  // Off unless the stack says on: https only.
  const allowHttp = process.env.WEBHOOK_ALLOW_HTTP === "on";
  const ledgerOptions = {
    tableName: requireEnv("TASK_TABLE_NAME"),
    retentionSeconds: numberFromEnv("RESULT_TTL_DAYS", 7) * 86_400,
  };
  const notificationSecretArn = requireEnv("WEBHOOK_SIGNING_SECRET_ARN");
  const callbackSecretArn = requireEnv("CALLBACK_SIGNING_SECRET_ARN");
  return {
    transport: lazyPort(async () => {
      const { createGuardedWebhookTransport } = await import("../adapters/guarded-webhook-transport.ts");
      return createGuardedWebhookTransport({ allowList, allowedPorts, allowHttp });
    }),
    ledger: lazyPort(async () => {
      const { createDynamoDeliveryLedger } = await import("../adapters/dynamodb-delivery-ledger.ts");
      return createDynamoDeliveryLedger(await dynamoDocumentClient(), ledgerOptions);
    }),
    signingSecrets: {
      callbacks: () => readSecret(callbackSecretArn),
      notifications: () => readSecret(notificationSecretArn),
    },
  };
}

/**
 * The task types' ports of one namespace: the task store, conversations and
 * knowledge bases of the task's namespace (what a task writes lands there);
 * models, webhooks, topics and lanes shared. Settings are read once, here.
 */
export function buildTaskServices(
  uses: ReadonlySet<TaskCapability>,
  core: CoreServices,
): (namespace: string) => TaskServices {
  const knowledge = uses.has("knowledgeRead") || uses.has("knowledgeWrite");
  const conversationTable = uses.has("conversations") ? requireEnv("CONVERSATION_TABLE_NAME") : undefined;
  const knowledgeTable = knowledge ? requireEnv("KNOWLEDGE_TABLE_NAME") : undefined;
  const vectors = knowledge ? vectorIndexFromEnv() : undefined;
  const documentBucket = uses.has("documentBucket") ? requireEnv("DOCUMENT_BUCKET_NAME") : undefined;
  const shared = {
    storeIn: core.storeIn,
    queue: core.queue,
    log: core.log,
    now: () => new Date(),
    metrics: emitMetric,
    ...(uses.has("chatModel") ? { chat: chatModelFromEnv() } : {}),
    ...(uses.has("embeddingModel") ? { embeddings: embeddingModelFromEnv() } : {}),
    ...(documentBucket
      ? {
          documentSource: lazyPort(async () => {
            const { createS3DocumentSource } = await import("../adapters/s3-document-source.ts");
            return createS3DocumentSource(await s3Client(), documentBucket);
          }),
        }
      : {}),
    ...(uses.has("webhooks") ? { webhooks: webhooksFromEnv() } : {}),
    ...(uses.has("notificationTopics")
      ? {
          topics: lazyPort(async () => {
            const { createSnsTopicPublisher } = await import("../adapters/sns-topic-publisher.ts");
            return createSnsTopicPublisher(await snsClient());
          }),
        }
      : {}),
    ...(core.lanes ? { lanes: core.lanes } : {}),
    ...(core.workflowsIn ? { workflowsIn: core.workflowsIn } : {}),
  };
  return (namespace) => ({
    ...shared,
    store: core.storeIn(namespace),
    namespace,
    ...(conversationTable
      ? {
          conversations: lazyPort(async () => {
            const { createDynamoConversationStore } = await import(
              "../adapters/dynamodb-conversation-store.ts"
            );
            return createDynamoConversationStore(await dynamoDocumentClient(), conversationTable, namespace);
          }),
        }
      : {}),
    ...(knowledgeTable && vectors
      ? {
          knowledgeDocuments: lazyPort(async () => {
            const { createDynamoKnowledgeDocuments } = await import(
              "../adapters/dynamodb-knowledge-store.ts"
            );
            return createDynamoKnowledgeDocuments(await dynamoDocumentClient(), knowledgeTable, namespace);
          }),
          vectors: vectors.inNamespace(namespace),
        }
      : {}),
  });
}
