/**
 * Ports of the task types (beyond task records and lane queues, which are in
 * ports.ts): model providers, conversations, knowledge bases, webhook
 * delivery, metrics. Adapters in functions/adapters implement them.
 */

/** Which provider and model produced an answer or a vector. */
export interface ModelRef {
  readonly provider: "offline" | "bedrock" | "openai";
  readonly id: string;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface ChatMessage {
  readonly role: "user" | "assistant";
  readonly content: string;
}

export interface ChatRequest {
  readonly system?: string;
  /** Oldest first; the last one is the user's turn. */
  readonly messages: readonly ChatMessage[];
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** The task's signal: a provider call stops when it fires. */
  readonly signal: AbortSignal;
}

export interface ChatResponse {
  readonly content: string;
  readonly model: ModelRef;
  readonly usage: TokenUsage;
  readonly stopReason?: string;
}

/** A chat model (Bedrock Converse, an OpenAI-compatible endpoint, or the offline model). */
export interface ChatModel {
  readonly model: ModelRef;
  chat(request: ChatRequest): Promise<ChatResponse>;
}

export interface EmbeddingResult {
  /** One vector per input text, in input order. */
  readonly vectors: readonly (readonly number[])[];
  readonly model: ModelRef;
  readonly inputTokens: number;
}

/** A text embedding model. */
export interface EmbeddingModel {
  readonly model: ModelRef;
  /** Texts one `embed` call takes at most; callers batch by it. */
  readonly maxBatchSize: number;
  embed(texts: readonly string[], signal: AbortSignal): Promise<EmbeddingResult>;
}

/** One stored message of a conversation. */
export interface ConversationMessage {
  readonly conversationId: string;
  readonly role: "user" | "assistant";
  readonly content: string;
  /** When the message was written. */
  readonly at: string;
  /** The generate_ai_response task that wrote it. */
  readonly taskId: string;
  /**
   * When that task was submitted, with `position` (0 user, 1 assistant): the
   * message's place in the conversation, the same on every attempt, so an
   * attempt that is run again overwrites its own messages instead of adding more.
   */
  readonly turnAt: string;
  readonly position: 0 | 1;
  readonly model?: ModelRef;
  readonly usage?: TokenUsage;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** Conversation histories. */
export interface ConversationStore {
  /** The newest `limit` messages, newest first. */
  recent(conversationId: string, limit: number): Promise<ConversationMessage[]>;
  /** Writes messages; writing one with the same turn and position again replaces it. */
  append(messages: readonly ConversationMessage[]): Promise<void>;
  /** Messages oldest first, a page at a time. */
  page(conversationId: string, limit: number, cursor?: string): Promise<Page<ConversationMessage>>;
}

/** What a knowledge base knows about one vectorized document. */
export interface KnowledgeDocument {
  readonly knowledgeBaseId: string;
  readonly documentId: string;
  /** SHA-256 over the text, the chunking settings and the embedding model: equal hash, nothing to do. */
  readonly contentHash: string;
  readonly chunkCount: number;
  readonly embeddingModel: ModelRef;
  readonly dimensions: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

export interface KnowledgeChunk {
  readonly knowledgeBaseId: string;
  readonly documentId: string;
  readonly index: number;
  readonly text: string;
  readonly vector: readonly number[];
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ChunkMatch {
  readonly documentId: string;
  readonly index: number;
  readonly text: string;
  /** Cosine similarity, 1 = same direction. */
  readonly score: number;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The document records of knowledge bases (always DynamoDB; the vectors may live elsewhere). */
export interface KnowledgeDocuments {
  get(knowledgeBaseId: string, documentId: string): Promise<KnowledgeDocument | undefined>;
  list(knowledgeBaseId: string): Promise<KnowledgeDocument[]>;
  put(document: KnowledgeDocument): Promise<void>;
  delete(knowledgeBaseId: string, documentId: string): Promise<void>;
}

/** Where chunk vectors live and are searched: DynamoDB (default) or Amazon S3 Vectors. */
export interface VectorIndex {
  /** Writes chunks; a chunk with the same knowledge base, document and index is replaced. */
  upsert(chunks: readonly KnowledgeChunk[]): Promise<void>;
  remove(
    knowledgeBaseId: string,
    chunks: readonly { readonly documentId: string; readonly index: number }[],
  ): Promise<void>;
  /** The `k` chunks of the knowledge base nearest to `vector`, best first. */
  query(knowledgeBaseId: string, vector: readonly number[], k: number): Promise<ChunkMatch[]>;
}

/** Reads a document's text from object storage (S3). */
export interface DocumentSource {
  /** `bucket` defaults to the stack's document bucket. */
  readText(
    location: { readonly bucket?: string; readonly key: string },
    signal: AbortSignal,
  ): Promise<string>;
}

/** The outcome of one webhook request. */
export interface WebhookResponse {
  readonly status: number;
  /** The first bytes of the answer, for the task's result. */
  readonly bodyExcerpt: string;
}

/** Sends webhook requests to targets that pass the network guard. */
export interface WebhookTransport {
  post(
    url: string,
    headers: Readonly<Record<string, string>>,
    body: string,
    signal: AbortSignal,
  ): Promise<WebhookResponse>;
}

/** A completed delivery, as recorded. */
export interface DeliveryRecord {
  readonly deliveryId: string;
  readonly status: number;
  readonly deliveredAt: string;
  readonly taskId: string;
}

export type DeliveryStart =
  | { readonly state: "started" }
  | { readonly state: "delivered"; readonly record: DeliveryRecord }
  | { readonly state: "in_progress"; readonly until: string };

/**
 * Remembers deliveries, so each delivery id is sent once: `begin` takes a
 * short lease on an id not delivered yet, `complete` records the delivery.
 */
export interface DeliveryLedger {
  begin(deliveryId: string, taskId: string, now: Date, leaseUntil: Date): Promise<DeliveryStart>;
  complete(record: DeliveryRecord): Promise<void>;
  /** Gives the lease back after a failed send, so a retry may send at once. */
  release(deliveryId: string, taskId: string): Promise<void>;
}

/** Publishes a message to an SNS topic. */
export interface TopicPublisher {
  publish(
    topicArn: string,
    message: string,
    attributes: Readonly<Record<string, string>>,
  ): Promise<{ readonly messageId: string }>;
}

/** Emits a metric (EMF in Lambda). */
export type MetricSink = (name: string, value: number, dimensions?: Readonly<Record<string, string>>) => void;
