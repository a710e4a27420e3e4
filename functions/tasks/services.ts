/**
 * What the task modules are given: the ports of the capabilities their lane
 * uses (catalog `uses`), built from the worker's environment once per process
 * and namespace (the task's own).
 * A module takes the ports it needs with `required`, so a worker wired
 * without one fails the type's first task, naming it (the worker builds a
 * type's handler when its first task runs; see handlers.ts).
 */

import type { LaneQueues, TaskQueue, TaskStore } from "../core/ports.ts";
import type { WorkflowDeps } from "../core/run-workflow.ts";
import type { WebhookSigningSecrets } from "../core/send-notification.ts";
import type {
  ChatModel,
  ConversationStore,
  DeliveryLedger,
  DocumentSource,
  EmbeddingModel,
  KnowledgeDocuments,
  MetricSink,
  TopicPublisher,
  VectorIndex,
  WebhookTransport,
} from "../core/task-ports.ts";

export interface TaskServices {
  /** The namespace of the task these ports serve: its store, conversations and knowledge bases are that namespace's. */
  readonly namespace: string;
  readonly store: TaskStore;
  /** The store of any namespace, for the housekeeping types that visit them all. */
  readonly storeIn: (namespace: string) => TaskStore;
  readonly queue: TaskQueue;
  readonly now: () => Date;
  readonly log: (message: string, details: Record<string, unknown>) => void;
  readonly metrics: MetricSink;
  readonly chat?: ChatModel;
  readonly embeddings?: EmbeddingModel;
  readonly conversations?: ConversationStore;
  readonly knowledgeDocuments?: KnowledgeDocuments;
  readonly vectors?: VectorIndex;
  readonly documentSource?: DocumentSource;
  readonly webhooks?: {
    readonly transport: WebhookTransport;
    readonly ledger: DeliveryLedger;
    readonly signingSecrets: WebhookSigningSecrets;
  };
  readonly topics?: TopicPublisher;
  readonly lanes?: LaneQueues;
  /** The workflow ports of any namespace (check_task_health repairs stalled workflows). */
  readonly workflowsIn?: (namespace: string) => WorkflowDeps;
}

export function required<T>(port: T | undefined, name: string): T {
  if (port === undefined) throw new Error(`this worker has no ${name}; check the task's catalog "uses"`);
  return port;
}
