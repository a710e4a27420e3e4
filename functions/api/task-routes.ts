/**
 * Routes about tasks: submit (plus the AI shortcut), list, read, cancel, retry.
 */

import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { validationError } from "../core/api-error.ts";
import { cancelTask, retryTask } from "../core/manage-task.ts";
import { resolvePayload } from "../core/payload.ts";
import { parseSubmission, submissionOptions } from "../core/submission.ts";
import { type IdempotencyRequest, submitTask } from "../core/submit-task.ts";
import { parseOrThrow } from "../core/validation.ts";
import type { ApiDeps } from "./dependencies.ts";
import {
  header,
  json,
  notFoundTask,
  pathParameter,
  type RouteHandlers,
  type RouteRequest,
  readJsonBody,
} from "./http.ts";
import { idempotencyKeyHeader, listTasksQuery } from "./schemas.ts";

/** A store's page key as the API's opaque cursor. */
export const cursorOf = (key: string) => Buffer.from(key, "utf8").toString("base64url");
/** The store's page key of a cursor from this API; a 400 naming `cursor` for anything else. */
export function keyOfCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^\d{4}-\d\d-\d\dT[\d:.]+Z#.+$/.test(key))
    throw validationError([{ path: "cursor", message: "not a cursor from this API" }]);
  return key;
}

function idempotencyOf(event: APIGatewayProxyEventV2, scope: string): IdempotencyRequest | undefined {
  const key = header(event, "idempotency-key");
  if (key === undefined) return undefined;
  return { scope, key: parseOrThrow(idempotencyKeyHeader, key, ["Idempotency-Key"]) };
}

/** Keys of the AI shortcut's body that are submission options rather than input. */
const submissionOptionKeys = Object.keys(submissionOptions.shape);

export function taskRoutes(deps: ApiDeps): RouteHandlers {
  async function submit(request: RouteRequest, body: unknown) {
    const submission = parseSubmission(body, deps.now());
    const { task, replayed } = await submitTask(
      submission,
      deps,
      idempotencyOf(request.event, request.caller.keyHash),
    );
    if (!replayed) deps.recordSubmitted(task);
    const response = json(202, task);
    if (replayed) response.headers = { ...response.headers, "idempotent-replayed": "true" };
    return response;
  }

  return {
    "POST /v1/tasks": (request) => submit(request, readJsonBody(request.event)),

    "POST /v1/tasks/ai/generate": async (request) => {
      const body = readJsonBody(request.event);
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw validationError([{ path: "", message: "expected a JSON object" }]);
      }
      const options = Object.fromEntries(
        Object.entries(body).filter(([key]) => submissionOptionKeys.includes(key)),
      );
      const input = Object.fromEntries(
        Object.entries(body).filter(([key]) => !submissionOptionKeys.includes(key)),
      );
      return submit(request, { ...options, type: "generate_ai_response", input });
    },

    "GET /v1/tasks": async ({ event }) => {
      const query = parseOrThrow(listTasksQuery, event.queryStringParameters ?? {});
      const tag = query.tag
        ? {
            key: query.tag.slice(0, query.tag.indexOf(":")),
            value: query.tag.slice(query.tag.indexOf(":") + 1),
          }
        : undefined;
      const page = await deps.store.list(
        {
          ...(query.status ? { status: query.status } : {}),
          ...(query.type ? { type: query.type } : {}),
          ...(tag ? { tag } : {}),
        },
        query.limit,
        query.cursor ? keyOfCursor(query.cursor) : undefined,
      );
      return json(200, { items: page.items, nextCursor: page.nextCursor ? cursorOf(page.nextCursor) : null });
    },

    "GET /v1/tasks/{id}": async ({ event }) => {
      const id = pathParameter(event, "id");
      const task = id.length <= 200 ? await deps.store.get(id) : undefined;
      if (!task) throw notFoundTask(id);
      // Large inputs and results live in S3; one task's view shows them in full.
      const [input, result] = await Promise.all([
        resolvePayload(task.input, deps.payloads),
        resolvePayload(task.result, deps.payloads),
      ]);
      return json(200, { ...task, input, ...(task.result === undefined ? {} : { result }) });
    },

    "POST /v1/tasks/{id}/cancel": async ({ event }) => {
      const { task, immediate } = await cancelTask(pathParameter(event, "id"), deps);
      return json(immediate ? 200 : 202, task);
    },

    "POST /v1/tasks/{id}/retry": async ({ event }) =>
      json(202, await retryTask(pathParameter(event, "id"), deps)),
  };
}
