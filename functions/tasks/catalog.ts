/**
 * The task catalog: the single source of truth for task types.
 *
 * The CDK stack reads it to size lanes (function timeout, visibility timeout);
 * the API reads it to validate submissions; the worker reads it for retry
 * policy and time limits. It holds data and schemas only, no handler code, so
 * that importing it at synth time pulls in no AWS clients.
 */
import * as z from "zod";
import type { Lane } from "./lanes.ts";

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** Exponential backoff with full jitter: delay = random(0, min(cap, base * 2^(attempt-1))). */
  readonly backoffBaseSeconds: number;
  readonly backoffCapSeconds: number;
  /** Error types that fail the task at once, whatever attempts remain. */
  readonly nonRetryableErrors: readonly string[];
}

export interface TimeLimits {
  /** The task's AbortSignal fires at this point. */
  readonly softSeconds: number;
  /** The attempt is abandoned as a `timeout` at this point; the lane's function timeout covers it. */
  readonly hardSeconds: number;
}

/**
 * What a task type's code reaches besides its own record and its lane's
 * queue. The stack grants each lane's worker the union over the lane's types
 * (with the matching environment), and the worker builds only those adapters.
 */
export const taskCapabilities = [
  "chatModel",
  "embeddingModel",
  "conversations",
  "knowledgeRead",
  "knowledgeWrite",
  "documentBucket",
  "webhooks",
  "notificationTopics",
  "taskRecordDeletion",
  "laneQueues",
  "workflowRepair",
] as const;
export type TaskCapability = (typeof taskCapabilities)[number];

export interface TaskDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly lane: Lane;
  readonly uses: readonly TaskCapability[];
  readonly description: string;
  readonly input: Schema;
  readonly retry: RetryPolicy;
  /** `defaultTimeLimits` unless the type needs others, and then `timeLimitsReason` says why. */
  readonly timeLimits: TimeLimits;
  /** One line: why this type's limits are not the default ones (required when they differ; a unit test checks). */
  readonly timeLimitsReason?: string;
  /** Global rate limit across all workers, in completed starts per minute; absent means unlimited. */
  readonly ratePerMinute?: number;
  /**
   * The deferred claim (core/run-task.ts): an attempt that ends within this
   * many milliseconds is recorded with one write, from its waiting status
   * straight to its outcome, and only a longer one writes `running` first.
   * A duplicate message that arrives within it may run the handler twice at
   * once (one outcome is recorded), so a type whose handler must never run
   * twice concurrently sets 0: claim first, always.
   * @default defaultClaimAfterMs
   */
  readonly claimAfterMs?: number;
  /** One line: why the type claims sooner than the default (required when claimAfterMs is set; a unit test checks). */
  readonly claimAfterReason?: string;
  /**
   * The scope a key needs to submit this type over the API, besides the
   * route's `submit` (403 without it); schedules and the system submit it freely.
   * @default none beyond `submit`
   */
  readonly submitScope?: "admin";
}

/**
 * The original Celery configuration's `task_soft_time_limit=300` and
 * `task_time_limit=600`: every type's limits unless it says why not.
 */
export const defaultTimeLimits: TimeLimits = { softSeconds: 300, hardSeconds: 600 };

/**
 * How long an attempt runs before its claim is written, unless its type says
 * otherwise: a task done within a second (most no-op and bookkeeping tasks)
 * costs one write fewer, while a longer one shows `running` after a second.
 */
export const defaultClaimAfterMs = 1_000;

/** The type's deferred-claim threshold in milliseconds (0: claim before the handler starts). */
export const claimAfterMsOf = (type: TaskType): number =>
  taskCatalog[type].claimAfterMs ?? defaultClaimAfterMs;

const defaultRetry: RetryPolicy = {
  maxAttempts: 3,
  backoffBaseSeconds: 2,
  backoffCapSeconds: 300,
  nonRetryableErrors: ["validation_error", "not_implemented"],
};

export const identifier = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits and _ . : - only");

const documentText = z.string().min(1).max(200_000);
const metadata = z
  .record(z.string().min(1).max(64), z.string().max(1_000))
  .refine((value) => Object.keys(value).length <= 20, "at most 20 entries");
const s3Location = z.strictObject({
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name")
    .optional(),
  key: z.string().min(1).max(1024),
});

const taskDefinitions = {
  generate_ai_response: {
    lane: "ai_high_priority",
    uses: ["chatModel", "embeddingModel", "conversations", "knowledgeRead"],
    description: "Generate the assistant's reply in a conversation, optionally grounded in a knowledge base.",
    input: z.strictObject({
      conversationId: identifier,
      userMessage: z.string().min(1).max(32_000),
      knowledgeBaseId: identifier.optional(),
      topK: z.int().min(1).max(20).optional(),
      systemPrompt: z.string().max(8_000).optional(),
      temperature: z.number().min(0).max(2).optional(),
      maxTokens: z.int().min(1).max(8_192).optional(),
    }),
    retry: defaultRetry,
    timeLimits: defaultTimeLimits,
    ratePerMinute: 10,
    claimAfterMs: 0,
    claimAfterReason:
      "a model call is paid and takes seconds: deferring saves no write, and a duplicate run would pay twice",
  },
  vectorize_document: {
    lane: "knowledge_default",
    uses: ["embeddingModel", "knowledgeWrite", "documentBucket"],
    description: "Split a document into chunks, embed them and store the vectors in a knowledge base.",
    input: z
      .strictObject({
        knowledgeBaseId: identifier,
        documentId: identifier,
        text: documentText.optional(),
        s3: s3Location.optional(),
        metadata: metadata.optional(),
      })
      .refine((input) => (input.text === undefined) !== (input.s3 === undefined), {
        message: "give exactly one of text and s3",
        path: ["text"],
      }),
    retry: defaultRetry,
    timeLimits: { softSeconds: 600, hardSeconds: 840 },
    timeLimitsReason:
      "a 200,000-character document is embedded chunk by chunk at the model's pace: Lambda's 15 minutes less the lease margin",
    ratePerMinute: 5,
  },
  update_knowledge_base: {
    lane: "knowledge_default",
    uses: ["embeddingModel", "knowledgeWrite"],
    description: "Re-embed the changed documents of a knowledge base and drop the ones no longer present.",
    input: z.strictObject({
      knowledgeBaseId: identifier,
      documents: z
        .array(z.strictObject({ documentId: identifier, text: documentText, metadata: metadata.optional() }))
        .max(1_000)
        .refine(
          (documents) => new Set(documents.map((document) => document.documentId)).size === documents.length,
          "each documentId may appear once",
        ),
    }),
    retry: defaultRetry,
    timeLimits: { softSeconds: 600, hardSeconds: 840 },
    timeLimitsReason:
      "up to 1,000 documents re-embedded in one task: Lambda's 15 minutes less the lease margin",
  },
  delete_knowledge_vectors: {
    lane: "knowledge_default",
    uses: ["knowledgeWrite"],
    description: "Delete one document's vectors, or a whole knowledge base's when no document is given.",
    input: z.strictObject({ knowledgeBaseId: identifier, documentId: identifier.optional() }),
    retry: defaultRetry,
    timeLimits: defaultTimeLimits,
  },
  send_notification: {
    lane: "notification_default",
    uses: ["webhooks", "notificationTopics"],
    description: "Deliver a signed webhook (or an SNS message) about an event.",
    input: z
      .strictObject({
        channel: z.enum(["webhook", "sns"]).default("webhook"),
        url: z
          .url({ protocol: /^https?$/ })
          .max(2_048)
          .optional(),
        topicArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "an SNS topic ARN")
          .optional(),
        event: z
          .string()
          .min(1)
          .max(200)
          .describe("`task.*` events are the system's completion callbacks: refused for callers (400)."),
        payload: z.record(z.string(), z.unknown()).default({}),
        /** Sent once per id; defaults to the task id. */
        deliveryId: identifier.optional(),
      })
      .refine((input) => input.channel !== "webhook" || input.url !== undefined, {
        message: "required for the webhook channel",
        path: ["url"],
      })
      .refine((input) => input.channel !== "sns" || input.topicArn !== undefined, {
        message: "required for the sns channel",
        path: ["topicArn"],
      }),
    retry: { ...defaultRetry, maxAttempts: 5 },
    timeLimits: { softSeconds: 20, hardSeconds: 30 },
    timeLimitsReason:
      "one HTTP delivery: a receiver that hangs must fail and retry, not hold a notification worker for 10 minutes",
  },
  cleanup_expired_results: {
    lane: "default",
    uses: ["taskRecordDeletion"],
    description:
      "Delete task records whose results have expired (DynamoDB TTL deletion can lag up to 48 h). Submitted over the API by admin keys only.",
    input: z.strictObject({ batchLimit: z.int().min(1).max(100_000).optional() }),
    retry: { ...defaultRetry, maxAttempts: 2 },
    timeLimits: defaultTimeLimits,
    // Housekeeping deletes and repairs records of every caller: an operator's task.
    submitScope: "admin",
  },
  check_task_health: {
    lane: "default",
    uses: ["laneQueues", "workflowRepair"],
    description:
      "Check lanes and records: stuck tasks, unsent tasks, stalled workflows, DLQ depth; repair what can be repaired. Submitted over the API by admin keys only.",
    input: z.strictObject({
      /** A running task whose lease ran out this long ago is stuck. */
      stuckGraceSeconds: z.int().min(0).max(86_400).default(300),
      /** A queued or retrying task not started this long after it was due lost its message. */
      unsentAfterSeconds: z.int().min(60).max(86_400).default(900),
      /** Records looked at per status at most. */
      scanLimit: z.int().min(1).max(10_000).default(500),
      /** Tasks submitted this long ago at most are checked (their records are read each run). */
      scanWindowSeconds: z
        .int()
        .min(60)
        .max(7 * 86_400)
        .default(3_600),
    }),
    retry: { ...defaultRetry, maxAttempts: 1 },
    timeLimits: { softSeconds: 50, hardSeconds: 60 },
    timeLimitsReason:
      "it fires every 5 minutes: a check still running after a minute is itself a fault, and must not overlap the next",
    submitScope: "admin",
    claimAfterMs: 0,
    claimAfterReason: "its repairs (re-sending messages, failing tasks) must never run twice at once",
  },
  echo: {
    lane: "default",
    uses: [],
    description:
      "Diagnostic: returns input.value after input.sleepMs (reporting progress in input.progressSteps steps); fails the first input.failTimes attempts (retryable), or always with input.fail = 'permanent'; input.ignoreAbort makes it ignore its AbortSignal; input.crashTimes ends the worker process (a crash) in the first N attempts.",
    input: z.strictObject({
      value: z.unknown().optional(),
      sleepMs: z
        .int()
        .min(0)
        .max(600_000)
        .default(0)
        .describe("Over 10,000 ms only where the stage has echoDiagnostics on (403 otherwise)."),
      progressSteps: z.int().min(0).max(100).default(0),
      failTimes: z.int().min(0).max(100).default(0),
      fail: z.literal("permanent").optional(),
      ignoreAbort: z.boolean().default(false).describe("Only where the stage has echoDiagnostics on."),
      crashTimes: z
        .int()
        .min(0)
        .max(10)
        .default(0)
        .describe("Above 0 only where the stage has echoDiagnostics on."),
    }),
    retry: defaultRetry,
    timeLimits: defaultTimeLimits,
  },
} as const satisfies Record<string, TaskDefinition>;

export const taskCatalog: Readonly<Record<TaskType, TaskDefinition>> = taskDefinitions;

export type TaskType = keyof typeof taskDefinitions;

/** The parsed input of one task type, as its handler receives it. */
export type TaskInput<T extends TaskType> = z.output<(typeof taskDefinitions)[T]["input"]>;

/** What a submitter may give as the input of one task type (defaults not yet applied). */
export type TaskSubmissionInput<T extends TaskType> = z.input<(typeof taskDefinitions)[T]["input"]>;

/** The input schema of one task type, with its precise type (the catalog's record type widens it). */
export function taskInputSchema<T extends TaskType>(type: T): (typeof taskDefinitions)[T]["input"] {
  return taskDefinitions[type].input;
}

export const taskTypes = Object.keys(taskDefinitions) as TaskType[];

export function isTaskType(value: string): value is TaskType {
  return Object.hasOwn(taskDefinitions, value);
}

/** The capabilities the task types of one lane use together. */
export function capabilitiesOfLane(lane: Lane): Set<TaskCapability> {
  return new Set(taskTypesOfLane(lane).flatMap((type) => taskCatalog[type].uses));
}

/** The task types that run on one lane. */
export function taskTypesOfLane(lane: Lane): TaskType[] {
  return taskTypes.filter((type) => taskCatalog[type].lane === lane);
}
