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
} from "../functions/api/schemas.ts";
import type {
  ScheduleView,
  scheduleCreationBody,
  schedulePatchBody,
} from "../functions/core/manage-schedules.ts";
import type { WorkerView, workerChangeBody } from "../functions/core/manage-workers.ts";
import type { submissionOptions } from "../functions/core/submission.ts";
import type { Task, TaskStatus } from "../functions/core/task.ts";
import type { TaskSubmissionInput, TaskType } from "../functions/tasks/catalog.ts";
import type { Lane } from "../functions/tasks/lanes.ts";

export type { Lane, Task, TaskStatus, TaskSubmissionInput, TaskType };
/** A task of a known type. */
export type TaskOf<T extends TaskType> = Task & {
  readonly type: T;
};
export type TaskPage = z.output<typeof taskPageSchema>;
export type Stats = z.output<typeof statsSchema>;
export type LaneDepth = z.output<typeof queueListSchema>["items"][number];
export type RateLimit = z.output<typeof rateLimitSchema>;
export type RedriveResult = z.output<typeof redriveResultSchema>;
export type Health = z.output<typeof healthSchema>;
/** Submission options: priority, delaySeconds | runAt, expiresAt, maxAttempts, timeLimits, callbackUrl, tags. */
export type SubmitOptions = z.input<typeof submissionOptions> & {
  /** Sent as `Idempotency-Key`: the same key and body within 24 h return the original task. */
  readonly idempotencyKey?: string;
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
  /** Another fetch (tests, proxies); default: the global one. */
  readonly fetch?: typeof fetch;
}
interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
}
/** True once a task can change no more (unless retried by id). */
export declare const isFinished: (task: Pick<Task, "status">) => boolean;
export declare class ClawTasksClient {
  #private;
  constructor(options: ClientOptions);
  /** One API call; throws ClawTasksApiError for a non-2xx answer. */
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Submits a task; the input is typed by the catalog's schema for `type`. */
  submit<T extends TaskType>(type: T, ...[input, options]: SubmitArguments<T>): Promise<TaskOf<T>>;
  get(id: string): Promise<Task>;
  /** Pages of tasks, newest first: `for await (const page of client.list({status: "failed"}))`. */
  list(filter?: ListFilter, signal?: AbortSignal): AsyncGenerator<TaskPage, void, undefined>;
  /** Cancels a task: a waiting one ends `cancelled` at once; a running one gets its AbortSignal. */
  cancel(id: string): Promise<Task>;
  /** Queues a failed, cancelled or expired task again under its id. */
  retry(id: string): Promise<Task>;
  /** Reads the task until it is finished and resolves with it, whatever its outcome. */
  wait(id: string, options?: WaitOptions): Promise<Task>;
  stats(): Promise<Stats>;
  queues(): Promise<LaneDepth[]>;
  /** Moves a lane's dead letters back to its queues. */
  redrive(lane: Lane): Promise<RedriveResult>;
  rateLimits(): Promise<RateLimit[]>;
  /** Sets a type's global rate limit (null: unlimited), or with `undefined` goes back to the catalog's. */
  setRateLimit(type: TaskType, perMinute: number | null | undefined): Promise<RateLimit>;
  health(): Promise<Health>;
  /** The API's OpenAPI 3.1 document. */
  openApi(): Promise<Record<string, unknown>>;
  /** Dynamic schedules. */
  readonly schedules: {
    list: (signal?: AbortSignal) => Promise<Schedule[]>;
    get: (name: string) => Promise<Schedule>;
    create: (definition: ScheduleDefinition) => Promise<Schedule>;
    update: (name: string, change: ScheduleChange) => Promise<Schedule>;
    enable: (name: string) => Promise<Schedule>;
    disable: (name: string) => Promise<Schedule>;
    delete: (name: string) => Promise<void>;
  };
  /** Lane workers: pause, resume, resize. */
  readonly workers: {
    list: () => Promise<Worker[]>;
    update: (lane: Lane, change: WorkerChange) => Promise<Worker>;
    pause: (lane: Lane) => Promise<Worker>;
    resume: (lane: Lane) => Promise<Worker>;
    setConcurrency: (lane: Lane, maxConcurrency: number) => Promise<Worker>;
  };
}
