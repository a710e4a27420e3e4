/**
 * The routes that belong to task types: conversation history and
 * knowledge-base search, on the ports of the request's namespace (a
 * conversation or knowledge base of another namespace is not found).
 */
import type * as z from "zod";
import { notFound } from "../core/api-error.ts";
import { parseOrThrow } from "../core/validation.ts";
import { identifier } from "../tasks/catalog.ts";
import type { ApiDeps } from "./dependencies.ts";
import { json, pathParameter, type RouteHandlers, type RouteRequest } from "./http.ts";
import {
  type conversationPageSchema,
  conversationQuery,
  searchQuery,
  type searchResultSchema,
} from "./schemas.ts";

async function conversationHistory(deps: ApiDeps, { event, namespace }: RouteRequest) {
  const id = parseOrThrow(identifier, pathParameter(event, "id"), ["id"]);
  const query = parseOrThrow(conversationQuery, event.queryStringParameters ?? {});
  const page = await deps.inNamespace(namespace).conversations.page(id, query.limit, query.cursor);
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

async function searchKnowledge(deps: ApiDeps, { event, namespace }: RouteRequest) {
  const knowledgeBaseId = parseOrThrow(identifier, pathParameter(event, "kb"), ["kb"]);
  const query = parseOrThrow(searchQuery, event.queryStringParameters ?? {});
  const { vectors, embeddings } = deps.inNamespace(namespace).knowledge;
  // The search code and the model providers load with the first search, not at cold start.
  const [{ searchKnowledgeBase }, model] = await Promise.all([import("../core/knowledge.ts"), embeddings()]);
  const result = await searchKnowledgeBase(
    knowledgeBaseId,
    query.q,
    query.k,
    { vectors, embeddings: model },
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

export function taskTypeRoutes(deps: ApiDeps): RouteHandlers {
  return {
    "GET /v1/conversations/{id}": (request) => conversationHistory(deps, request),
    "GET /v1/knowledge-bases/{kb}/search": (request) => searchKnowledge(deps, request),
  };
}
