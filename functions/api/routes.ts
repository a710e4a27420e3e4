/**
 * The HTTP API's routes, as data. The CDK api construct creates one API
 * Gateway route per entry, the API handler maps each to its use case and
 * checks the caller's key for the route's scope, and
 * the OpenAPI document (openapi.ts) is generated from the schemas attached
 * here, the same ones the handlers validate with. So the list is written once.
 *
 * Pure data and zod schemas: the CDK app and the client's type declarations
 * load it, so it must not import AWS adapters.
 */
import * as z from "zod";
import type { Scope } from "../core/authenticate.ts";
import { workerChangeBody, workerViewSchema } from "../core/manage-workers.ts";
import {
  scheduleCreationBody,
  scheduleListQuery,
  scheduleName,
  schedulePatchBody,
  scheduleViewSchema,
} from "../core/schedule-schemas.ts";
import { aiGenerateRequestSchema, submissionRequestSchema } from "../core/submission.ts";
import { taskSchema } from "../core/task.ts";
import {
  workflowListQuery,
  workflowNodePageSchema,
  workflowNodesQuery,
  workflowPageSchema,
  workflowRequestSchema,
  workflowViewSchema,
} from "../core/workflow.ts";
import { identifier, taskTypes } from "../tasks/catalog.ts";
import { laneNames } from "../tasks/lanes.ts";
import { celeryCompatRoutes } from "./celery-compat.ts";
import {
  activityQuery,
  activitySchema,
  apiKeyListSchema,
  apiKeySchema,
  callerKeySchema,
  conversationPageSchema,
  conversationQuery,
  createdApiKeySchema,
  healthSchema,
  idempotencyKeyHeader,
  listTasksQuery,
  newKeyBody,
  openApiDocumentSchema,
  queueListSchema,
  rateLimitBody,
  rateLimitListSchema,
  rateLimitSchema,
  redriveResultSchema,
  schedulePageSchema,
  searchQuery,
  searchResultSchema,
  statsSchema,
  taskPageSchema,
  workerListSchema,
} from "./schemas.ts";

/** The scope a route needs; `key` routes take any valid key, `public` routes none. */
export type RouteScope = Scope | "key" | "public";

export interface RouteResponse {
  readonly description: string;
  /** The JSON body's schema; null for no body. */
  readonly schema: z.ZodType | null;
}

/** What a route takes and answers, for validation and for the OpenAPI document. */
export interface RouteContract {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** `/v1/...`, or `/api/v1/...` for the original Celery service's routes (celery-compat.ts). */
  readonly path: `/v1/${string}` | `/api/v1/${string}`;
  /** The OpenAPI tag; absent: the native API's. */
  readonly tag?: string;
  /** The error body's schema, when not the API's own `{error}`. */
  readonly errorSchema?: z.ZodType;
  /** The scope the caller's key needs; `key` routes take any valid key, `public` routes none. */
  readonly scope: RouteScope;
  /** Unique, camelCase: the OpenAPI operationId and the client method's model. */
  readonly operationId: string;
  readonly summary: string;
  /** Schemas of path parameters that are not free strings. */
  readonly params?: Readonly<Record<string, z.ZodType>>;
  readonly query?: z.ZodObject;
  readonly headers?: Readonly<Record<string, z.ZodType>>;
  readonly body?: z.ZodType;
  /** Success responses by status. */
  readonly responses: Readonly<Record<number, RouteResponse>>;
  /** Error statuses the route answers with the error body, besides 401 and 429 (routes with a key), 403 (routes naming a scope) and 500. */
  readonly errors: readonly number[];
}

const task = (description: string): RouteResponse => ({ description, schema: taskSchema });
const submitHeaders = { "Idempotency-Key": idempotencyKeyHeader };
const taskTypeParam = { type: z.enum(taskTypes) };

export const apiRoutes = [
  {
    method: "GET",
    path: "/v1/health",
    scope: "public",
    operationId: "health",
    summary: "Liveness; the only route without authentication.",
    responses: { 200: { description: "Up.", schema: healthSchema } },
    errors: [],
  },
  {
    method: "GET",
    path: "/v1/openapi.json",
    scope: "read",
    operationId: "openApi",
    summary: "This document.",
    responses: { 200: { description: "The OpenAPI 3.1 document.", schema: openApiDocumentSchema } },
    errors: [],
  },
  {
    method: "GET",
    path: "/v1/whoami",
    scope: "key",
    operationId: "whoAmI",
    summary: "The calling key: its name and scopes (the monitor shows only the actions they allow).",
    responses: { 200: { description: "The key (no secret).", schema: callerKeySchema } },
    errors: [],
  },
  {
    method: "POST",
    path: "/v1/tasks",
    scope: "submit",
    operationId: "submitTask",
    summary: "Submit a task; its input is checked against its type's schema.",
    headers: submitHeaders,
    body: submissionRequestSchema,
    responses: { 202: task("Accepted (or, with a known Idempotency-Key, the original task).") },
    errors: [400, 409, 413, 503],
  },
  {
    method: "GET",
    path: "/v1/tasks",
    scope: "read",
    operationId: "listTasks",
    summary: "Tasks, newest first, one page at a time.",
    query: listTasksQuery,
    responses: { 200: { description: "A page of tasks.", schema: taskPageSchema } },
    errors: [400],
  },
  {
    method: "POST",
    path: "/v1/tasks/ai/generate",
    scope: "submit",
    operationId: "generateAiResponse",
    summary: "Shortcut: submit a generate_ai_response task with its input and options side by side.",
    headers: submitHeaders,
    body: aiGenerateRequestSchema,
    responses: { 202: task("Accepted.") },
    errors: [400, 409, 413, 503],
  },
  {
    method: "GET",
    path: "/v1/tasks/{id}",
    scope: "read",
    operationId: "getTask",
    summary: "One task, large input and result read back in full.",
    responses: { 200: task("The task.") },
    errors: [404],
  },
  {
    method: "POST",
    path: "/v1/tasks/{id}/cancel",
    scope: "submit",
    operationId: "cancelTask",
    summary: "Cancel a task: waiting ones at once, running ones through their AbortSignal.",
    responses: {
      200: task("Cancelled at once (it was waiting)."),
      202: task("Cancel requested; the running attempt's AbortSignal fires and the task ends cancelled."),
    },
    errors: [404, 409],
  },
  {
    method: "POST",
    path: "/v1/workflows",
    scope: "submit",
    operationId: "submitWorkflow",
    summary:
      "Submit a workflow: chain, group, chord, map or a DAG of tasks, every node checked before anything runs (docs/workflows.md).",
    headers: submitHeaders,
    body: workflowRequestSchema,
    responses: {
      202: {
        description: "Accepted (or, with a known Idempotency-Key, the original).",
        schema: workflowViewSchema,
      },
    },
    errors: [400, 409, 413, 503],
  },
  {
    method: "GET",
    path: "/v1/workflows",
    scope: "read",
    operationId: "listWorkflows",
    summary: "Workflows, newest first, one page at a time.",
    query: workflowListQuery,
    responses: { 200: { description: "A page of workflows.", schema: workflowPageSchema } },
    errors: [400],
  },
  {
    method: "GET",
    path: "/v1/workflows/{id}",
    scope: "read",
    operationId: "getWorkflow",
    summary: "A workflow: status, node counts, and its result once it succeeded.",
    responses: { 200: { description: "The workflow.", schema: workflowViewSchema } },
    errors: [404],
  },
  {
    method: "GET",
    path: "/v1/workflows/{id}/nodes",
    scope: "read",
    operationId: "listWorkflowNodes",
    summary: "A workflow's nodes in canvas order, each with its task's status.",
    query: workflowNodesQuery,
    responses: { 200: { description: "A page of nodes.", schema: workflowNodePageSchema } },
    errors: [400, 404],
  },
  {
    method: "POST",
    path: "/v1/workflows/{id}/cancel",
    scope: "submit",
    operationId: "cancelWorkflow",
    summary: "Cancel a workflow and every node of it (running ones through their AbortSignal).",
    responses: { 200: { description: "Cancelled.", schema: workflowViewSchema } },
    errors: [404, 409],
  },
  {
    method: "POST",
    path: "/v1/workflows/{id}/retry",
    scope: "submit",
    operationId: "retryWorkflow",
    summary:
      "Retry the failed part of a failed or cancelled workflow: what succeeded stays, the other nodes run again.",
    responses: { 202: { description: "Running again.", schema: workflowViewSchema } },
    errors: [404, 409],
  },
  {
    method: "POST",
    path: "/v1/tasks/{id}/retry",
    scope: "submit",
    operationId: "retryTask",
    summary: "Queue a failed, cancelled or expired task again under its id, its history kept.",
    responses: { 202: task("Queued again.") },
    errors: [404, 409, 503],
  },
  {
    method: "GET",
    path: "/v1/stats",
    scope: "read",
    operationId: "getStats",
    summary: "Counts by status and by type, and lane depths.",
    responses: { 200: { description: "Counts and depths.", schema: statsSchema } },
    errors: [],
  },
  {
    method: "GET",
    path: "/v1/stats/activity",
    scope: "read",
    operationId: "getActivity",
    summary:
      "Per minute, oldest first, ending with the current one: tasks submitted, started, retried, and ended by status.",
    query: activityQuery,
    responses: { 200: { description: "The minutes.", schema: activitySchema } },
    errors: [400],
  },
  {
    method: "GET",
    path: "/v1/queues",
    scope: "read",
    operationId: "listQueues",
    summary: "Each lane's queues and dead-letter queue.",
    responses: { 200: { description: "Lane depths.", schema: queueListSchema } },
    errors: [],
  },
  {
    method: "POST",
    path: "/v1/queues/{lane}/redrive",
    scope: "admin",
    operationId: "redriveQueue",
    summary: "Move a lane's dead letters back; dead-lettered tasks are queued again.",
    params: { lane: z.enum(laneNames) },
    responses: { 200: { description: "How many messages moved.", schema: redriveResultSchema } },
    errors: [404],
  },
  {
    method: "GET",
    path: "/v1/rate-limits",
    scope: "read",
    operationId: "listRateLimits",
    summary: "Each task type's global rate limit in force.",
    responses: { 200: { description: "Rate limits.", schema: rateLimitListSchema } },
    errors: [],
  },
  {
    method: "PUT",
    path: "/v1/rate-limits/{type}",
    scope: "admin",
    operationId: "setRateLimit",
    summary: "Set a task type's global rate limit at run time (null: unlimited).",
    params: taskTypeParam,
    body: rateLimitBody,
    responses: { 200: { description: "The limit in force.", schema: rateLimitSchema } },
    errors: [400, 404, 413],
  },
  {
    method: "DELETE",
    path: "/v1/rate-limits/{type}",
    scope: "admin",
    operationId: "resetRateLimit",
    summary: "Go back to the catalog's rate limit.",
    params: taskTypeParam,
    responses: { 200: { description: "The limit in force.", schema: rateLimitSchema } },
    errors: [404],
  },
  {
    method: "GET",
    path: "/v1/keys",
    scope: "admin",
    operationId: "listKeys",
    summary: "API keys (no secrets).",
    responses: { 200: { description: "The keys.", schema: apiKeyListSchema } },
    errors: [],
  },
  {
    method: "POST",
    path: "/v1/keys",
    scope: "admin",
    operationId: "createKey",
    summary: "Create an API key; the key itself is shown once, in this answer.",
    body: newKeyBody,
    responses: { 201: { description: "The new key, with its secret.", schema: createdApiKeySchema } },
    errors: [400, 413],
  },
  {
    method: "DELETE",
    path: "/v1/keys/{id}",
    scope: "admin",
    operationId: "revokeKey",
    summary: "Revoke an API key (its id is the SHA-256 of the key).",
    responses: { 200: { description: "The revoked key.", schema: apiKeySchema } },
    errors: [404],
  },
  {
    method: "GET",
    path: "/v1/conversations/{id}",
    scope: "read",
    operationId: "getConversation",
    summary: "A conversation's messages, oldest first, a page at a time.",
    params: { id: identifier },
    query: conversationQuery,
    responses: { 200: { description: "A page of messages.", schema: conversationPageSchema } },
    errors: [400, 404],
  },
  {
    method: "GET",
    path: "/v1/knowledge-bases/{kb}/search",
    scope: "read",
    operationId: "searchKnowledgeBase",
    summary: "The chunks of a knowledge base nearest to a text.",
    params: { kb: identifier },
    query: searchQuery,
    responses: { 200: { description: "The nearest chunks, best first.", schema: searchResultSchema } },
    errors: [400],
  },
  {
    method: "GET",
    path: "/v1/schedules",
    scope: "read",
    operationId: "listSchedules",
    summary: "Dynamic schedules, a page at a time, each with its next fire times.",
    query: scheduleListQuery,
    responses: { 200: { description: "A page of schedules.", schema: schedulePageSchema } },
    errors: [400],
  },
  {
    method: "POST",
    path: "/v1/schedules",
    scope: "admin",
    operationId: "createSchedule",
    summary:
      "Create a schedule: cron(...), rate(...) or at(...) in a time zone, firing a task of the catalog.",
    body: scheduleCreationBody,
    responses: { 201: { description: "The schedule.", schema: scheduleViewSchema } },
    errors: [400, 409, 413],
  },
  {
    method: "GET",
    path: "/v1/schedules/{name}",
    scope: "read",
    operationId: "getSchedule",
    summary: "One schedule with its next fire times.",
    params: { name: scheduleName },
    responses: { 200: { description: "The schedule.", schema: scheduleViewSchema } },
    errors: [404],
  },
  {
    method: "PATCH",
    path: "/v1/schedules/{name}",
    scope: "admin",
    operationId: "updateSchedule",
    summary: "Change a schedule (expression, time zone, task, enabled, description).",
    params: { name: scheduleName },
    body: schedulePatchBody,
    responses: { 200: { description: "The schedule.", schema: scheduleViewSchema } },
    errors: [400, 404, 413],
  },
  {
    method: "DELETE",
    path: "/v1/schedules/{name}",
    scope: "admin",
    operationId: "deleteSchedule",
    summary: "Delete a schedule.",
    params: { name: scheduleName },
    responses: { 204: { description: "Deleted.", schema: null } },
    errors: [404],
  },
  {
    method: "GET",
    path: "/v1/workers",
    scope: "read",
    operationId: "listWorkers",
    summary: "Each lane's worker: enabled, concurrency, backlog, in flight, DLQ depth, last activity.",
    responses: { 200: { description: "The workers.", schema: workerListSchema } },
    errors: [],
  },
  {
    method: "PATCH",
    path: "/v1/workers/{lane}",
    scope: "admin",
    operationId: "updateWorker",
    summary: "Pause or resume a lane's worker, or change its concurrency.",
    params: { lane: z.enum(laneNames) },
    body: workerChangeBody,
    responses: { 200: { description: "The worker.", schema: workerViewSchema } },
    errors: [400, 404, 413],
  },
  ...celeryCompatRoutes,
] as const satisfies readonly RouteContract[];

/**
 * Pages the API function serves besides the JSON API, without a key: the web
 * monitor, whose script then calls the routes above with the key signed in.
 * Not API operations, so not in the OpenAPI document or the client.
 */
export const pageRoutes = [{ method: "GET", path: "/monitor" }] as const;

export type PageRouteKey = `${(typeof pageRoutes)[number]["method"]} ${(typeof pageRoutes)[number]["path"]}`;

export type ApiRoute = (typeof apiRoutes)[number];

/** API Gateway's route key: `METHOD /path/{param}`. */
export type RouteKey = ApiRoute extends infer Route
  ? Route extends ApiRoute
    ? `${Route["method"]} ${Route["path"]}`
    : never
  : never;

export const routeKeyOf = (route: ApiRoute): RouteKey => `${route.method} ${route.path}` as RouteKey;

/** Paths whose routes act in a namespace (core/namespaces.ts); keys, lanes, workers and rate limits are shared. */
const namespacedPaths =
  /^\/(v1\/(tasks|stats|conversations|knowledge-bases|schedules)|api\/v1\/tasks(?!\/workers))(\/|$)/;

/** Whether a route acts in the caller's namespace (an admin key may name another with `?namespace=`). */
export const actsInNamespace = (route: Pick<RouteContract, "path" | "scope">): boolean =>
  route.scope !== "public" && namespacedPaths.test(route.path);
