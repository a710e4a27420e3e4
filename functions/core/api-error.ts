/**
 * Errors the API answers with, each carrying its HTTP status and a stable code
 * (DESIGN §2: `{"error": {"code", "message", "details"?}}`).
 */
/** Every error code the API answers with; clients switch on these. */
export const apiErrorCodes = [
  "validation_error",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "throttled",
  "service_unavailable",
  "internal_error",
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `input.sleepMs`; empty for the whole body. */
  readonly path: string;
  readonly message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details?: unknown;

  constructor(status: number, code: ApiErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function validationError(issues: readonly FieldIssue[]): ApiError {
  const summary = issues
    .slice(0, 5)
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join("; ");
  return new ApiError(400, "validation_error", summary || "invalid request", { issues });
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const unauthorized = (message: string) => new ApiError(401, "unauthorized", message);
export const conflict = (message: string, details?: unknown) =>
  new ApiError(409, "conflict", message, details);
export const payloadTooLarge = (message: string) => new ApiError(413, "payload_too_large", message);
