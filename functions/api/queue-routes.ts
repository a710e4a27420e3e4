/**
 * Routes about lanes and limits: queue depths, DLQ redrive, stats, and the
 * run-time rate limits.
 */

import { logAudit } from "../adapters/logger.ts";
import { notFound } from "../core/api-error.ts";
import { submitterOf } from "../core/api-keys.ts";
import { redriveLane } from "../core/manage-task.ts";
import { terminalStatuses } from "../core/task.ts";
import { parseOrThrow } from "../core/validation.ts";
import { isTaskType, type TaskType, taskCatalog, taskTypes } from "../tasks/catalog.ts";
import { isLane, type Lane, laneNames } from "../tasks/lanes.ts";
import type { ApiDeps } from "./dependencies.ts";
import { json, pathParameter, type RouteHandlers, readJsonBody } from "./http.ts";
import { activityQuery, rateLimitBody } from "./schemas.ts";

function laneOf(value: string): Lane {
  if (!isLane(value)) throw notFound(`lane ${value}`);
  return value;
}

function taskTypeOf(value: string): TaskType {
  if (!isTaskType(value)) throw notFound(`task type ${value}`);
  return value;
}

export function queueRoutes(deps: ApiDeps): RouteHandlers {
  async function rateLimitView() {
    const overrides = await deps.rateLimits.overrides();
    return taskTypes.map((type) => {
      const overridden = Object.hasOwn(overrides, type);
      return {
        type,
        perMinute: overridden ? (overrides[type] ?? null) : (taskCatalog[type].ratePerMinute ?? null),
        source: overridden ? "override" : "catalog",
        catalogPerMinute: taskCatalog[type].ratePerMinute ?? null,
      };
    });
  }

  return {
    "GET /v1/queues": async () =>
      json(200, { items: await Promise.all(laneNames.map((lane) => deps.lanes.depth(lane))) }),

    "POST /v1/queues/{lane}/redrive": async ({ event, caller }) => {
      const lane = laneOf(pathParameter(event, "lane"));
      // A lane's dead letters hold every namespace's tasks: each is queued again in its own.
      const moved = await redriveLane(lane, deps.lanes, (namespace) => deps.inNamespace(namespace));
      logAudit("queue.redriven", submitterOf(caller), { lane, moved: moved.moved });
      return json(200, { lane, ...moved });
    },

    "GET /v1/stats": async ({ namespace }) => {
      const [counts, lanes] = await Promise.all([
        deps.inNamespace(namespace).store.counts(),
        Promise.all(laneNames.map((lane) => deps.lanes.depth(lane))),
      ]);
      return json(200, { ...counts, lanes, time: deps.now().toISOString() });
    },

    // Per-minute counts for the monitor's charts: submitted, finished (each terminal status), retried.
    "GET /v1/stats/activity": async ({ event, namespace }) => {
      const { minutes } = parseOrThrow(activityQuery, event.queryStringParameters ?? {});
      const now = deps.now();
      const items = (await deps.inNamespace(namespace).store.activity(now, minutes)).map(
        ({ minute, submitted, entered }) => ({
          minute,
          submitted,
          started: entered.running ?? 0,
          retried: entered.retrying ?? 0,
          ...Object.fromEntries(terminalStatuses.map((status) => [status, entered[status] ?? 0])),
        }),
      );
      return json(200, { items, time: now.toISOString() });
    },

    "GET /v1/rate-limits": async () => json(200, { items: await rateLimitView() }),

    "PUT /v1/rate-limits/{type}": async ({ event, caller }) => {
      const type = taskTypeOf(pathParameter(event, "type"));
      const { perMinute } = parseOrThrow(rateLimitBody, readJsonBody(event));
      await deps.rateLimits.set(type, perMinute);
      logAudit("rate_limit.set", submitterOf(caller), { type, perMinute });
      return json(
        200,
        (await rateLimitView()).find((limit) => limit.type === type),
      );
    },

    "DELETE /v1/rate-limits/{type}": async ({ event, caller }) => {
      const type = taskTypeOf(pathParameter(event, "type"));
      await deps.rateLimits.set(type, undefined);
      logAudit("rate_limit.reset", submitterOf(caller), { type });
      return json(
        200,
        (await rateLimitView()).find((limit) => limit.type === type),
      );
    },
  };
}
