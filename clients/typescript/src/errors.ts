/**
 * The client's errors. An answer of the API becomes a `ClawTasksApiError`
 * carrying the API's error code; a request that got no answer becomes a
 * `ClawTasksConnectionError`; `wait` that runs out of time throws
 * `ClawTasksTimeoutError` with the task as last seen (`waitForWorkflow`:
 * `ClawTasksWorkflowTimeoutError` with the workflow).
 */
import type { ApiErrorCode, FieldIssue } from "../../../functions/core/api-error.ts";
import type { Task } from "../../../functions/core/task.ts";
import type { Workflow } from "./workflows.ts";

/**
 * The API's codes, plus `throttled` (429 from API Gateway's throttling) and
 * `http_error` for any other answer that is not the API's error body.
 */
export type ClientErrorCode = ApiErrorCode | "throttled" | "http_error";

export class ClawTasksError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClawTasksError";
  }
}

export class ClawTasksApiError extends ClawTasksError {
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly details: unknown;
  /** From a 429's or 503's Retry-After header: when the API said to try again. */
  readonly retryAfterMs: number | undefined;

  constructor(
    status: number,
    code: ClientErrorCode,
    message: string,
    details?: unknown,
    retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ClawTasksApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterMs = retryAfterMs;
  }

  /** For `validation_error`: each bad field's dotted path (`input.sleepMs`) and what is wrong with it. */
  get issues(): FieldIssue[] {
    const issues = (this.details as { issues?: unknown } | undefined)?.issues;
    return Array.isArray(issues) ? (issues as FieldIssue[]) : [];
  }
}

export class ClawTasksConnectionError extends ClawTasksError {
  constructor(url: string, cause: unknown) {
    super(`no answer from ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ClawTasksConnectionError";
  }
}

export class ClawTasksTimeoutError extends ClawTasksError {
  /** The task as last read. */
  readonly task: Task;

  constructor(task: Task, timeoutMs: number) {
    super(`task ${task.id} is still ${task.status} after ${timeoutMs} ms`);
    this.name = "ClawTasksTimeoutError";
    this.task = task;
  }
}

export class ClawTasksWorkflowTimeoutError extends ClawTasksError {
  /** The workflow as last read. */
  readonly workflow: Workflow;

  constructor(workflow: Workflow, timeoutMs: number) {
    super(`workflow ${workflow.id} is still ${workflow.status} after ${timeoutMs} ms`);
    this.name = "ClawTasksWorkflowTimeoutError";
    this.workflow = workflow;
  }
}

const codeOfStatus: Readonly<Record<number, ClientErrorCode>> = {
  400: "validation_error",
  401: "unauthorized",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  429: "throttled",
  500: "internal_error",
  503: "service_unavailable",
};

/**
 * The error for a non-2xx answer to `request` (`METHOD /path`): the API's
 * error body when there is one, else one made from the status.
 */
export function errorOfResponse(
  request: string,
  status: number,
  body: unknown,
  retryAfterMs?: number,
): ClawTasksApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
    ?.error;
  if (error && typeof error.code === "string" && typeof error.message === "string") {
    return new ClawTasksApiError(
      status,
      error.code as ClientErrorCode,
      error.message,
      error.details,
      retryAfterMs,
    );
  }
  // API Gateway's own answers (no such route, too large, throttled, timeout) are `{message}`.
  const message = (body as { message?: unknown } | undefined)?.message;
  return new ClawTasksApiError(
    status,
    codeOfStatus[status] ?? "http_error",
    `${request}: ${typeof message === "string" ? message : `HTTP ${status}`}${status === 404 ? " (this API has no such route)" : ""}`,
    undefined,
    retryAfterMs,
  );
}
