/**
 * Routes about tasks: submit (plus the AI shortcut), list, read, cancel, retry.
 */

import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { validationError } from "../core/api-error.ts";
import { submitterOf } from "../core/api-keys.ts";
import { cancelTask, retryTask } from "../core/manage-task.ts";
import { resolvePayload } from "../core/payload.ts";
import { InvalidCursor, type TaskListFilter, type TaskPage } from "../core/ports.ts";
import { authorizeSubmission, parseSubmission, submissionOptions } from "../core/submission.ts";
import { type IdempotencyRequest, submitTask } from "../core/submit-task.ts";
import { taskView } from "../core/task-view.ts";
import { parseOrThrow } from "../core/validation.ts";
import type { ApiDeps, NamespaceDeps } from "./dependencies.ts";
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

/** A page of the task listing; a cursor the store did not make is a 400 naming `cursor`. */
export function listTasks(
  deps: Pick<NamespaceDeps, "store">,
  filter: TaskListFilter,
  limit: number,
  cursor: string | undefined,
): Promise<TaskPage> {
  return deps.store.list(filter, limit, cursor).catch((error: unknown) => {
    if (error instanceof InvalidCursor) throw validationError([{ path: "cursor", message: error.message }]);
    throw error;
  });
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
    authorizeSubmission(submission, { caller: request.caller, echoDiagnostics: deps.echoDiagnostics });
    const { task, replayed } = await submitTask(
      submission,
      deps.inNamespace(request.namespace),
      idempotencyOf(request.event, request.caller.keyHash),
      submitterOf(request.caller),
    );
    const response = json(202, taskView(task));
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

    "GET /v1/tasks": async ({ event, namespace }) => {
      const query = parseOrThrow(listTasksQuery, event.queryStringParameters ?? {});
      const tag = query.tag
        ? {
            key: query.tag.slice(0, query.tag.indexOf(":")),
            value: query.tag.slice(query.tag.indexOf(":") + 1),
          }
        : undefined;
      const page = await listTasks(
        deps.inNamespace(namespace),
        {
          ...(query.status ? { status: query.status } : {}),
          ...(query.type ? { type: query.type } : {}),
          ...(tag ? { tag } : {}),
        },
        query.limit,
        query.cursor,
      );
      return json(200, { items: page.items.map(taskView), nextCursor: page.nextCursor });
    },

    "GET /v1/tasks/{id}": async ({ event, namespace }) => {
      const id = pathParameter(event, "id");
      const scoped = deps.inNamespace(namespace);
      const task = await scoped.store.get(id);
      if (!task) throw notFoundTask(id);
      // Large inputs and results live in S3; one task's view shows them in full.
      // Only the server's own locations are followed: an input or result that looks like a placeholder is shown as it is.
      const [input, result] = await Promise.all([
        resolvePayload(task.input, task.inputPayload, scoped.payloads),
        resolvePayload(task.result, task.resultPayload, scoped.payloads),
      ]);
      return json(200, taskView({ ...task, input, ...(task.result === undefined ? {} : { result }) }));
    },

    "POST /v1/tasks/{id}/cancel": async ({ event, namespace }) => {
      const { task, immediate } = await cancelTask(pathParameter(event, "id"), deps.inNamespace(namespace));
      return json(immediate ? 200 : 202, taskView(task));
    },

    "POST /v1/tasks/{id}/retry": async ({ event, namespace }) =>
      json(202, taskView(await retryTask(pathParameter(event, "id"), deps.inNamespace(namespace)))),
  };
}
