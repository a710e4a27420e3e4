/**
 * The task catalog: the single source of truth for task types.
 *
 * The CDK stack reads it to size lanes (function timeout, visibility timeout);
 * the API reads it to validate submissions; the worker reads it for retry
 * policy and time limits. It holds data and schemas only, no handler code, so
 * that importing it at synth time pulls in no AWS clients.
 */
import { z } from "zod";
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

export interface TaskDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly lane: Lane;
  readonly description: string;
  readonly input: Schema;
  readonly retry: RetryPolicy;
  readonly timeLimits: TimeLimits;
  /** Global rate limit across all workers, in completed starts per minute; absent means unlimited. */
  readonly ratePerMinute?: number;
}

const defaultRetry: RetryPolicy = {
  maxAttempts: 3,
  backoffBaseSeconds: 2,
  backoffCapSeconds: 300,
  nonRetryableErrors: ["validation_error", "not_implemented"],
};

const identifier = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, "letters, digits and _ . : - only");

const documentText = z.string().min(1).max(200_000);

const taskDefinitions = {
  generate_ai_response: {
    lane: "ai_high_priority",
    description: "Generate the assistant's reply in a conversation, optionally grounded in a knowledge base.",
    input: z.strictObject({
      conversationId: identifier,
      userMessage: z.string().min(1).max(32_000),
      knowledgeBaseId: identifier.optional(),
      systemPrompt: z.string().max(8_000).optional(),
      temperature: z.number().min(0).max(2).optional(),
      maxTokens: z.int().min(1).max(8_192).optional(),
    }),
    retry: defaultRetry,
    timeLimits: { softSeconds: 300, hardSeconds: 600 },
    ratePerMinute: 10,
  },
  vectorize_document: {
    lane: "knowledge_default",
    description: "Split a document into chunks, embed them and store the vectors in a knowledge base.",
    input: z.strictObject({
      knowledgeBaseId: identifier,
      documentId: identifier,
      text: documentText.optional(),
      s3: z.strictObject({ bucket: z.string().min(3).max(63), key: z.string().min(1).max(1024) }).optional(),
      metadata: z.record(z.string(), z.string().max(1_000)).optional(),
    }),
    retry: defaultRetry,
    timeLimits: { softSeconds: 600, hardSeconds: 840 },
    ratePerMinute: 5,
  },
  update_knowledge_base: {
    lane: "knowledge_default",
    description: "Re-embed the changed documents of a knowledge base and drop the ones no longer present.",
    input: z.strictObject({
      knowledgeBaseId: identifier,
      documents: z.array(z.strictObject({ documentId: identifier, text: documentText })).max(1_000),
    }),
    retry: defaultRetry,
    timeLimits: { softSeconds: 600, hardSeconds: 840 },
  },
  delete_knowledge_vectors: {
    lane: "knowledge_default",
    description: "Delete one document's vectors, or a whole knowledge base's when no document is given.",
    input: z.strictObject({ knowledgeBaseId: identifier, documentId: identifier.optional() }),
    retry: defaultRetry,
    timeLimits: { softSeconds: 120, hardSeconds: 300 },
  },
  send_notification: {
    lane: "notification_default",
    description: "Deliver a signed webhook (or an SNS message) about an event.",
    input: z.strictObject({
      channel: z.enum(["webhook", "sns"]).default("webhook"),
      url: z
        .url({ protocol: /^https?$/ })
        .max(2_048)
        .optional(),
      topicArn: z.string().startsWith("arn:").max(256).optional(),
      event: z.string().min(1).max(200),
      payload: z.record(z.string(), z.unknown()).default({}),
    }),
    retry: { ...defaultRetry, maxAttempts: 5 },
    timeLimits: { softSeconds: 20, hardSeconds: 30 },
  },
  cleanup_expired_results: {
    lane: "default",
    description: "Delete task records whose results have expired (DynamoDB TTL deletion can lag up to 48 h).",
    input: z.strictObject({ batchLimit: z.int().min(1).max(100_000).optional() }),
    retry: { ...defaultRetry, maxAttempts: 2 },
    timeLimits: { softSeconds: 240, hardSeconds: 300 },
  },
  check_task_health: {
    lane: "default",
    description:
      "Check lanes and records: stuck tasks, unsent tasks, DLQ depth; repair what can be repaired.",
    input: z.strictObject({}),
    retry: { ...defaultRetry, maxAttempts: 1 },
    timeLimits: { softSeconds: 50, hardSeconds: 60 },
  },
  echo: {
    lane: "default",
    description:
      "Diagnostic: returns input.value after input.sleepMs (reporting progress in input.progressSteps steps); fails the first input.failTimes attempts (retryable), or always with input.fail = 'permanent'; input.ignoreAbort makes it ignore its AbortSignal.",
    input: z.strictObject({
      value: z.unknown().optional(),
      sleepMs: z.int().min(0).max(600_000).default(0),
      progressSteps: z.int().min(0).max(100).default(0),
      failTimes: z.int().min(0).max(100).default(0),
      fail: z.literal("permanent").optional(),
      ignoreAbort: z.boolean().default(false),
    }),
    retry: defaultRetry,
    timeLimits: { softSeconds: 30, hardSeconds: 60 },
  },
} as const satisfies Record<string, TaskDefinition>;

export const taskCatalog: Readonly<Record<TaskType, TaskDefinition>> = taskDefinitions;

export type TaskType = keyof typeof taskDefinitions;

/** The parsed input of one task type, as its handler receives it. */
export type TaskInput<T extends TaskType> = z.output<(typeof taskDefinitions)[T]["input"]>;

export const taskTypes = Object.keys(taskDefinitions) as TaskType[];

export function isTaskType(value: string): value is TaskType {
  return Object.hasOwn(taskDefinitions, value);
}

/** The task types that run on one lane. */
export function taskTypesOfLane(lane: Lane): TaskType[] {
  return taskTypes.filter((type) => taskCatalog[type].lane === lane);
}
