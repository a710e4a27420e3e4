/**
 * Errors the API answers with, each carrying its HTTP status and a stable code
 * (DESIGN §2: `{"error": {"code", "message", "details"?}}`).
 */
/** Every error code the API answers with; clients switch on these. */
export declare const apiErrorCodes: readonly [
  "validation_error",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "throttled",
  "service_unavailable",
  "internal_error",
];
export type ApiErrorCode = (typeof apiErrorCodes)[number];
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `input.sleepMs`; empty for the whole body. */
  readonly path: string;
  readonly message: string;
}
export declare class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly details?: unknown;
  constructor(status: number, code: ApiErrorCode, message: string, details?: unknown);
}
export declare function validationError(issues: readonly FieldIssue[]): ApiError;
export declare const notFound: (what: string) => ApiError;
export declare const unauthorized: (message: string) => ApiError;
export declare const conflict: (message: string, details?: unknown) => ApiError;
export declare const payloadTooLarge: (message: string) => ApiError;
