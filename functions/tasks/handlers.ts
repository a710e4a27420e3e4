/**
 * The code behind each catalog entry. Only the worker imports this module;
 * the catalog itself stays free of handler code. A worker builds the
 * handlers of its own lane's types, with the ports those types use; a type
 * of another lane that reaches it anyway fails, saying so.
 */
import { permanentFailure } from "../core/task-failure.ts";
import type { TaskHandler, TaskHandlers } from "../core/task-handler.ts";
import { type TaskType, taskCatalog, taskTypes } from "./catalog.ts";
import { echo } from "./echo.ts";
import { createGenerateAiResponse } from "./generate-ai-response.ts";
import { createCheckTaskHealth, createCleanupExpiredResults } from "./housekeeping-tasks.ts";
import {
  createDeleteKnowledgeVectors,
  createUpdateKnowledgeBase,
  createVectorizeDocument,
} from "./knowledge-tasks.ts";
import type { Lane } from "./lanes.ts";
import { createSendNotification } from "./notification-tasks.ts";
import type { TaskServices } from "./services.ts";

type HandlerFactories = { readonly [T in TaskType]: (services: TaskServices) => TaskHandler<T> };

const factories: HandlerFactories = {
  echo: () => echo,
  generate_ai_response: createGenerateAiResponse,
  vectorize_document: createVectorizeDocument,
  update_knowledge_base: createUpdateKnowledgeBase,
  delete_knowledge_vectors: createDeleteKnowledgeVectors,
  send_notification: createSendNotification,
  cleanup_expired_results: createCleanupExpiredResults,
  check_task_health: createCheckTaskHealth,
};

function elsewhere(type: TaskType, lane: Lane): TaskHandler<never> {
  return async () => {
    throw permanentFailure(
      "wrong_lane",
      `task type ${type} runs on lane ${taskCatalog[type].lane}, not ${lane}`,
    );
  };
}

/** The handlers of `lane`'s task types, built once with `services`. */
export function createTaskHandlers(lane: Lane, services: TaskServices): TaskHandlers {
  return Object.fromEntries(
    taskTypes.map((type) => [
      type,
      taskCatalog[type].lane === lane ? factories[type](services) : elsewhere(type, lane),
    ]),
  ) as unknown as TaskHandlers;
}
