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

/** Where a large payload lives: set by the server only, in the task's own `inputPayload` / `resultPayload`. */
export interface PayloadLocation {
  readonly key: string;
  readonly bytes: number;
}

/**
 * What a record's and a listing's `input` or `result` shows in place of a
 * payload kept in S3. Only a placeholder: nothing is ever read because a
 * value looks like this (a task's own input or result may); reads follow
 * `inputPayload` / `resultPayload`, which only the server sets.
 */
export interface PayloadPlaceholder {
  readonly $payload: PayloadLocation;
}

/** A value, and where it lives when it was too large to keep inline. */
export interface OffloadedValue {
  /** The value itself, or its placeholder when `payload` is set. */
  readonly value: unknown;
  readonly payload?: PayloadLocation;
}

/**
 * Returns `value` itself when its JSON is at most `limitBytes`, else stores
 * it under `key` and returns its placeholder and location.
 */
export async function offloadIfLarge(
  value: unknown,
  key: string,
  payloads: PayloadStore,
  limitBytes = inlinePayloadLimitBytes,
): Promise<OffloadedValue> {
  const json = JSON.stringify(value ?? null);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes <= limitBytes) return { value };
  await payloads.put(key, json);
  const payload = { key, bytes };
  return { value: { $payload: payload } satisfies PayloadPlaceholder, payload };
}

/** The value kept at `payload`, or `value` itself, as it is, when there is no location. */
export async function resolvePayload(
  value: unknown,
  payload: PayloadLocation | undefined,
  payloads: PayloadStore,
): Promise<unknown> {
  return payload ? JSON.parse(await payloads.get(payload.key)) : value;
}
