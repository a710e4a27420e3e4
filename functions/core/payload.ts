/**
 * Large payloads: a task input or result whose JSON exceeds the inline limit
 * is kept in S3 and replaced in the record and the queue message by a
 * reference, which the API and the worker resolve transparently. The limit
 * is about cost, not DynamoDB's 400 KB: every write of a task record (create,
 * claim, outcome, each progress report) is billed by the whole item's size,
 * one write unit per KB, so an input carried inline is paid for three times
 * or more. Past 8 KB, one S3 PUT and GET (about 8.6 write units' price) cost
 * less than the 24 write units it would add, and the record stays small.
 */
import type { PayloadStore } from "./ports.ts";

export const inlinePayloadLimitBytes = 8 * 1024;

/** Object keys: inputs and results apart, so each can have its own lifecycle rule. */
export const payloadKeys = {
  input: (taskId: string) => `inputs/${taskId}.json`,
  result: (taskId: string, attempt: number) => `results/${taskId}/${attempt}.json`,
};

/** Where a large payload lives. */
export interface PayloadRef {
  readonly $payload: { readonly key: string; readonly bytes: number };
}

export function isPayloadRef(value: unknown): value is PayloadRef {
  return (
    typeof value === "object" &&
    value !== null &&
    "$payload" in value &&
    typeof (value as PayloadRef).$payload?.key === "string"
  );
}

/**
 * Returns `value` itself when its JSON is at most `limitBytes`, else stores
 * it under `key` and returns the reference.
 */
export async function offloadIfLarge(
  value: unknown,
  key: string,
  payloads: PayloadStore,
  limitBytes = inlinePayloadLimitBytes,
): Promise<unknown> {
  const json = JSON.stringify(value ?? null);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes <= limitBytes) return value;
  await payloads.put(key, json);
  return { $payload: { key, bytes } } satisfies PayloadRef;
}

/** The value behind a reference, or `value` itself when it is not one. */
export async function resolvePayload(value: unknown, payloads: PayloadStore): Promise<unknown> {
  return isPayloadRef(value) ? JSON.parse(await payloads.get(value.$payload.key)) : value;
}
