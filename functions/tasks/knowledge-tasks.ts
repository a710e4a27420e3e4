/**
 * The knowledge-base task types: `vectorize_document`,
 * `update_knowledge_base`, `delete_knowledge_vectors`
 * (functions/core/knowledge.ts).
 */
import { deleteKnowledgeVectors, updateKnowledgeBase, vectorizeDocument } from "../core/knowledge.ts";
import type { TaskHandler } from "../core/task-handler.ts";
import { required, type TaskServices } from "./services.ts";

function knowledgeDeps(services: TaskServices) {
  return {
    documents: required(services.knowledgeDocuments, "knowledge document store"),
    vectors: required(services.vectors, "vector index"),
    embeddings: required(services.embeddings, "embedding model"),
    now: services.now,
  };
}

export function createVectorizeDocument(services: TaskServices): TaskHandler<"vectorize_document"> {
  const deps = knowledgeDeps(services);
  const source = required(services.documentSource, "document source");
  return async (input, context) => {
    // The schema admits exactly one of text and s3.
    const text = input.text ?? (await source.readText(input.s3!, context.signal));
    return vectorizeDocument(
      {
        knowledgeBaseId: input.knowledgeBaseId,
        documentId: input.documentId,
        text,
        ...(input.metadata ? { metadata: input.metadata } : {}),
      },
      deps,
      context.signal,
    );
  };
}

export function createUpdateKnowledgeBase(services: TaskServices): TaskHandler<"update_knowledge_base"> {
  const deps = knowledgeDeps(services);
  return (input, context) =>
    updateKnowledgeBase(input.knowledgeBaseId, input.documents, deps, context.signal);
}

export function createDeleteKnowledgeVectors(
  services: TaskServices,
): TaskHandler<"delete_knowledge_vectors"> {
  const deps = {
    documents: required(services.knowledgeDocuments, "knowledge document store"),
    vectors: required(services.vectors, "vector index"),
  };
  return (input, context) =>
    deleteKnowledgeVectors(input.knowledgeBaseId, input.documentId, deps, context.signal);
}
