/**
 * The code behind each catalog entry. Only the worker imports this module;
 * the catalog itself stays free of handler code. A worker builds the
 * handlers of its own lane's types, with the ports those types use, when a
 * type's first task runs; a type of another lane that reaches it anyway
 * fails, saying so.
 */
import { onFirstUse } from "../adapters/lazy-port.ts";
import { permanentFailure } from "../core/task-failure.ts";
import type { TaskHandler, TaskHandlers } from "../core/task-handler.ts";
import { type TaskType, taskCatalog, taskTypes } from "./catalog.ts";
import type { Lane } from "./lanes.ts";
import type { TaskServices } from "./services.ts";

type HandlerFactory<T extends TaskType> = (services: TaskServices) => TaskHandler<T>;

/**
 * Each type's module, imported the first time a task of that type runs (a
 * chunk of its own in the bundle): a worker's cold start does not pay for
 * the code of types it may never run.
 */
type HandlerModules = { readonly [T in TaskType]: () => Promise<HandlerFactory<T>> };

const modules: HandlerModules = {
  echo: async () => {
    const { echo } = await import("./echo.ts");
    return () => echo;
  },
  generate_ai_response: async () => (await import("./generate-ai-response.ts")).createGenerateAiResponse,
  vectorize_document: async () => (await import("./knowledge-tasks.ts")).createVectorizeDocument,
  update_knowledge_base: async () => (await import("./knowledge-tasks.ts")).createUpdateKnowledgeBase,
  delete_knowledge_vectors: async () => (await import("./knowledge-tasks.ts")).createDeleteKnowledgeVectors,
  send_notification: async () => (await import("./notification-tasks.ts")).createSendNotification,
  cleanup_expired_results: async () => (await import("./housekeeping-tasks.ts")).createCleanupExpiredResults,
  check_task_health: async () => (await import("./housekeeping-tasks.ts")).createCheckTaskHealth,
};

function elsewhere(type: TaskType, lane: Lane): TaskHandler<never> {
  return async () => {
    throw permanentFailure(
      "wrong_lane",
      `task type ${type} runs on lane ${taskCatalog[type].lane}, not ${lane}`,
    );
  };
}

/**
 * The type's handler, built with `services` when its first task runs. A
 * module that fails to load (or a port missing from `services`) fails that
 * attempt, and the next attempt tries again.
 */
function onFirstTask<T extends TaskType>(type: T, services: TaskServices): TaskHandler<T> {
  const load = modules[type] as () => Promise<HandlerFactory<T>>;
  const built = onFirstUse(async () => (await load())(services));
  return async (input, context) => (await built())(input, context);
}

/** The handlers of `lane`'s task types, each loaded when its first task runs. */
export function createTaskHandlers(lane: Lane, services: TaskServices): TaskHandlers {
  return Object.fromEntries(
    taskTypes.map((type) => [
      type,
      taskCatalog[type].lane === lane ? onFirstTask(type, services) : elsewhere(type, lane),
    ]),
  ) as unknown as TaskHandlers;
}
