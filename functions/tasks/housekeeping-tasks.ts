/**
 * `cleanup_expired_results` and `check_task_health`
 * (functions/core/task-health.ts).
 */

import type { TaskHandler } from "../core/task-handler.ts";
import { checkTaskHealth, cleanupExpiredResults } from "../core/task-health.ts";
import { required, type TaskServices } from "./services.ts";

const defaultCleanupLimit = 10_000;

export function createCleanupExpiredResults(services: TaskServices): TaskHandler<"cleanup_expired_results"> {
  return (input, context) =>
    cleanupExpiredResults(input.batchLimit ?? defaultCleanupLimit, services, context.signal);
}

export function createCheckTaskHealth(services: TaskServices): TaskHandler<"check_task_health"> {
  const deps = {
    ...services,
    lanes: required(services.lanes, "lane inspector"),
    workflowsIn: required(services.workflowsIn, "workflow repair"),
  };
  return (input, context) => checkTaskHealth(input, deps, context.signal);
}
