/**
 * The typed claw-tasks client: plain `fetch`, so it runs on Node 24 and in
 * browsers, with no AWS SDK. Types come from the API's own schemas and the
 * task catalog (type-only imports: nothing of the server is loaded at run
 * time), so `submit("echo", {...})` checks the input against echo's schema.
 */
import type * as z from "zod";
import type {
  healthSchema,
  listTasksQuery,
  queueListSchema,
  rateLimitSchema,
  redriveResultSchema,
  statsSchema,
  taskPageSchema,
} from "../../../functions/api/schemas.ts";
import type {
  ScheduleView,
  scheduleCreationBody,
  schedulePatchBody,
} from "../../../functions/core/manage-schedules.ts";
import type { WorkerView, workerChangeBody } from "../../../functions/core/manage-workers.ts";
import type { submissionOptions } from "../../../functions/core/submission.ts";
import type { Task, TaskStatus } from "../../../functions/core/task.ts";
import type { TaskSubmissionInput, TaskType } from "../../../functions/tasks/catalog.ts";
import type { Lane } from "../../../functions/tasks/lanes.ts";
import {
  ClawTasksApiError,
  ClawTasksConnectionError,
  ClawTasksTimeoutError,
  ClawTasksWorkflowTimeoutError,
  errorOfResponse,
} from "./errors.ts";
import {
  isWorkflowFinished,
  type Workflow,
  type WorkflowCanvas,
  type WorkflowNodePage,
  type WorkflowOptions,
  type WorkflowPage,
  type WorkflowStatus,
} from "./workflows.ts";

export type { Lane, Task, TaskStatus, TaskSubmissionInput, TaskType };
/** A task of a known type. */
export type TaskOf<T extends TaskType> = Task & { readonly type: T };
export type TaskPage = z.output<typeof taskPageSchema>;
export type Stats = z.output<typeof statsSchema>;
export type LaneDepth = z.output<typeof queueListSchema>["items"][number];
export type RateLimit = z.output<typeof rateLimitSchema>;
export type RedriveResult = z.output<typeof redriveResultSchema>;
export type Health = z.output<typeof healthSchema>;

/** Submission options: priority, delaySeconds | runAt, expiresAt, maxAttempts, timeLimits, callbackUrl, tags. */
export type SubmitOptions = z.input<typeof submissionOptions> & {
  /**
   * Sent as `Idempotency-Key`: the same key and body within 24 h return the
   * original task. Default: a random key, so the client's own retries never
   * make two tasks. `false` sends none (the API then skips the key's
   * conditional write: one write unit and one round trip less), and a
   * submit whose answer was lost is not sent again.
   */
  readonly idempotencyKey?: string | false;
};

/** Filters of `list`; `limit` is the page size (at most 100). */
export type ListFilter = Omit<z.input<typeof listTasksQuery>, "cursor" | "limit"> & {
  readonly limit?: number;
  /** Start from this page (a `nextCursor`). */
  readonly cursor?: string;
};

/** The arguments of `submit` after the type: the input may be left out when the type needs none. */
export type SubmitArguments<T extends TaskType> =
  Record<string, never> extends TaskSubmissionInput<T>
    ? [input?: TaskSubmissionInput<T>, options?: SubmitOptions]
    : [input: TaskSubmissionInput<T>, options?: SubmitOptions];

export interface WaitOptions {
  /** Give up after this many milliseconds (ClawTasksTimeoutError). Default: wait as long as it takes. */
  readonly timeout?: number;
  /** Called with the task whenever its status, progress or attempt changes. */
  readonly onProgress?: (task: Task) => void;
  /** Milliseconds between reads; default 500. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

/** `listWorkflows`' filter and page. */
export interface WorkflowListFilter {
  readonly status?: WorkflowStatus;
  /** The page size (the API caps it). */
  readonly limit?: number;
  /** Start from this page (a `nextCursor`). */
  readonly cursor?: string;
}

/** `waitForWorkflow`'s options, as `wait`'s. */
export interface WorkflowWaitOptions {
  /** Give up after this many milliseconds (ClawTasksWorkflowTimeoutError). Default: wait as long as it takes. */
  readonly timeout?: number;
  /** Called with the workflow whenever its status or counts change. */
  readonly onProgress?: (workflow: Workflow) => void;
  /** Milliseconds between reads; default 500. */
  readonly interval?: number;
  readonly signal?: AbortSignal;
}

/** A schedule and its next fire times. */
export type Schedule = ScheduleView;
/** `POST /v1/schedules`: name, expression (`cron(...)`, `rate(...)`, `at(...)`), timezone?, task, enabled?, description?. */
export type ScheduleDefinition = z.input<typeof scheduleCreationBody>;
export type ScheduleChange = z.input<typeof schedulePatchBody>;
/** A lane's worker: enabled, concurrency, backlog, in flight, DLQ depth, last activity. */
export type Worker = WorkerView;
export type WorkerChange = z.input<typeof workerChangeBody>;

export interface ClientOptions {
  /** The API's base URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com` or `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly apiKey: string;
  /**
   * The namespace to act in, sent as `?namespace=` on every request; default:
   * the key's own. Only an admin key may name another (the API answers 403).
   */
  readonly namespace?: string;
  /** Another fetch (tests, proxies); default: the global one. */
  readonly fetch?: typeof fetch;
  /**
   * Retries of 429 (after its Retry-After), 503 and requests that got no
   * answer, with exponential backoff and full jitter; `false` turns them off.
   * A request that got no answer is retried only when repeating it is
   * harmless: reads, PUT/DELETE, and submissions (they carry an
   * Idempotency-Key, so a repeated one returns the first task).
   */
  readonly retry?: RetryOptions | false;
}

export interface RetryOptions {
  /** Retries after the first try; default 4. */
  readonly retries?: number;
  /** Backoff base: the n-th retry waits random(0, min(maxDelayMs, baseDelayMs * 2^(n-1))); default 200. */
  readonly baseDelayMs?: number;
  /** Backoff cap; default 5000. */
  readonly maxDelayMs?: number;
  /** A longer Retry-After than this is not waited for: the 429 is thrown; default 60000. */
  readonly maxRetryAfterMs?: number;
}

interface RequestOptions {
  readonly body?: unknown;
  /** The request may be sent again after no answer (it is idempotent); default: by method. */
  readonly repeatable?: boolean;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
}

const terminal: readonly TaskStatus[] = ["succeeded", "failed", "cancelled", "expired"];

/** True once a task can change no more (unless retried by id). */
export const isFinished = (task: Pick<Task, "status">) => terminal.includes(task.status);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/** The id of a task the API recorded but could not queue (its 503 says which). */
function unsentTaskId(error: unknown): string | undefined {
  if (!(error instanceof ClawTasksApiError) || error.status !== 503) return undefined;
  const taskId = (error.details as { taskId?: unknown } | undefined)?.taskId;
  return typeof taskId === "string" ? taskId : undefined;
}

const changeKey = (task: Task) =>
  JSON.stringify([task.status, task.attempts, task.progress?.percent, task.progress?.message]);

const defaultRetry: Required<RetryOptions> = {
  retries: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 60_000,
};

/** Methods that do the same when sent twice; POST is not, unless the request says so. */
const repeatableMethods = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A random key for a submission that has none: a retried submit must carry the same one. */
const newIdempotencyKey = () => `ct-client-${globalThis.crypto.randomUUID()}`;

export class ClawTasksClient {
  readonly #url: string;
  readonly #apiKey: string;
  readonly #namespace: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #retry: Required<RetryOptions> | undefined;

  constructor(options: ClientOptions) {
    if (!options.url) throw new TypeError("ClawTasksClient: url is required");
    if (!options.apiKey) throw new TypeError("ClawTasksClient: apiKey is required");
    this.#url = options.url.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#namespace = options.namespace;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#retry = options.retry === false ? undefined : { ...defaultRetry, ...options.retry };
  }

  /**
   * One API call, retried as `ClientOptions.retry` says; throws
   * ClawTasksApiError for a non-2xx answer and ClawTasksConnectionError when
   * no answer came.
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const repeatable = options.repeatable ?? repeatableMethods.has(method);
    for (let retry = 1; ; retry++) {
      try {
        return await this.#send<T>(method, path, options);
      } catch (error) {
        const delay = this.#retryDelay(error, retry, repeatable);
        if (delay === undefined || options.signal?.aborted) throw error;
        await sleep(delay, options.signal);
      }
    }
  }

  /** How long to wait before retry number `retry` of a request that failed with `error`; undefined: do not. */
  #retryDelay(error: unknown, retry: number, repeatable: boolean): number | undefined {
    const policy = this.#retry;
    const backoff = this.#backoff(retry);
    if (!policy || backoff === undefined) return undefined;
    if (error instanceof ClawTasksConnectionError) return repeatable ? backoff : undefined;
    if (!(error instanceof ClawTasksApiError) || (error.status !== 429 && error.status !== 503)) {
      return undefined;
    }
    // Sent again as is, a submission the API recorded but could not queue would make a second task.
    if (unsentTaskId(error) !== undefined) return undefined;
    if (error.retryAfterMs === undefined) return backoff;
    if (error.retryAfterMs > policy.maxRetryAfterMs) return undefined;
    // A little jitter on top, so that clients told the same Retry-After do not all come back at once.
    return error.retryAfterMs + Math.random() * Math.min(1_000, policy.baseDelayMs);
  }

  /** Full-jitter backoff before retry number `retry`; undefined once the retries are used up. */
  #backoff(retry: number): number | undefined {
    const policy = this.#retry;
    if (!policy || retry > policy.retries) return undefined;
    return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  }

  async #send<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(name, String(value));
    }
    if (this.#namespace !== undefined && !query.has("namespace")) query.set("namespace", this.#namespace);
    const url = `${this.#url}${path}${query.size > 0 ? `?${query}` : ""}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: "application/json",
      ...options.headers,
    };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ClawTasksConnectionError(this.#url, error);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (!response.ok) {
      throw errorOfResponse(
        `${method} ${path}`,
        response.status,
        body,
        retryAfterMs(response.headers.get("retry-after")),
      );
    }
    return body as T;
  }

  /**
   * Submits a task; the input is typed by the catalog's schema for `type`.
   * Every submission carries an Idempotency-Key (`options.idempotencyKey`, or
   * a random one), so a retry after a lost answer returns the first task
   * instead of making a second. When the API could not queue the task (503
   * with the task's id), the retries re-send that task by id.
   */
  async submit<T extends TaskType>(
    type: T,
    ...[input, options = {}]: SubmitArguments<T>
  ): Promise<TaskOf<T>> {
    const { idempotencyKey = newIdempotencyKey(), ...submission } = options;
    let unsent: string | undefined;
    for (let retry = 1; ; retry++) {
      try {
        if (unsent === undefined) {
          return await this.request("POST", "/v1/tasks", {
            body: { ...submission, type, ...(input === undefined ? {} : { input }) },
            ...(idempotencyKey === false ? {} : { headers: { "Idempotency-Key": idempotencyKey } }),
            repeatable: idempotencyKey !== false,
          });
        }
        // The record exists, marked failed (enqueue_failed): queue that one again rather than a new one.
        return (await this.request("POST", `/v1/tasks/${encodeURIComponent(unsent)}/retry`)) as TaskOf<T>;
      } catch (error) {
        // A retry by id whose answer was lost may have queued it already.
        if (unsent !== undefined && error instanceof ClawTasksApiError && error.status === 409) {
          return (await this.get(unsent)) as TaskOf<T>;
        }
        const id = unsentTaskId(error);
        const delay = id === undefined ? undefined : this.#backoff(retry);
        if (delay === undefined) throw error;
        unsent = id;
        await sleep(delay);
      }
    }
  }

  get(id: string): Promise<Task> {
    return this.request("GET", `/v1/tasks/${encodeURIComponent(id)}`);
  }

  /** Pages of tasks, newest first: `for await (const page of client.list({status: "failed"}))`. */
  async *list(filter: ListFilter = {}, signal?: AbortSignal): AsyncGenerator<TaskPage, void, undefined> {
    let cursor = filter.cursor;
    do {
      const page: TaskPage = await this.request("GET", "/v1/tasks", {
        query: { status: filter.status, type: filter.type, tag: filter.tag, limit: filter.limit, cursor },
        signal,
      });
      yield page;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** Cancels a task: a waiting one ends `cancelled` at once; a running one gets its AbortSignal. */
  cancel(id: string): Promise<Task> {
    return this.request("POST", `/v1/tasks/${encodeURIComponent(id)}/cancel`);
  }

  /** Queues a failed, cancelled or expired task again under its id. */
  retry(id: string): Promise<Task> {
    return this.request("POST", `/v1/tasks/${encodeURIComponent(id)}/retry`);
  }

  /** Reads the task until it is finished and resolves with it, whatever its outcome. */
  async wait(id: string, options: WaitOptions = {}): Promise<Task> {
    const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
    let lastKey: string | undefined;
    for (;;) {
      const task = await this.request<Task>("GET", `/v1/tasks/${encodeURIComponent(id)}`, {
        signal: options.signal,
      });
      const key = changeKey(task);
      if (key !== lastKey) {
        lastKey = key;
        options.onProgress?.(task);
      }
      if (isFinished(task)) return task;
      const wait = options.interval ?? 500;
      if (deadline !== undefined && Date.now() + wait > deadline) {
        throw new ClawTasksTimeoutError(task, options.timeout!);
      }
      await sleep(wait, options.signal);
    }
  }

  /**
   * Submits a workflow (docs/workflows.md): a canvas built with `task`,
   * `chain`, `group`, `chord`, `map` or `dag`. Like `submit`, it carries an
   * Idempotency-Key (`options.idempotencyKey`, or a random one), so a retry
   * after a lost answer returns the first workflow instead of making a second.
   */
  submitWorkflow(canvas: WorkflowCanvas, options: WorkflowOptions = {}): Promise<Workflow> {
    const { idempotencyKey = newIdempotencyKey(), ...rest } = options;
    return this.request("POST", "/v1/workflows", {
      body: { workflow: canvas, ...rest },
      ...(idempotencyKey === false ? {} : { headers: { "Idempotency-Key": idempotencyKey } }),
      repeatable: idempotencyKey !== false,
    });
  }

  /** A workflow: status, counts, and its result or error once ended. */
  getWorkflow(id: string): Promise<Workflow> {
    return this.request("GET", `/v1/workflows/${encodeURIComponent(id)}`);
  }

  /** One page of workflows, newest first. */
  listWorkflows(filter: WorkflowListFilter = {}, signal?: AbortSignal): Promise<WorkflowPage> {
    return this.request("GET", "/v1/workflows", {
      query: { status: filter.status, limit: filter.limit, cursor: filter.cursor },
      signal,
    });
  }

  /** One page of a workflow's nodes, in canvas order; pass `nextCursor` back as `cursor` for the next. */
  listWorkflowNodes(
    id: string,
    page: { readonly limit?: number; readonly cursor?: string } = {},
    signal?: AbortSignal,
  ): Promise<WorkflowNodePage> {
    return this.request("GET", `/v1/workflows/${encodeURIComponent(id)}/nodes`, {
      query: { limit: page.limit, cursor: page.cursor },
      signal,
    });
  }

  /** Cancels a workflow: every node (running ones through their AbortSignal); nothing more is created. */
  cancelWorkflow(id: string): Promise<Workflow> {
    return this.request("POST", `/v1/workflows/${encodeURIComponent(id)}/cancel`);
  }

  /** Retries the failed part of a failed or cancelled workflow: what succeeded stays, the rest runs again. */
  retryWorkflow(id: string): Promise<Workflow> {
    return this.request("POST", `/v1/workflows/${encodeURIComponent(id)}/retry`);
  }

  /** Reads the workflow until it has ended and resolves with it, whatever its outcome. */
  async waitForWorkflow(id: string, options: WorkflowWaitOptions = {}): Promise<Workflow> {
    const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
    let lastKey: string | undefined;
    for (;;) {
      const workflow = await this.request<Workflow>("GET", `/v1/workflows/${encodeURIComponent(id)}`, {
        signal: options.signal,
      });
      const key = JSON.stringify([workflow.status, workflow.counts]);
      if (key !== lastKey) {
        lastKey = key;
        options.onProgress?.(workflow);
      }
      if (isWorkflowFinished(workflow)) return workflow;
      const wait = options.interval ?? 500;
      if (deadline !== undefined && Date.now() + wait > deadline) {
        throw new ClawTasksWorkflowTimeoutError(workflow, options.timeout!);
      }
      await sleep(wait, options.signal);
    }
  }

  stats(): Promise<Stats> {
    return this.request("GET", "/v1/stats");
  }

  async queues(): Promise<LaneDepth[]> {
    return (await this.request<{ items: LaneDepth[] }>("GET", "/v1/queues")).items;
  }

  /** Moves a lane's dead letters back to its queues. */
  redrive(lane: Lane): Promise<RedriveResult> {
    return this.request("POST", `/v1/queues/${encodeURIComponent(lane)}/redrive`);
  }

  async rateLimits(): Promise<RateLimit[]> {
    return (await this.request<{ items: RateLimit[] }>("GET", "/v1/rate-limits")).items;
  }

  /** Sets a type's global rate limit (null: unlimited), or with `undefined` goes back to the catalog's. */
  setRateLimit(type: TaskType, perMinute: number | null | undefined): Promise<RateLimit> {
    const path = `/v1/rate-limits/${encodeURIComponent(type)}`;
    return perMinute === undefined
      ? this.request("DELETE", path)
      : this.request("PUT", path, { body: { perMinute } });
  }

  health(): Promise<Health> {
    return this.request("GET", "/v1/health");
  }

  /** The API's OpenAPI 3.1 document. */
  openApi(): Promise<Record<string, unknown>> {
    return this.request("GET", "/v1/openapi.json");
  }

  /** Dynamic schedules. */
  readonly schedules = {
    list: async (signal?: AbortSignal): Promise<Schedule[]> => {
      const items: Schedule[] = [];
      let cursor: string | undefined;
      do {
        const page = await this.request<{ items: Schedule[]; nextCursor: string | null }>(
          "GET",
          "/v1/schedules",
          { query: { limit: 100, cursor }, signal },
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items;
    },
    get: (name: string): Promise<Schedule> =>
      this.request("GET", `/v1/schedules/${encodeURIComponent(name)}`),
    create: (definition: ScheduleDefinition): Promise<Schedule> =>
      this.request("POST", "/v1/schedules", { body: definition }),
    update: (name: string, change: ScheduleChange): Promise<Schedule> =>
      this.request("PATCH", `/v1/schedules/${encodeURIComponent(name)}`, { body: change }),
    enable: (name: string): Promise<Schedule> => this.schedules.update(name, { enabled: true }),
    disable: (name: string): Promise<Schedule> => this.schedules.update(name, { enabled: false }),
    delete: async (name: string): Promise<void> => {
      await this.request("DELETE", `/v1/schedules/${encodeURIComponent(name)}`);
    },
  };

  /** Lane workers: pause, resume, resize. */
  readonly workers = {
    list: async (): Promise<Worker[]> =>
      (await this.request<{ items: Worker[] }>("GET", "/v1/workers")).items,
    update: (lane: Lane, change: WorkerChange): Promise<Worker> =>
      this.request("PATCH", `/v1/workers/${encodeURIComponent(lane)}`, { body: change }),
    pause: (lane: Lane): Promise<Worker> => this.workers.update(lane, { enabled: false }),
    resume: (lane: Lane): Promise<Worker> => this.workers.update(lane, { enabled: true }),
    setConcurrency: (lane: Lane, maxConcurrency: number): Promise<Worker> =>
      this.workers.update(lane, { maxConcurrency }),
  };
}
