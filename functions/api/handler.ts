/**
 * The API function: API Gateway HTTP API (payload v2) -> route -> use case.
 * Thin: it authenticates, hands the request to its route, and turns errors
 * into the API's error body.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { apiGatewayRequestIdPath, logger } from "../adapters/logger.ts";
import { coldStartMetric } from "../adapters/metrics.ts";
import { readSecret } from "../adapters/secrets.ts";
import { tracingMiddleware } from "../adapters/tracing.ts";
import { notFound } from "../core/api-error.ts";
import { authenticate } from "../core/authenticate.ts";
import type { ApiKeyRecord } from "../core/ports.ts";
import { celeryCompatRoutes } from "./celery-compat.ts";
import { createApiDeps } from "./dependencies.ts";
import {
  ApiError,
  errorResponse,
  header,
  json,
  lazyRouteHandlers,
  type RouteHandlers,
  type RouteResult,
} from "./http.ts";
import { keyRoutes } from "./key-routes.ts";
import { monitorRoutes } from "./monitor-routes.ts";
import { cameThroughEdge, originVerifyHeader, originVerifySecretVariable } from "./origin-verify.ts";
import { queueRoutes } from "./queue-routes.ts";
import { apiRoutes, type PageRouteKey, pageRoutes, type RouteScope, routeKeyOf } from "./routes.ts";
import { scheduleRoutes } from "./schedule-routes.ts";
import { taskRoutes } from "./task-routes.ts";
import { taskTypeRoutes } from "./task-type-routes.ts";

const deps = createApiDeps();

const routeHandlers: RouteHandlers = {
  "GET /v1/health": async () => json(200, { status: "ok", time: new Date().toISOString() }),
  // The document is built on the first request for it, not at cold start.
  "GET /v1/openapi.json": async () => json(200, (await import("./openapi.ts")).openApiDocument()),
  ...taskRoutes(deps),
  ...queueRoutes(deps),
  ...keyRoutes(deps),
  ...taskTypeRoutes(),
  ...scheduleRoutes(deps),
  ...monitorRoutes(),
  // The Celery-compatible routes serve callers still migrating: loaded on their first request.
  ...lazyRouteHandlers(celeryCompatRoutes.map(routeKeyOf), async () =>
    (await import("./celery-compat-routes.ts")).celeryCompatRouteHandlers(deps),
  ),
};

const pageRouteKeys = pageRoutes.map((route): PageRouteKey => `${route.method} ${route.path}`);
const missingHandlers = [...apiRoutes.map(routeKeyOf), ...pageRouteKeys].filter((key) => !routeHandlers[key]);
if (missingHandlers.length > 0) throw new Error(`routes without a handler: ${missingHandlers.join(", ")}`);

const scopeOfRoute = new Map<string, RouteScope>([
  ...apiRoutes.map((route): [string, RouteScope] => [routeKeyOf(route), route.scope]),
  ...pageRouteKeys.map((key): [string, RouteScope] => [key, "public"]),
]);
const anonymous: ApiKeyRecord = {
  keyHash: "anonymous",
  name: "anonymous",
  scopes: [],
  createdAt: "1970-01-01T00:00:00.000Z",
};

/** Set when the stage has an edge (CloudFront + WAF): requests that did not pass it are refused. */
const originSecretArn = process.env[originVerifySecretVariable];

export async function routeRequest(event: APIGatewayProxyEventV2): Promise<RouteResult> {
  try {
    if (
      originSecretArn &&
      !cameThroughEdge(header(event, originVerifyHeader), await readSecret(originSecretArn))
    ) {
      throw new ApiError(
        403,
        "forbidden",
        "call the API through its CloudFront URL (the stack's ApiUrl output)",
      );
    }
    const handle = routeHandlers[event.routeKey as keyof RouteHandlers];
    if (!handle) throw notFound(`route ${event.routeKey}`);
    const scope = scopeOfRoute.get(event.routeKey) ?? "admin";
    const caller =
      scope === "public"
        ? anonymous
        : await authenticate(
            header(event, "authorization"),
            deps.apiKeys,
            scope === "key" ? undefined : scope,
          );
    if (scope !== "public") deps.throttle.take(caller.keyHash, caller.ratePerSecond);
    return await handle({ event, caller });
  } catch (error) {
    if (error instanceof ApiError) {
      const response = errorResponse(error);
      if (error.status === 429) {
        const { retryAfterSeconds } = error.details as { retryAfterSeconds: number };
        response.headers = { ...response.headers, "retry-after": String(retryAfterSeconds) };
      }
      return response;
    }
    logger.error("unhandled error", { routeKey: event.routeKey, error: error as Error });
    return errorResponse(new ApiError(500, "internal_error", "internal error; see the API function's logs"));
  }
}

export const handler = middy(routeRequest)
  .use(tracingMiddleware ? [tracingMiddleware] : [])
  .use(injectLambdaContext(logger, { correlationIdPath: apiGatewayRequestIdPath }))
  .use(coldStartMetric());
