/**
 * `generate_ai_response`: the assistant's reply in a conversation, optionally
 * grounded in a knowledge base (functions/core/generate-response.ts).
 */
import { generateResponse } from "../core/generate-response.ts";
import type { TaskHandler } from "../core/task-handler.ts";
import { required, type TaskServices } from "./services.ts";

/** Estimated tokens of earlier messages sent with each request. */
export const historyTokenBudget = 6_000;
const historyMessageLimit = 200;

export function createGenerateAiResponse(services: TaskServices): TaskHandler<"generate_ai_response"> {
  const deps = {
    conversations: required(services.conversations, "conversation store"),
    chat: required(services.chat, "chat model"),
    retrieval: {
      vectors: required(services.vectors, "vector index"),
      embeddings: required(services.embeddings, "embedding model"),
    },
    now: services.now,
    historyTokenBudget,
    historyMessageLimit,
  };
  return (input, context) =>
    generateResponse(
      input,
      { taskId: context.taskId, submittedAt: context.submittedAt, signal: context.signal },
      deps,
    );
}
