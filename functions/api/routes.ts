/**
 * The HTTP API's routes, as data. The CDK api construct creates one API
 * Gateway route per entry and the API handler maps each to its use case, so
 * the list is written once.
 */
export const apiRoutes = [
  { method: "GET", path: "/v1/health", authenticated: false },
  { method: "POST", path: "/v1/tasks", authenticated: true },
  { method: "GET", path: "/v1/tasks", authenticated: true },
  { method: "POST", path: "/v1/tasks/ai/generate", authenticated: true },
  { method: "GET", path: "/v1/tasks/{id}", authenticated: true },
  { method: "POST", path: "/v1/tasks/{id}/cancel", authenticated: true },
  { method: "POST", path: "/v1/tasks/{id}/retry", authenticated: true },
  { method: "GET", path: "/v1/stats", authenticated: true },
  { method: "GET", path: "/v1/queues", authenticated: true },
  { method: "POST", path: "/v1/queues/{lane}/redrive", authenticated: true },
  { method: "GET", path: "/v1/rate-limits", authenticated: true },
  { method: "PUT", path: "/v1/rate-limits/{type}", authenticated: true },
  { method: "DELETE", path: "/v1/rate-limits/{type}", authenticated: true },
  { method: "GET", path: "/v1/conversations/{id}", authenticated: true },
  { method: "GET", path: "/v1/knowledge-bases/{kb}/search", authenticated: true },
] as const;

export type ApiRoute = (typeof apiRoutes)[number];

/** API Gateway's route key: `METHOD /path/{param}`. */
export type RouteKey = ApiRoute extends infer Route
  ? Route extends ApiRoute
    ? `${Route["method"]} ${Route["path"]}`
    : never
  : never;

export const routeKeyOf = (route: ApiRoute): RouteKey => `${route.method} ${route.path}` as RouteKey;
