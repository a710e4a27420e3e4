/**
 * The task model: states, the transitions between them, and the public view.
 * Pure: no I/O. The DynamoDB adapter derives its condition expressions from
 * `statusesLeadingTo`, so the state machine is written down once, here.
 */
import * as z from "zod";
export declare const taskStatuses: readonly [
  "queued",
  "scheduled",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "cancelled",
  "expired",
];
export type TaskStatus = (typeof taskStatuses)[number];
export declare const terminalStatuses: readonly TaskStatus[];
export declare function isTerminal(status: TaskStatus): boolean;
export declare function canTransition(from: TaskStatus, to: TaskStatus): boolean;
/** Every status from which `to` may be entered. */
export declare function statusesLeadingTo(to: TaskStatus): TaskStatus[];
/** What went wrong in an attempt, as clients see it. */
export declare const taskErrorInfoSchema: z.ZodObject<
  {
    type: z.ZodString;
    message: z.ZodString;
    retryable: z.ZodBoolean;
  },
  z.core.$strip
>;
export type TaskErrorInfo = Readonly<z.output<typeof taskErrorInfoSchema>>;
/** One entry of the attempt history: a status entered at a time. */
export declare const taskTransitionSchema: z.ZodObject<
  {
    status: z.ZodEnum<{
      queued: "queued";
      scheduled: "scheduled";
      running: "running";
      retrying: "retrying";
      succeeded: "succeeded";
      failed: "failed";
      cancelled: "cancelled";
      expired: "expired";
    }>;
    at: z.ZodISODateTime;
    attempt: z.ZodOptional<z.ZodInt>;
    error: z.ZodOptional<
      z.ZodObject<
        {
          type: z.ZodString;
          message: z.ZodString;
          retryable: z.ZodBoolean;
        },
        z.core.$strip
      >
    >;
    note: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
export type TaskTransition = Readonly<z.output<typeof taskTransitionSchema>>;
export declare const taskProgressSchema: z.ZodObject<
  {
    percent: z.ZodNumber;
    message: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
export type TaskProgress = Readonly<z.output<typeof taskProgressSchema>>;
/** Per-task time limits, at most the type's own. */
export declare const taskTimeLimitsSchema: z.ZodObject<
  {
    softSeconds: z.ZodNumber;
    hardSeconds: z.ZodNumber;
  },
  z.core.$strip
>;
export type TaskTimeLimits = Readonly<z.output<typeof taskTimeLimitsSchema>>;
/**
 * A task as stored and as returned by the API (times are ISO 8601 UTC). The
 * schema is the one definition: the type below is derived from it, and the
 * OpenAPI document (functions/api/openapi.ts) shows it to clients.
 */
export declare const taskSchema: z.ZodObject<
  {
    id: z.ZodString;
    type: z.ZodEnum<{
      generate_ai_response: "generate_ai_response";
      vectorize_document: "vectorize_document";
      update_knowledge_base: "update_knowledge_base";
      delete_knowledge_vectors: "delete_knowledge_vectors";
      send_notification: "send_notification";
      cleanup_expired_results: "cleanup_expired_results";
      check_task_health: "check_task_health";
      echo: "echo";
    }>;
    status: z.ZodEnum<{
      queued: "queued";
      scheduled: "scheduled";
      running: "running";
      retrying: "retrying";
      succeeded: "succeeded";
      failed: "failed";
      cancelled: "cancelled";
      expired: "expired";
    }>;
    lane: z.ZodEnum<{
      ai_high_priority: "ai_high_priority";
      knowledge_default: "knowledge_default";
      notification_default: "notification_default";
      default: "default";
    }>;
    priority: z.ZodEnum<{
      high: "high";
      normal: "normal";
      low: "low";
    }>;
    input: z.ZodUnknown;
    result: z.ZodOptional<z.ZodUnknown>;
    error: z.ZodOptional<
      z.ZodObject<
        {
          type: z.ZodString;
          message: z.ZodString;
          retryable: z.ZodBoolean;
        },
        z.core.$strip
      >
    >;
    progress: z.ZodOptional<
      z.ZodObject<
        {
          percent: z.ZodNumber;
          message: z.ZodOptional<z.ZodString>;
        },
        z.core.$strip
      >
    >;
    attempts: z.ZodInt;
    maxAttempts: z.ZodInt;
    createdAt: z.ZodISODateTime;
    updatedAt: z.ZodISODateTime;
    startedAt: z.ZodOptional<z.ZodISODateTime>;
    finishedAt: z.ZodOptional<z.ZodISODateTime>;
    runAt: z.ZodOptional<z.ZodISODateTime>;
    expiresAt: z.ZodOptional<z.ZodISODateTime>;
    nextAttemptAt: z.ZodOptional<z.ZodISODateTime>;
    cancelRequestedAt: z.ZodOptional<z.ZodISODateTime>;
    timeLimits: z.ZodOptional<
      z.ZodObject<
        {
          softSeconds: z.ZodNumber;
          hardSeconds: z.ZodNumber;
        },
        z.core.$strip
      >
    >;
    callbackUrl: z.ZodOptional<z.ZodString>;
    scheduleName: z.ZodOptional<z.ZodString>;
    tags: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
    history: z.ZodArray<
      z.ZodObject<
        {
          status: z.ZodEnum<{
            queued: "queued";
            scheduled: "scheduled";
            running: "running";
            retrying: "retrying";
            succeeded: "succeeded";
            failed: "failed";
            cancelled: "cancelled";
            expired: "expired";
          }>;
          at: z.ZodISODateTime;
          attempt: z.ZodOptional<z.ZodInt>;
          error: z.ZodOptional<
            z.ZodObject<
              {
                type: z.ZodString;
                message: z.ZodString;
                retryable: z.ZodBoolean;
              },
              z.core.$strip
            >
          >;
          note: z.ZodOptional<z.ZodString>;
        },
        z.core.$strip
      >
    >;
    historyDropped: z.ZodOptional<z.ZodInt>;
  },
  z.core.$strip
>;
/** A task as stored and as returned by the API. */
export type Task = Readonly<
  Omit<z.output<typeof taskSchema>, "history" | "tags"> & {
    readonly history: readonly TaskTransition[];
    readonly tags?: Readonly<Record<string, string>>;
  }
>;
