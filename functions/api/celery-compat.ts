/**
 * The original Celery service's HTTP API (FastAPI + Celery 5.3, see
 * docs/migrating-from-celery.md) as a compatibility surface under `/api/v1`:
 * its snake_case bodies, Celery's state names and FastAPI-like answers. This
 * module is the pure part: the route contracts (which routes.ts adds to the
 * route table, so API Gateway, scopes, validation and the OpenAPI document
 * take them like any other), the schemas, and the translations both ways.
 * The handlers (celery-compat-routes.ts) call the same use cases as `/v1`.
 *
 * Pure data and zod schemas, like routes.ts: no AWS adapters.
 */
import * as z from "zod";
import { workerViewSchema } from "../core/manage-workers.ts";
import { maxDelaySeconds } from "../core/submission.ts";
import { type TaskStatus, taskStatuses } from "../core/task.ts";
import { type TaskType, taskInputSchema, taskTypes } from "../tasks/catalog.ts";
import { laneNames, type Priority } from "../tasks/lanes.ts";
import type { RouteContract } from "./routes.ts";
import { idempotencyKeyHeader, pathParameterValue } from "./schemas.ts";

/** The OpenAPI tag of these routes. */
export const celeryCompatTag = "celery-compat";

/** Celery's task states, as `AsyncResult.state` gives them. */
export const celeryStates = ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"] as const;
export type CeleryState = (typeof celeryStates)[number];

/**
 * claw-tasks status -> Celery state. Celery has no state of its own for a
 * task waiting for its ETA (it shows PENDING, as for any task not started),
 * and it revokes a task whose `expires` passed before it started (REVOKED):
 * so `scheduled` reads PENDING and `expired` reads REVOKED. The exact status
 * stays in `claw_status`.
 */
export const celeryStateOf: Readonly<Record<TaskStatus, CeleryState>> = {
  queued: "PENDING",
  scheduled: "PENDING",
  running: "STARTED",
  retrying: "RETRY",
  succeeded: "SUCCESS",
  failed: "FAILURE",
  cancelled: "REVOKED",
  expired: "REVOKED",
};

/** The claw-tasks statuses a Celery state stands for (a list filter). */
export function statusesOfCeleryState(state: CeleryState): TaskStatus[] {
  return taskStatuses.filter((status) => celeryStateOf[status] === state);
}

/**
 * Celery's numeric priority (0-9) -> claw-tasks priority: 7-9 high, 4-6
 * normal, 0-3 low. Higher means more urgent, as on RabbitMQ and as the
 * original's `priority=8` on `ai_high_priority` meant it (Celery's Redis
 * transport reads 0 as the most urgent; the guide says so).
 */
export function priorityOfCelery(priority: number | undefined): Priority {
  if (priority === undefined) return "normal";
  return priority >= 7 ? "high" : priority >= 4 ? "normal" : "low";
}

/** The furthest `expires` in seconds: ten years (a date-time that far is a mistake, not a plan). */
const maxExpiresSeconds = 10 * 365 * 86_400;

const isoTime = z.iso.datetime({ offset: true, error: "an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z" });

/** `apply_async`'s options, as the original's routes and `send_task` take them. */
const celeryOptionsShape = {
  queue: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("The task's lane; checked against the catalog (a wrong one is a 400 naming the right one)."),
  priority: z
    .int()
    .min(0)
    .max(9)
    .optional()
    .describe("Celery's 0-9, higher more urgent: 7-9 high, 4-6 normal, 0-3 low; absent: normal."),
  countdown: z.number().min(0).max(maxDelaySeconds).optional().describe("Seconds to wait before running."),
  eta: isoTime.optional().describe("When to run (instead of countdown)."),
  expires: z
    .union([z.number().positive().max(maxExpiresSeconds), isoTime])
    .optional()
    .describe("Seconds from now, or a date-time: a task not started by then ends REVOKED (expired)."),
};
const celeryOptions = z.object(celeryOptionsShape);
export type CeleryOptions = z.output<typeof celeryOptions>;
export const celeryOptionKeys = Object.keys(celeryOptionsShape);

/** `userMessage` -> `user_message`. */
export const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
/** `user_message` -> `userMessage`. */
export const camelCase = (key: string) =>
  key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

/** Inputs' keys whose values are the caller's own maps: their keys are data, not field names. */
const opaqueKeys = new Set(["payload", "metadata", "value", "tags"]);

/** A snake_case input (Celery kwargs) in the catalog's camelCase, keys of caller-owned maps left as they are. */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      const name = camelCase(key);
      return [name, opaqueKeys.has(name) ? item : camelCaseKeys(item)];
    }),
  );
}

/** The AI generation input with the original's snake_case names, and the Celery options. */
const generateInputShape = taskInputSchema("generate_ai_response").shape;
export const celeryGenerateBody = z.strictObject({
  ...Object.fromEntries(Object.entries(generateInputShape).map(([key, schema]) => [snakeCase(key), schema])),
  ...celeryOptionsShape,
}) as unknown as z.ZodType<
  { conversation_id: string; user_message: string } & Record<string, unknown> & CeleryOptions
>;

/** `send_task` over HTTP: what the Python client sends. */
export const celerySendBody = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .describe(`The task type: ${taskTypes.join(", ")}.`),
  args: z
    .array(z.unknown())
    .max(0, "positional arguments are not supported: pass the task's fields as kwargs")
    .optional(),
  kwargs: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("The task's input (snake_case or camelCase)."),
  ...celeryOptionsShape,
  task_id: idempotencyKeyHeader
    .optional()
    .describe(
      "Sent as the Idempotency-Key: the same task_id and body within 24 h return the first task. The task's own id is the server's.",
    ),
});

const celeryTimestamp = isoTime.nullable();

/** A task as the original's status route answered, plus what claw-tasks knows besides. */
export const celeryTaskSchema = z
  .object({
    task_id: z.string(),
    name: z.enum(taskTypes).describe("The task type (Celery's task name)."),
    status: z.enum(celeryStates),
    state: z.enum(celeryStates).describe("The same as status (Celery's AsyncResult has both)."),
    claw_status: z.enum(taskStatuses).describe("The exact claw-tasks status behind the Celery state."),
    result: z.unknown().describe("The task's return value on SUCCESS; null otherwise."),
    info: z
      .unknown()
      .describe(
        "As Celery's AsyncResult.info: the result on SUCCESS, {exc_type, exc_message} on FAILURE, progress {percent, message} while STARTED/RETRY, {reason} when REVOKED; null otherwise.",
      ),
    error: z.string().nullable().describe("`type: message` of the last error on FAILURE (and RETRY)."),
    traceback: z.null().describe("Always null: stack traces stay in the worker's logs."),
    date_done: celeryTimestamp,
    date_created: isoTime,
    date_started: celeryTimestamp,
    eta: celeryTimestamp,
    expires: celeryTimestamp,
    queue: z.enum(laneNames),
    priority: z.enum(["high", "normal", "low"]),
    retries: z.int().min(0).describe("Attempts after the first."),
  })
  .meta({ description: "A task in Celery's terms." });

export const celerySubmitResponseSchema = celeryTaskSchema
  .pick({ task_id: true, name: true, status: true, queue: true, priority: true, eta: true })
  .extend({ message: z.string() });

export const celeryTaskPageSchema = z.object({
  tasks: z.array(celeryTaskSchema),
  count: z.int().min(0).describe("Tasks on this page."),
  next_cursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last."),
});

export const celeryListQuery = z.strictObject({
  status: z.enum(celeryStates).optional(),
  name: z.enum(taskTypes).optional().describe("Only tasks of this type."),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(400).optional(),
});

export const celeryControlResponseSchema = z.object({
  task_id: z.string(),
  status: z.enum(celeryStates),
  message: z.string(),
});

const celeryCounts = z.partialRecord(z.enum(celeryStates), z.int().min(0));
export const celeryStatsSchema = z.object({
  total: z.int().min(0),
  by_status: celeryCounts,
  by_task: z.partialRecord(z.enum(taskTypes), celeryCounts),
  queues: z.partialRecord(
    z.enum(laneNames),
    z.object({
      messages: z.int().min(0),
      in_flight: z.int().min(0),
      delayed: z.int().min(0),
      dead_letters: z.int().min(0),
    }),
  ),
  time: isoTime,
});

export const celeryWorkerSchema = z.object({
  queue: z.enum(laneNames),
  function: workerViewSchema.shape.function,
  status: z.enum(["online", "paused"]),
  enabled: z.boolean(),
  concurrency: z.int().nullable(),
  active: z.int().min(0).describe("Tasks taken and not yet done."),
  reserved: z.int().min(0).describe("Tasks waiting in the queue."),
  delayed: z.int().min(0),
  dead_letters: z.int().min(0),
  last_activity_at: z.string().nullable(),
});
export const celeryWorkerListSchema = z.object({ workers: z.array(celeryWorkerSchema) });

/** The error body of these routes: FastAPI's `detail`, and the API's own `error` beside it. */
export const celeryErrorSchema = z.object({
  detail: z
    .union([z.string(), z.array(z.object({ loc: z.array(z.string()), msg: z.string(), type: z.string() }))])
    .describe("FastAPI's shape: a message, or one entry per bad field (loc names it)."),
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const compat = { tag: celeryCompatTag, errorSchema: celeryErrorSchema } as const;
const taskIdParam = { task_id: pathParameterValue };
const queueParam = { queue: z.enum(laneNames) };

/** The original's routes; routes.ts appends them to the route table. */
export const celeryCompatRoutes = [
  {
    ...compat,
    method: "POST",
    path: "/api/v1/tasks/ai/generate",
    scope: "submit",
    operationId: "celeryGenerateAiResponse",
    summary: "The original's AI generation route: snake_case body, answers the task id in Celery's terms.",
    body: celeryGenerateBody,
    responses: { 200: { description: "Submitted.", schema: celerySubmitResponseSchema } },
    errors: [400, 409, 413, 503],
  },
  {
    ...compat,
    method: "POST",
    path: "/api/v1/tasks/send",
    scope: "submit",
    operationId: "celerySendTask",
    summary:
      "Celery's send_task over HTTP: a task by name with kwargs, queue, priority 0-9, countdown, eta, expires.",
    body: celerySendBody,
    responses: { 200: { description: "Submitted.", schema: celerySubmitResponseSchema } },
    errors: [400, 409, 413, 503],
  },
  {
    ...compat,
    method: "GET",
    path: "/api/v1/tasks/status/{task_id}",
    scope: "read",
    operationId: "celeryTaskStatus",
    summary: "A task's state, result, error and progress in Celery's terms.",
    params: taskIdParam,
    responses: { 200: { description: "The task.", schema: celeryTaskSchema } },
    errors: [404],
  },
  {
    ...compat,
    method: "GET",
    path: "/api/v1/tasks",
    scope: "read",
    operationId: "celeryListTasks",
    summary: "Tasks, newest first, filtered by Celery state and task name.",
    query: celeryListQuery,
    responses: { 200: { description: "A page of tasks.", schema: celeryTaskPageSchema } },
    errors: [400],
  },
  {
    ...compat,
    method: "POST",
    path: "/api/v1/tasks/cancel/{task_id}",
    scope: "submit",
    operationId: "celeryCancelTask",
    summary: "Revoke a task: a waiting one at once, a running one through its AbortSignal.",
    params: taskIdParam,
    responses: { 200: { description: "Revoked, or revoke requested.", schema: celeryControlResponseSchema } },
    errors: [404, 409],
  },
  {
    ...compat,
    method: "POST",
    path: "/api/v1/tasks/retry/{task_id}",
    scope: "submit",
    operationId: "celeryRetryTask",
    summary: "Run a FAILURE or REVOKED task again under its id.",
    params: taskIdParam,
    responses: { 200: { description: "Queued again.", schema: celeryControlResponseSchema } },
    errors: [404, 409, 503],
  },
  {
    ...compat,
    method: "GET",
    path: "/api/v1/tasks/stats",
    scope: "read",
    operationId: "celeryStats",
    summary: "Counts by Celery state and task name, and each queue's depth.",
    responses: { 200: { description: "Counts and depths.", schema: celeryStatsSchema } },
    errors: [],
  },
  {
    ...compat,
    method: "GET",
    path: "/api/v1/tasks/workers",
    scope: "read",
    operationId: "celeryListWorkers",
    summary: "Each queue's worker: online or paused, concurrency, active and reserved tasks.",
    responses: { 200: { description: "The workers.", schema: celeryWorkerListSchema } },
    errors: [],
  },
  {
    ...compat,
    method: "POST",
    path: "/api/v1/tasks/workers/{queue}/pause",
    scope: "admin",
    operationId: "celeryPauseWorker",
    summary: "Stop a queue's worker taking tasks (Celery's cancel_consumer); its tasks wait.",
    params: queueParam,
    responses: { 200: { description: "The worker.", schema: celeryWorkerSchema } },
    errors: [404],
  },
  {
    ...compat,
    method: "POST",
    path: "/api/v1/tasks/workers/{queue}/resume",
    scope: "admin",
    operationId: "celeryResumeWorker",
    summary: "Let a paused queue's worker take tasks again (Celery's add_consumer).",
    params: queueParam,
    responses: { 200: { description: "The worker.", schema: celeryWorkerSchema } },
    errors: [404],
  },
] as const satisfies readonly RouteContract[];

/** Checks `queue` against the type's lane: a wrong one names the right one. */
export function laneMismatch(type: TaskType, lane: string, queue: string | undefined): string | undefined {
  if (queue === undefined || queue === lane) return undefined;
  return `task ${type} runs on queue ${lane}, not ${queue}: use queue="${lane}" or leave queue out`;
}
