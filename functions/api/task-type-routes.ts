/**
 * The routes that belong to task types: conversation history and
 * knowledge-base search, with the read-only ports they use.
 */
import type * as z from "zod";
import { dynamoDocumentClient } from "../adapters/aws-clients.ts";
import { requireEnv } from "../adapters/environment.ts";
import { lazyPort } from "../adapters/lazy-port.ts";
import { embeddingModelFromEnv } from "../adapters/model-providers.ts";
import { vectorIndexFromEnv } from "../adapters/vector-index.ts";
import { notFound } from "../core/api-error.ts";
import { searchKnowledgeBase } from "../core/knowledge.ts";
import { parseOrThrow } from "../core/validation.ts";
import { identifier } from "../tasks/catalog.ts";
import { json, pathParameter, type RouteHandlers, type RouteRequest } from "./http.ts";
import {
  type conversationPageSchema,
  conversationQuery,
  searchQuery,
  type searchResultSchema,
} from "./schemas.ts";

const conversationTable = requireEnv("CONVERSATION_TABLE_NAME");
const conversations = lazyPort(async () => {
  const { createDynamoConversationStore } = await import("../adapters/dynamodb-conversation-store.ts");
  return createDynamoConversationStore(await dynamoDocumentClient(), conversationTable);
});
const retrieval = {
  vectors: vectorIndexFromEnv(),
  embeddings: embeddingModelFromEnv(),
};

async function conversationHistory({ event }: RouteRequest) {
  const id = parseOrThrow(identifier, pathParameter(event, "id"), ["id"]);
  const query = parseOrThrow(conversationQuery, event.queryStringParameters ?? {});
  const page = await conversations.page(id, query.limit, query.cursor);
  if (page.items.length === 0 && !query.cursor) throw notFound(`conversation ${id}`);
  return json(200, {
    conversationId: id,
    items: page.items.map(({ role, content, at, taskId, model, usage }) => ({
      role,
      content,
      at,
      taskId,
      ...(model ? { model } : {}),
      ...(usage ? { usage } : {}),
    })),
    nextCursor: page.nextCursor,
  } satisfies z.output<typeof conversationPageSchema>);
}

async function searchKnowledge({ event }: RouteRequest) {
  const knowledgeBaseId = parseOrThrow(identifier, pathParameter(event, "kb"), ["kb"]);
  const query = parseOrThrow(searchQuery, event.queryStringParameters ?? {});
  const result = await searchKnowledgeBase(
    knowledgeBaseId,
    query.q,
    query.k,
    retrieval,
    AbortSignal.timeout(20_000),
  );
  return json(200, {
    knowledgeBaseId,
    query: query.q,
    model: result.model,
    items: result.items.map(({ documentId, index, text, score, metadata }) => ({
      documentId,
      chunkIndex: index,
      score,
      text,
      ...(metadata ? { metadata } : {}),
    })),
  } satisfies z.output<typeof searchResultSchema>);
}

export function taskTypeRoutes(): RouteHandlers {
  return {
    "GET /v1/conversations/{id}": conversationHistory,
    "GET /v1/knowledge-bases/{kb}/search": searchKnowledge,
  };
}
