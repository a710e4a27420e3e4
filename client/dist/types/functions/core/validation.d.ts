/**
 * Turns zod issues into field issues with dotted paths, so that every 400
 * names the field at fault.
 */
import type * as z from "zod";
import { type ApiError } from "./api-error.ts";
/** Parses `value` with `schema` or throws a 400 naming each bad field under `prefix`. */
export declare function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix?: readonly PropertyKey[],
): z.output<S>;
export declare function toValidationError(error: z.ZodError, prefix?: readonly PropertyKey[]): ApiError;
