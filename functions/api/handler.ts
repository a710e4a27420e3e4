/**
 * The API function: API Gateway HTTP API (payload v2) -> route -> use case.
 * Thin: it authenticates, parses, calls a use case and formats the answer.
 */
import { randomUUID } from "node:crypto";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { dynamoDocumentClient, sqsClient } from "../adapters/aws-clients.ts";
import { createDynamoApiKeyStore } from "../adapters/dynamodb-api-key-store.ts";
import { createDynamoTaskStore } from "../adapters/dynamodb-task-store.ts";
import { numberFromEnv, requireEnv } from "../adapters/environment.ts";
import { logger, logInfo } from "../adapters/logger.ts";
import { createSqsTaskQueue, laneQueueUrlsFromEnv } from "../adapters/sqs-task-queue.ts";
import { notFound } from "../core/api-error.ts";
import { authenticate } from "../core/authenticate.ts";
import { parseSubmission } from "../core/submission.ts";
import { submitTask } from "../core/submit-task.ts";
import { laneNames } from "../tasks/lanes.ts";
import { ApiError, errorResponse, header, json, readJsonBody } from "./http.ts";
import { apiRoutes, type RouteKey, routeKeyOf } from "./routes.ts";

const store = createDynamoTaskStore(dynamoDocumentClient, {
  tableName: requireEnv("TASK_TABLE_NAME"),
  resultTtlSeconds: numberFromEnv("RESULT_TTL_DAYS", 7) * 86_400,
});
const queue = createSqsTaskQueue(sqsClient, laneQueueUrlsFromEnv(laneNames));
const apiKeys = createDynamoApiKeyStore(dynamoDocumentClient, requireEnv("API_KEY_TABLE_NAME"));

type RouteHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const routeHandlers: Record<RouteKey, RouteHandler> = {
  "GET /v1/health": async () => json(200, { status: "ok", time: new Date().toISOString() }),

  "POST /v1/tasks": async (event) => {
    const submission = parseSubmission(readJsonBody(event));
    const task = await submitTask(submission, {
      store,
      queue,
      now: () => new Date(),
      newId: randomUUID,
      log: logInfo,
    });
    return json(202, task);
  },

  "GET /v1/tasks/{id}": async (event) => {
    const id = event.pathParameters?.id ?? "";
    const task = id.length <= 100 ? await store.get(id) : undefined;
    if (!task) throw notFound(`task ${id}`);
    return json(200, task);
  },
};

const authenticatedRoutes = new Set<string>(
  apiRoutes.filter((route) => route.authenticated).map((route) => routeKeyOf(route)),
);

export async function routeRequest(
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const handle = routeHandlers[event.routeKey as RouteKey];
    if (!handle) throw notFound(`route ${event.routeKey}`);
    if (authenticatedRoutes.has(event.routeKey)) await authenticate(header(event, "authorization"), apiKeys);
    return await handle(event);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    logger.error("unhandled error", { routeKey: event.routeKey, error: error as Error });
    return errorResponse(new ApiError(500, "internal_error", "internal error; see the API function's logs"));
  }
}

export const handler = middy(routeRequest).use(injectLambdaContext(logger));
