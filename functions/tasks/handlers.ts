/**
 * The code behind each catalog entry. Only the worker imports this module;
 * the catalog itself stays free of handler code.
 */
import { permanentFailure } from "../core/task-failure.ts";
import type { TaskHandler, TaskHandlers } from "../core/task-handler.ts";
import type { TaskType } from "./catalog.ts";
import { echo } from "./echo.ts";

/** Stands in for a task type whose real implementation has not landed yet, and says so. */
function notImplemented(type: TaskType): TaskHandler<never> {
  return async () => {
    throw permanentFailure("not_implemented", `task type ${type} is not implemented yet`);
  };
}

export const taskHandlers: TaskHandlers = {
  echo,
  generate_ai_response: notImplemented("generate_ai_response"),
  vectorize_document: notImplemented("vectorize_document"),
  update_knowledge_base: notImplemented("update_knowledge_base"),
  delete_knowledge_vectors: notImplemented("delete_knowledge_vectors"),
  send_notification: notImplemented("send_notification"),
  cleanup_expired_results: notImplemented("cleanup_expired_results"),
  check_task_health: notImplemented("check_task_health"),
};
