/**
 * Routes about schedules (dynamic ones, in EventBridge Scheduler) and workers
 * (each lane's event-source mappings).
 */

import { onFirstUse } from "../adapters/lazy-port.ts";
import { logAudit } from "../adapters/logger.ts";
import { submitterOf } from "../core/api-keys.ts";
import { listWorkers, updateWorker } from "../core/manage-workers.ts";
import type { ApiDeps } from "./dependencies.ts";
import { json, noContent, pathParameter, type RouteHandlers, readJsonBody } from "./http.ts";

/**
 * The schedule use cases load with the first schedule request: they bring the
 * schedule-expression parser (croner, some 35 KB), which no other route needs.
 */
const useCases = onFirstUse(() => import("../core/manage-schedules.ts"));

export function scheduleRoutes(deps: ApiDeps): RouteHandlers {
  const { workers } = deps;
  // Each request's schedules are those of its namespace.
  const schedulesOf = (namespace: string) => deps.inNamespace(namespace).schedules;
  return {
    "GET /v1/schedules": async ({ event, namespace }) => {
      const { listSchedules } = await useCases();
      return json(200, await listSchedules(event.queryStringParameters ?? {}, schedulesOf(namespace)));
    },

    "POST /v1/schedules": async ({ event, namespace }) => {
      const { createSchedule, parseScheduleCreation } = await useCases();
      const schedules = schedulesOf(namespace);
      return json(
        201,
        await createSchedule(parseScheduleCreation(readJsonBody(event), schedules), schedules),
      );
    },

    "GET /v1/schedules/{name}": async ({ event, namespace }) => {
      const { getSchedule } = await useCases();
      return json(200, await getSchedule(pathParameter(event, "name"), schedulesOf(namespace)));
    },

    "PATCH /v1/schedules/{name}": async ({ event, namespace }) => {
      const { updateSchedule } = await useCases();
      return json(
        200,
        await updateSchedule(pathParameter(event, "name"), readJsonBody(event), schedulesOf(namespace)),
      );
    },

    "DELETE /v1/schedules/{name}": async ({ event, namespace }) => {
      const { deleteSchedule } = await useCases();
      await deleteSchedule(pathParameter(event, "name"), schedulesOf(namespace));
      return noContent();
    },

    "GET /v1/workers": async () => json(200, await listWorkers(workers)),

    "PATCH /v1/workers/{lane}": async ({ event, caller }) => {
      const lane = pathParameter(event, "lane");
      const change = readJsonBody(event);
      const worker = await updateWorker(lane, change, workers);
      logAudit("worker.changed", submitterOf(caller), { lane, change });
      return json(200, worker);
    },
  };
}
