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
import { shortIdOf } from "../core/api-keys.ts";
import { authenticate } from "../core/authenticate.ts";
import { defaultNamespace, requestNamespace } from "../core/namespaces.ts";
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
  ...taskTypeRoutes(deps),
  ...scheduleRoutes(deps),
  ...monitorRoutes(),
  // Workflows load with the first workflow request.
  ...lazyRouteHandlers(
    apiRoutes.filter((route) => route.path.startsWith("/v1/workflows")).map(routeKeyOf),
    async () => (await import("./workflow-routes.ts")).workflowRoutes(deps),
  ),
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

/**
 * `?namespace=` is the handler's, not the route's: it is taken out of the
 * query before the route validates it, so every route takes it alike.
 */
function withoutNamespaceQuery(event: APIGatewayProxyEventV2): {
  event: APIGatewayProxyEventV2;
  requested: string | undefined;
} {
  const query = event.queryStringParameters;
  if (!query || !Object.hasOwn(query, "namespace")) return { event, requested: undefined };
  const { namespace: requested, ...rest } = query;
  return { event: { ...event, queryStringParameters: rest }, requested: requested ?? "" };
}

/** A route's result, with who asked and in which namespace, when that got as far as being known. */
interface Answer {
  readonly result: RouteResult;
  readonly caller?: ApiKeyRecord;
  readonly namespace?: string;
}

async function answer(event: APIGatewayProxyEventV2): Promise<Answer> {
  let caller: ApiKeyRecord | undefined;
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
    caller =
      scope === "public"
        ? anonymous
        : await authenticate(
            header(event, "authorization"),
            deps.apiKeys,
            scope === "key" ? undefined : scope,
          );
    if (scope !== "public") deps.throttle.take(caller.keyHash, caller.ratePerSecond);
    const { event: routed, requested } = withoutNamespaceQuery(event);
    const namespace = scope === "public" ? defaultNamespace : requestNamespace(caller, requested);
    return { result: await handle({ event: routed, caller, namespace }), caller, namespace };
  } catch (error) {
    if (error instanceof ApiError) {
      const response = errorResponse(error);
      if (error.status === 429) {
        const { retryAfterSeconds } = error.details as { retryAfterSeconds: number };
        response.headers = { ...response.headers, "retry-after": String(retryAfterSeconds) };
      }
      return { result: response, ...(caller ? { caller } : {}) };
    }
    logger.error("unhandled error", { routeKey: event.routeKey, error: error as Error });
    return {
      result: errorResponse(
        new ApiError(500, "internal_error", "internal error; see the API function's logs"),
      ),
      ...(caller ? { caller } : {}),
    };
  }
}

export async function routeRequest(event: APIGatewayProxyEventV2): Promise<RouteResult> {
  const { result, caller, namespace } = await answer(event);
  // The access line: who called (the key's short id, never the key), in which namespace, what, and the status.
  const known = caller !== undefined && caller !== anonymous;
  logger.info("request", {
    routeKey: event.routeKey,
    status: result.statusCode,
    ...(known ? { keyId: shortIdOf(caller), keyName: caller.name } : {}),
    ...(known && namespace ? { namespace } : {}),
  });
  return result;
}

export const handler = middy(routeRequest)
  .use(tracingMiddleware ? [tracingMiddleware] : [])
  .use(injectLambdaContext(logger, { correlationIdPath: apiGatewayRequestIdPath }))
  .use(coldStartMetric());
