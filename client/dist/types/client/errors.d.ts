/**
 * The client's errors. An answer of the API becomes a `ClawTasksApiError`
 * carrying the API's error code; a request that got no answer becomes a
 * `ClawTasksConnectionError`; `wait` that runs out of time throws
 * `ClawTasksTimeoutError` with the task as last seen.
 */
import type { ApiErrorCode, FieldIssue } from "../functions/core/api-error.ts";
import type { Task } from "../functions/core/task.ts";
/**
 * The API's codes, plus `throttled` (429 from API Gateway's throttling) and
 * `http_error` for any other answer that is not the API's error body.
 */
export type ClientErrorCode = ApiErrorCode | "throttled" | "http_error";
export declare class ClawTasksError extends Error {
  constructor(message: string, options?: ErrorOptions);
}
export declare class ClawTasksApiError extends ClawTasksError {
  readonly status: number;
  readonly code: ClientErrorCode;
  readonly details: unknown;
  constructor(status: number, code: ClientErrorCode, message: string, details?: unknown);
  /** For `validation_error`: each bad field's dotted path (`input.sleepMs`) and what is wrong with it. */
  get issues(): FieldIssue[];
}
export declare class ClawTasksConnectionError extends ClawTasksError {
  constructor(url: string, cause: unknown);
}
export declare class ClawTasksTimeoutError extends ClawTasksError {
  /** The task as last read. */
  readonly task: Task;
  constructor(task: Task, timeoutMs: number);
}
/**
 * The error for a non-2xx answer to `request` (`METHOD /path`): the API's
 * error body when there is one, else one made from the status.
 */
export declare function errorOfResponse(request: string, status: number, body: unknown): ClawTasksApiError;
