/**
 * The HTTP API's routes, as data. The CDK api construct creates one API
 * Gateway route per entry and the API handler maps each to its use case and
 * checks the caller's key for the route's scope, so the list is written once.
 */
import type { Scope } from "../core/authenticate.ts";

/** The scope a route needs; `public` routes take no key. */
export type RouteScope = Scope | "public";

export const apiRoutes = [
  { method: "GET", path: "/v1/health", scope: "public" },
  { method: "POST", path: "/v1/tasks", scope: "submit" },
  { method: "GET", path: "/v1/tasks", scope: "read" },
  { method: "POST", path: "/v1/tasks/ai/generate", scope: "submit" },
  { method: "GET", path: "/v1/tasks/{id}", scope: "read" },
  { method: "POST", path: "/v1/tasks/{id}/cancel", scope: "submit" },
  { method: "POST", path: "/v1/tasks/{id}/retry", scope: "submit" },
  { method: "GET", path: "/v1/stats", scope: "read" },
  { method: "GET", path: "/v1/queues", scope: "read" },
  { method: "POST", path: "/v1/queues/{lane}/redrive", scope: "admin" },
  { method: "GET", path: "/v1/rate-limits", scope: "read" },
  { method: "PUT", path: "/v1/rate-limits/{type}", scope: "admin" },
  { method: "DELETE", path: "/v1/rate-limits/{type}", scope: "admin" },
  { method: "GET", path: "/v1/keys", scope: "admin" },
  { method: "POST", path: "/v1/keys", scope: "admin" },
  { method: "DELETE", path: "/v1/keys/{id}", scope: "admin" },
  { method: "GET", path: "/v1/conversations/{id}", scope: "read" },
  { method: "GET", path: "/v1/knowledge-bases/{kb}/search", scope: "read" },
  { method: "GET", path: "/v1/schedules", scope: "read" },
  { method: "POST", path: "/v1/schedules", scope: "admin" },
  { method: "GET", path: "/v1/schedules/{name}", scope: "read" },
  { method: "PATCH", path: "/v1/schedules/{name}", scope: "admin" },
  { method: "DELETE", path: "/v1/schedules/{name}", scope: "admin" },
  { method: "GET", path: "/v1/workers", scope: "read" },
  { method: "PATCH", path: "/v1/workers/{lane}", scope: "admin" },
] as const satisfies readonly { method: string; path: string; scope: RouteScope }[];

export type ApiRoute = (typeof apiRoutes)[number];

/** API Gateway's route key: `METHOD /path/{param}`. */
export type RouteKey = ApiRoute extends infer Route
  ? Route extends ApiRoute
    ? `${Route["method"]} ${Route["path"]}`
    : never
  : never;

export const routeKeyOf = (route: ApiRoute): RouteKey => `${route.method} ${route.path}` as RouteKey;
