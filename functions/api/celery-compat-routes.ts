/**
 * Handlers of the original Celery service's routes (`/api/v1`, contracts in
 * celery-compat.ts): they translate the original's bodies into a `/v1`
 * submission or call, run the same use cases, and answer in Celery's terms.
 * Errors raised inside a handler answer FastAPI's `detail` beside the API's
 * own `error`, with field paths in the original's names.
 */
import { logAudit } from "../adapters/logger.ts";
import { ApiError, validationError } from "../core/api-error.ts";
import { submitterOf } from "../core/api-keys.ts";
import { cancelTask, retryTask } from "../core/manage-task.ts";
import { listWorkers, updateWorker, type WorkerView } from "../core/manage-workers.ts";
import { resolvePayload } from "../core/payload.ts";
import { authorizeSubmission, parseSubmission } from "../core/submission.ts";
import { submitTask } from "../core/submit-task.ts";
import type { Task, TaskStatus } from "../core/task.ts";
import { parseOrThrow } from "../core/validation.ts";
import { isTaskType, taskCatalog, taskTypes } from "../tasks/catalog.ts";
import { laneNames } from "../tasks/lanes.ts";
import {
  type CeleryOptions,
  type CeleryState,
  camelCaseKeys,
  celeryGenerateBody,
  celeryListQuery,
  celeryOptionKeys,
  celerySendBody,
  celeryStateOf,
  laneMismatch,
  priorityOfCelery,
  snakeCase,
  statusesOfCeleryState,
} from "./celery-compat.ts";
import type { ApiDeps } from "./dependencies.ts";
import {
  errorResponse,
  json,
  notFoundTask,
  pathParameter,
  type RouteHandler,
  type RouteHandlers,
  type RouteRequest,
  readJsonBody,
} from "./http.ts";
import { listTasks } from "./task-routes.ts";

/** A `/v1` field path in the original's names. */
type PathRenamer = (path: string) => string;

const optionNames: Readonly<Record<string, string>> = {
  type: "name",
  delaySeconds: "countdown",
  runAt: "eta",
  expiresAt: "expires",
};

function renamePath(path: string, inputPrefix: string): string {
  const [head = "", ...rest] = path.split(".");
  if (head === "input") return [inputPrefix, ...rest.map(snakeCase)].filter(Boolean).join(".");
  return [optionNames[head] ?? head, ...rest].join(".");
}

/** Answers an ApiError the way FastAPI would (`detail`), keeping the API's own body beside it. */
function compat(rename: PathRenamer, handle: RouteHandler): RouteHandler {
  return async (request) => {
    try {
      return await handle(request);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const issues = (error.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
      const renamed =
        error.code === "validation_error" && issues
          ? validationError(issues.map((issue) => ({ ...issue, path: rename(issue.path) })))
          : error;
      const detail =
        renamed.code === "validation_error" && issues
          ? issues.map((issue) => ({
              loc: ["body", ...rename(issue.path).split(".").filter(Boolean)],
              msg: issue.message,
              type: renamed.code,
            }))
          : renamed.message;
      const { error: body } = JSON.parse(errorResponse(renamed).body as string) as { error: unknown };
      return json(renamed.status, { detail, error: body });
    }
  };
}

function timeOf(value: string | undefined): string | null {
  return value ?? null;
}

/** A task in Celery's terms (the status route's answer). */
function celeryView(task: Task, result: unknown) {
  const state = celeryStateOf[task.status];
  const error = task.error ? `${task.error.type}: ${task.error.message}` : null;
  let info: unknown = null;
  if (state === "SUCCESS") info = result ?? null;
  else if (state === "FAILURE" && task.error)
    info = { exc_type: task.error.type, exc_message: task.error.message };
  else if (state === "REVOKED") info = { reason: task.status };
  else if (task.progress) info = task.progress;
  return {
    task_id: task.id,
    name: task.type,
    status: state,
    state,
    claw_status: task.status,
    result: state === "SUCCESS" ? (result ?? null) : null,
    info,
    error: state === "FAILURE" || state === "RETRY" ? error : null,
    traceback: null,
    date_done: timeOf(task.finishedAt),
    date_created: task.createdAt,
    date_started: timeOf(task.startedAt),
    eta: timeOf(task.runAt),
    expires: timeOf(task.expiresAt),
    queue: task.lane,
    priority: task.priority,
    retries: Math.max(0, task.attempts - 1),
  };
}

/** The `/v1` submission body for a task type, its input and Celery's options. */
function submissionOf(type: string, input: unknown, options: CeleryOptions, now: Date) {
  if (isTaskType(type)) {
    const mismatch = laneMismatch(type, taskCatalog[type].lane, options.queue);
    if (mismatch) throw validationError([{ path: "queue", message: mismatch }]);
  }
  const { countdown, eta, expires, priority } = options;
  return {
    type,
    input,
    priority: priorityOfCelery(priority),
    ...(countdown === undefined ? {} : { delaySeconds: Math.ceil(countdown) }),
    ...(eta === undefined ? {} : { runAt: eta }),
    ...(expires === undefined
      ? {}
      : {
          expiresAt:
            typeof expires === "number" ? new Date(now.getTime() + expires * 1000).toISOString() : expires,
        }),
  };
}

/** Cursor of the Celery list: which of the state's statuses, and the store's page key within it. */
interface ListCursor {
  readonly index: number;
  readonly after: string | null;
}
const encodeCursor = ({ index, after }: ListCursor) => `${index}.${after ?? ""}`;
function decodeCursor(text: string): ListCursor {
  const match = /^(\d)\.(.*)$/.exec(text);
  if (!match) throw validationError([{ path: "cursor", message: "not a cursor from this API" }]);
  return { index: Number(match[1]), after: match[2] || null };
}

function taskIdOf(event: RouteRequest["event"]): string {
  return pathParameter(event, "task_id");
}

function workerView(worker: WorkerView) {
  return {
    queue: worker.lane,
    function: worker.function,
    status: worker.enabled ? ("online" as const) : ("paused" as const),
    enabled: worker.enabled,
    concurrency: worker.maxConcurrency,
    active: worker.inFlight,
    reserved: worker.backlog,
    delayed: worker.delayed,
    dead_letters: worker.dlqDepth,
    last_activity_at: worker.lastActivityAt,
  };
}

export function celeryCompatRouteHandlers(deps: ApiDeps): RouteHandlers {
  async function submit(request: RouteRequest, body: unknown, taskId: string | undefined) {
    const submission = parseSubmission(body, deps.now());
    authorizeSubmission(submission, { caller: request.caller, echoDiagnostics: deps.echoDiagnostics });
    const { task, replayed } = await submitTask(
      submission,
      deps.inNamespace(request.namespace),
      taskId === undefined ? undefined : { scope: request.caller.keyHash, key: taskId },
      submitterOf(request.caller),
    );
    return json(200, {
      task_id: task.id,
      name: task.type,
      status: celeryStateOf[task.status],
      queue: task.lane,
      priority: task.priority,
      eta: timeOf(task.runAt),
      message: replayed ? "task already submitted with this task_id" : "task submitted",
    });
  }

  async function setWorkerEnabled({ event, caller }: RouteRequest, enabled: boolean) {
    const queue = pathParameter(event, "queue");
    const worker = await updateWorker(queue, { enabled }, deps.workers);
    logAudit("worker.changed", submitterOf(caller), { lane: queue, change: { enabled } });
    return json(200, workerView(worker));
  }

  const inBody = (path: string) => renamePath(path, "");
  const inKwargs = (path: string) => renamePath(path, "kwargs");
  const asIs = (path: string) => path;

  return {
    "POST /api/v1/tasks/ai/generate": compat(inBody, async (request) => {
      const body = parseOrThrow(celeryGenerateBody, readJsonBody(request.event));
      const options = Object.fromEntries(
        Object.entries(body).filter(([key]) => celeryOptionKeys.includes(key)),
      ) as CeleryOptions;
      const input = camelCaseKeys(
        Object.fromEntries(Object.entries(body).filter(([key]) => !celeryOptionKeys.includes(key))),
      );
      return submit(request, submissionOf("generate_ai_response", input, options, deps.now()), undefined);
    }),

    "POST /api/v1/tasks/send": compat(inKwargs, async (request) => {
      const {
        name,
        kwargs,
        task_id,
        args: _args,
        ...options
      } = parseOrThrow(celerySendBody, readJsonBody(request.event));
      if (!isTaskType(name)) {
        throw validationError([{ path: "type", message: `unknown task; known: ${taskTypes.join(", ")}` }]);
      }
      return submit(request, submissionOf(name, camelCaseKeys(kwargs ?? {}), options, deps.now()), task_id);
    }),

    "GET /api/v1/tasks/status/{task_id}": compat(asIs, async ({ event, namespace }) => {
      const id = taskIdOf(event);
      const scoped = deps.inNamespace(namespace);
      const task = await scoped.store.get(id);
      if (!task) throw notFoundTask(id);
      return json(
        200,
        celeryView(task, await resolvePayload(task.result, task.resultPayload, scoped.payloads)),
      );
    }),

    "GET /api/v1/tasks": compat(asIs, async ({ event, namespace }) => {
      const query = parseOrThrow(celeryListQuery, event.queryStringParameters ?? {});
      // A Celery state may stand for two statuses (PENDING: queued, scheduled): they are listed one after the other.
      const statuses: (TaskStatus | undefined)[] = query.status
        ? statusesOfCeleryState(query.status)
        : [undefined];
      let cursor = query.cursor ? decodeCursor(query.cursor) : { index: 0, after: null };
      if (cursor.index >= statuses.length)
        throw validationError([{ path: "cursor", message: "not a cursor for this status" }]);
      const tasks: Task[] = [];
      let next: ListCursor | null = null;
      while (tasks.length < query.limit) {
        const status = statuses[cursor.index];
        const page = await listTasks(
          deps.inNamespace(namespace),
          { ...(status ? { status } : {}), ...(query.name ? { type: query.name } : {}) },
          query.limit - tasks.length,
          cursor.after ?? undefined,
        );
        tasks.push(...page.items);
        if (page.nextCursor) next = { index: cursor.index, after: page.nextCursor };
        else if (cursor.index + 1 < statuses.length) next = { index: cursor.index + 1, after: null };
        else next = null;
        if (!next) break;
        cursor = next;
      }
      return json(200, {
        tasks: tasks.map((task) => celeryView(task, task.result)),
        count: tasks.length,
        next_cursor: next ? encodeCursor(next) : null,
      });
    }),

    "POST /api/v1/tasks/cancel/{task_id}": compat(asIs, async ({ event, namespace }) => {
      const { task, immediate } = await cancelTask(taskIdOf(event), deps.inNamespace(namespace));
      return json(200, {
        task_id: task.id,
        status: celeryStateOf[task.status],
        message: immediate ? "task revoked" : "revoke requested: the running task's AbortSignal fires",
      });
    }),

    "POST /api/v1/tasks/retry/{task_id}": compat(asIs, async ({ event, namespace }) => {
      const task = await retryTask(taskIdOf(event), deps.inNamespace(namespace));
      return json(200, {
        task_id: task.id,
        status: celeryStateOf[task.status],
        message: "task queued again",
      });
    }),

    "GET /api/v1/tasks/stats": compat(asIs, async ({ namespace }) => {
      const [counts, depths] = await Promise.all([
        deps.inNamespace(namespace).store.counts(),
        Promise.all(laneNames.map((lane) => deps.lanes.depth(lane))),
      ]);
      const inCelery = (byStatus: Partial<Record<TaskStatus, number>>) => {
        const sums: Partial<Record<CeleryState, number>> = {};
        for (const [status, count] of Object.entries(byStatus) as [TaskStatus, number][]) {
          const state = celeryStateOf[status];
          sums[state] = (sums[state] ?? 0) + count;
        }
        return sums;
      };
      return json(200, {
        total: Object.values(counts.byStatus).reduce((sum, count) => sum + (count ?? 0), 0),
        by_status: inCelery(counts.byStatus),
        by_task: Object.fromEntries(
          Object.entries(counts.byType).map(([type, byStatus]) => [type, inCelery(byStatus ?? {})]),
        ),
        queues: Object.fromEntries(
          depths.map((depth) => [
            depth.lane,
            {
              messages: depth.visible,
              in_flight: depth.inFlight,
              delayed: depth.delayed,
              dead_letters: depth.deadLetters,
            },
          ]),
        ),
        time: deps.now().toISOString(),
      });
    }),

    "GET /api/v1/tasks/workers": compat(asIs, async () =>
      json(200, { workers: (await listWorkers(deps.workers)).items.map(workerView) }),
    ),

    "POST /api/v1/tasks/workers/{queue}/pause": compat(asIs, (request) => setWorkerEnabled(request, false)),

    "POST /api/v1/tasks/workers/{queue}/resume": compat(asIs, (request) => setWorkerEnabled(request, true)),
  };
}
