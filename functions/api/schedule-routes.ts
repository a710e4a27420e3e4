/**
 * Routes about schedules (dynamic ones, in EventBridge Scheduler) and workers
 * (each lane's event-source mappings).
 */
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  parseScheduleCreation,
  updateSchedule,
} from "../core/manage-schedules.ts";
import { listWorkers, updateWorker } from "../core/manage-workers.ts";
import type { ApiDeps } from "./dependencies.ts";
import { json, noContent, pathParameter, type RouteHandlers, readJsonBody } from "./http.ts";

export function scheduleRoutes({ schedules, workers }: ApiDeps): RouteHandlers {
  return {
    "GET /v1/schedules": async ({ event }) =>
      json(200, await listSchedules(event.queryStringParameters ?? {}, schedules)),

    "POST /v1/schedules": async ({ event }) =>
      json(201, await createSchedule(parseScheduleCreation(readJsonBody(event), schedules), schedules)),

    "GET /v1/schedules/{name}": async ({ event }) =>
      json(200, await getSchedule(pathParameter(event, "name"), schedules)),

    "PATCH /v1/schedules/{name}": async ({ event }) =>
      json(200, await updateSchedule(pathParameter(event, "name"), readJsonBody(event), schedules)),

    "DELETE /v1/schedules/{name}": async ({ event }) => {
      await deleteSchedule(pathParameter(event, "name"), schedules);
      return noContent();
    },

    "GET /v1/workers": async () => json(200, await listWorkers(workers)),

    "PATCH /v1/workers/{lane}": async ({ event }) =>
      json(200, await updateWorker(pathParameter(event, "lane"), readJsonBody(event), workers)),
  };
}
