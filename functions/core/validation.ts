/**
 * Turns zod issues into field issues with dotted paths, so that every 400
 * names the field at fault.
 */
import type * as z from "zod";
import { type ApiError, type FieldIssue, validationError } from "./api-error.ts";

function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[]): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const base = [...prefix, ...issue.path].map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...base, key].join("."), message: "unknown field" }));
    }
    return [{ path: base.join("."), message: issue.message }];
  });
}

/** Parses `value` with `schema` or throws a 400 naming each bad field under `prefix`. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw toValidationError(parsed.error, prefix);
  return parsed.data;
}

export function toValidationError(error: z.ZodError, prefix: readonly PropertyKey[] = []): ApiError {
  return validationError(issuesOf(error, prefix));
}
