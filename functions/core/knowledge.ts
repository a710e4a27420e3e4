/**
 * Use cases of knowledge bases: vectorize a document (chunk, embed in
 * batches, store), bring a base in line with a set of documents, delete
 * vectors, and search. Re-vectorizing content already stored with the same
 * model and chunking is a no-op, decided by a content hash.
 */
import { createHash } from "node:crypto";
import { permanentFailure } from "./task-failure.ts";
import type {
  ChunkMatch,
  EmbeddingModel,
  KnowledgeDocument,
  KnowledgeDocuments,
  ModelRef,
  VectorIndex,
} from "./task-ports.ts";
import { type ChunkingOptions, chunkText, defaultChunking } from "./text-chunks.ts";

export interface KnowledgeDeps {
  readonly documents: KnowledgeDocuments;
  readonly vectors: VectorIndex;
  readonly embeddings: EmbeddingModel;
  readonly now: () => Date;
  readonly chunking?: ChunkingOptions;
}

/** Marks a document record whose chunks are being written; `chunkCount` then covers old and new chunks. */
const pendingHash = "pending";

export function contentHashOf(text: string, model: ModelRef, chunking: ChunkingOptions): string {
  return createHash("sha256")
    .update(JSON.stringify([model.provider, model.id, chunking.maxChars, chunking.overlapChars]))
    .update("\n")
    .update(text, "utf8")
    .digest("hex");
}

/** Embeds texts in batches of the model's size; stops between batches when `signal` fires. */
export async function embedAll(
  texts: readonly string[],
  embeddings: EmbeddingModel,
  signal: AbortSignal,
): Promise<{ vectors: (readonly number[])[]; inputTokens: number }> {
  const vectors: (readonly number[])[] = [];
  let inputTokens = 0;
  for (let start = 0; start < texts.length; start += embeddings.maxBatchSize) {
    signal.throwIfAborted();
    const batch = texts.slice(start, start + embeddings.maxBatchSize);
    const result = await embeddings.embed(batch, signal);
    if (result.vectors.length !== batch.length) {
      throw new Error(`embedding model returned ${result.vectors.length} vectors for ${batch.length} texts`);
    }
    vectors.push(...result.vectors);
    inputTokens += result.inputTokens;
  }
  return { vectors, inputTokens };
}

export interface DocumentInput {
  readonly knowledgeBaseId: string;
  readonly documentId: string;
  readonly text: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface VectorizeResult {
  readonly knowledgeBaseId: string;
  readonly documentId: string;
  /** `unchanged`: the same content was vectorized already, nothing was embedded. */
  readonly outcome: "created" | "updated" | "unchanged";
  readonly chunks: number;
  readonly removedChunks: number;
  readonly contentHash: string;
  readonly model: ModelRef;
  readonly dimensions: number;
  readonly inputTokens: number;
}

export async function vectorizeDocument(
  input: DocumentInput,
  deps: KnowledgeDeps,
  signal: AbortSignal,
): Promise<VectorizeResult> {
  const chunking = deps.chunking ?? defaultChunking;
  const { knowledgeBaseId, documentId } = input;
  const model = deps.embeddings.model;
  const contentHash = contentHashOf(input.text, model, chunking);
  const existing = await deps.documents.get(knowledgeBaseId, documentId);
  const base = { knowledgeBaseId, documentId, contentHash, model };
  if (existing?.contentHash === contentHash) {
    return {
      ...base,
      outcome: "unchanged",
      chunks: existing.chunkCount,
      removedChunks: 0,
      dimensions: existing.dimensions,
      inputTokens: 0,
    };
  }

  const texts = chunkText(input.text, chunking);
  if (texts.length === 0) throw permanentFailure("empty_document", `document ${documentId} has no text`);
  const { vectors, inputTokens } = await embedAll(texts, deps.embeddings, signal);
  const dimensions = vectors[0]!.length;

  // Record first that chunks are being written, and how many may exist, so a crash part way
  // leaves a record that deletion can still clean up after, and that a re-run re-embeds.
  const previousCount = existing?.chunkCount ?? 0;
  const record = (hash: string, chunkCount: number): KnowledgeDocument => ({
    knowledgeBaseId,
    documentId,
    contentHash: hash,
    chunkCount,
    embeddingModel: model,
    dimensions,
    ...(input.metadata ? { metadata: input.metadata } : {}),
    updatedAt: deps.now().toISOString(),
  });
  await deps.documents.put(record(pendingHash, Math.max(previousCount, texts.length)));
  await deps.vectors.upsert(
    texts.map((text, index) => ({
      knowledgeBaseId,
      documentId,
      index,
      text,
      vector: vectors[index]!,
      ...(input.metadata ? { metadata: input.metadata } : {}),
    })),
  );
  const stale = Array.from({ length: Math.max(0, previousCount - texts.length) }, (_, offset) => ({
    documentId,
    index: texts.length + offset,
  }));
  if (stale.length > 0) await deps.vectors.remove(knowledgeBaseId, stale);
  await deps.documents.put(record(contentHash, texts.length));
  return {
    ...base,
    outcome: existing ? "updated" : "created",
    chunks: texts.length,
    removedChunks: stale.length,
    dimensions,
    inputTokens,
  };
}

export interface DeleteResult {
  readonly knowledgeBaseId: string;
  readonly deletedDocuments: number;
  readonly deletedChunks: number;
}

async function deleteOne(document: KnowledgeDocument, deps: Pick<KnowledgeDeps, "documents" | "vectors">) {
  const chunks = Array.from({ length: document.chunkCount }, (_, index) => ({
    documentId: document.documentId,
    index,
  }));
  if (chunks.length > 0) await deps.vectors.remove(document.knowledgeBaseId, chunks);
  await deps.documents.delete(document.knowledgeBaseId, document.documentId);
  return chunks.length;
}

/** Deletes one document's vectors, or every document's of the base when `documentId` is absent. Idempotent. */
export async function deleteKnowledgeVectors(
  knowledgeBaseId: string,
  documentId: string | undefined,
  deps: Pick<KnowledgeDeps, "documents" | "vectors">,
  signal: AbortSignal,
): Promise<DeleteResult> {
  const targets = documentId
    ? [await deps.documents.get(knowledgeBaseId, documentId)].filter((found) => found !== undefined)
    : await deps.documents.list(knowledgeBaseId);
  let deletedChunks = 0;
  for (const document of targets) {
    signal.throwIfAborted();
    deletedChunks += await deleteOne(document, deps);
  }
  return { knowledgeBaseId, deletedDocuments: targets.length, deletedChunks };
}

export interface UpdateResult {
  readonly knowledgeBaseId: string;
  readonly vectorized: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
  readonly chunks: number;
  readonly inputTokens: number;
}

/** Makes the base hold exactly `documents`: re-embeds changed ones, removes the ones not listed. */
export async function updateKnowledgeBase(
  knowledgeBaseId: string,
  documents: readonly Omit<DocumentInput, "knowledgeBaseId">[],
  deps: KnowledgeDeps,
  signal: AbortSignal,
): Promise<UpdateResult> {
  const ids = new Set(documents.map((document) => document.documentId));
  if (ids.size !== documents.length) {
    throw permanentFailure("validation_error", "documents: each documentId may appear once");
  }
  const vectorized: string[] = [];
  const unchanged: string[] = [];
  let chunks = 0;
  let inputTokens = 0;
  for (const document of documents) {
    const result = await vectorizeDocument({ ...document, knowledgeBaseId }, deps, signal);
    (result.outcome === "unchanged" ? unchanged : vectorized).push(document.documentId);
    chunks += result.chunks;
    inputTokens += result.inputTokens;
  }
  const removed: string[] = [];
  for (const existing of await deps.documents.list(knowledgeBaseId)) {
    if (ids.has(existing.documentId)) continue;
    signal.throwIfAborted();
    await deleteOne(existing, deps);
    removed.push(existing.documentId);
  }
  return { knowledgeBaseId, vectorized, unchanged, removed, chunks, inputTokens };
}

export interface SearchResult {
  readonly knowledgeBaseId: string;
  readonly query: string;
  readonly model: ModelRef;
  readonly items: readonly ChunkMatch[];
}

/** The `k` chunks nearest to the query text. */
export async function searchKnowledgeBase(
  knowledgeBaseId: string,
  query: string,
  k: number,
  deps: Pick<KnowledgeDeps, "vectors" | "embeddings">,
  signal: AbortSignal,
): Promise<SearchResult> {
  const { vectors } = await embedAll([query], deps.embeddings, signal);
  const items = await deps.vectors.query(knowledgeBaseId, vectors[0]!, k);
  return { knowledgeBaseId, query, model: deps.embeddings.model, items };
}

/** Cosine similarity; 0 when either vector is all zeros or their lengths differ. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index]! * b[index]!;
    normA += a[index]! * a[index]!;
    normB += b[index]! * b[index]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
