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
export declare const taskCapabilities: readonly [
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
];
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
}
/**
 * The original Celery configuration's `task_soft_time_limit=300` and
 * `task_time_limit=600`: every type's limits unless it says why not.
 */
export declare const defaultTimeLimits: TimeLimits;
export declare const identifier: z.ZodString;
declare const taskDefinitions: {
  readonly generate_ai_response: {
    readonly lane: "ai_high_priority";
    readonly uses: readonly ["chatModel", "embeddingModel", "conversations", "knowledgeRead"];
    readonly description: "Generate the assistant's reply in a conversation, optionally grounded in a knowledge base.";
    readonly input: z.ZodObject<
      {
        conversationId: z.ZodString;
        userMessage: z.ZodString;
        knowledgeBaseId: z.ZodOptional<z.ZodString>;
        topK: z.ZodOptional<z.ZodInt>;
        systemPrompt: z.ZodOptional<z.ZodString>;
        temperature: z.ZodOptional<z.ZodNumber>;
        maxTokens: z.ZodOptional<z.ZodInt>;
      },
      z.core.$strict
    >;
    readonly retry: RetryPolicy;
    readonly timeLimits: TimeLimits;
    readonly ratePerMinute: 10;
  };
  readonly vectorize_document: {
    readonly lane: "knowledge_default";
    readonly uses: readonly ["embeddingModel", "knowledgeWrite", "documentBucket"];
    readonly description: "Split a document into chunks, embed them and store the vectors in a knowledge base.";
    readonly input: z.ZodObject<
      {
        knowledgeBaseId: z.ZodString;
        documentId: z.ZodString;
        text: z.ZodOptional<z.ZodString>;
        s3: z.ZodOptional<
          z.ZodObject<
            {
              bucket: z.ZodOptional<z.ZodString>;
              key: z.ZodString;
            },
            z.core.$strict
          >
        >;
        metadata: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
      },
      z.core.$strict
    >;
    readonly retry: RetryPolicy;
    readonly timeLimits: {
      readonly softSeconds: 600;
      readonly hardSeconds: 840;
    };
    readonly timeLimitsReason: "a 200,000-character document is embedded chunk by chunk at the model's pace: Lambda's 15 minutes less the lease margin";
    readonly ratePerMinute: 5;
  };
  readonly update_knowledge_base: {
    readonly lane: "knowledge_default";
    readonly uses: readonly ["embeddingModel", "knowledgeWrite"];
    readonly description: "Re-embed the changed documents of a knowledge base and drop the ones no longer present.";
    readonly input: z.ZodObject<
      {
        knowledgeBaseId: z.ZodString;
        documents: z.ZodArray<
          z.ZodObject<
            {
              documentId: z.ZodString;
              text: z.ZodString;
              metadata: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
            },
            z.core.$strict
          >
        >;
      },
      z.core.$strict
    >;
    readonly retry: RetryPolicy;
    readonly timeLimits: {
      readonly softSeconds: 600;
      readonly hardSeconds: 840;
    };
    readonly timeLimitsReason: "up to 1,000 documents re-embedded in one task: Lambda's 15 minutes less the lease margin";
  };
  readonly delete_knowledge_vectors: {
    readonly lane: "knowledge_default";
    readonly uses: readonly ["knowledgeWrite"];
    readonly description: "Delete one document's vectors, or a whole knowledge base's when no document is given.";
    readonly input: z.ZodObject<
      {
        knowledgeBaseId: z.ZodString;
        documentId: z.ZodOptional<z.ZodString>;
      },
      z.core.$strict
    >;
    readonly retry: RetryPolicy;
    readonly timeLimits: TimeLimits;
  };
  readonly send_notification: {
    readonly lane: "notification_default";
    readonly uses: readonly ["webhooks", "notificationTopics"];
    readonly description: "Deliver a signed webhook (or an SNS message) about an event.";
    readonly input: z.ZodObject<
      {
        channel: z.ZodDefault<
          z.ZodEnum<{
            webhook: "webhook";
            sns: "sns";
          }>
        >;
        url: z.ZodOptional<z.ZodURL>;
        topicArn: z.ZodOptional<z.ZodString>;
        event: z.ZodString;
        payload: z.ZodDefault<z.ZodRecord<z.ZodString, z.ZodUnknown>>;
        deliveryId: z.ZodOptional<z.ZodString>;
      },
      z.core.$strict
    >;
    readonly retry: {
      readonly maxAttempts: 5;
      /** Exponential backoff with full jitter: delay = random(0, min(cap, base * 2^(attempt-1))). */
      readonly backoffBaseSeconds: number;
      readonly backoffCapSeconds: number;
      /** Error types that fail the task at once, whatever attempts remain. */
      readonly nonRetryableErrors: readonly string[];
    };
    readonly timeLimits: {
      readonly softSeconds: 20;
      readonly hardSeconds: 30;
    };
    readonly timeLimitsReason: "one HTTP delivery: a receiver that hangs must fail and retry, not hold a notification worker for 10 minutes";
  };
  readonly cleanup_expired_results: {
    readonly lane: "default";
    readonly uses: readonly ["taskRecordDeletion"];
    readonly description: "Delete task records whose results have expired (DynamoDB TTL deletion can lag up to 48 h).";
    readonly input: z.ZodObject<
      {
        batchLimit: z.ZodOptional<z.ZodInt>;
      },
      z.core.$strict
    >;
    readonly retry: {
      readonly maxAttempts: 2;
      /** Exponential backoff with full jitter: delay = random(0, min(cap, base * 2^(attempt-1))). */
      readonly backoffBaseSeconds: number;
      readonly backoffCapSeconds: number;
      /** Error types that fail the task at once, whatever attempts remain. */
      readonly nonRetryableErrors: readonly string[];
    };
    readonly timeLimits: TimeLimits;
  };
  readonly check_task_health: {
    readonly lane: "default";
    readonly uses: readonly ["laneQueues"];
    readonly description: "Check lanes and records: stuck tasks, unsent tasks, DLQ depth; repair what can be repaired.";
    readonly input: z.ZodObject<
      {
        stuckGraceSeconds: z.ZodDefault<z.ZodInt>;
        unsentAfterSeconds: z.ZodDefault<z.ZodInt>;
        scanLimit: z.ZodDefault<z.ZodInt>;
        scanWindowSeconds: z.ZodDefault<z.ZodInt>;
      },
      z.core.$strict
    >;
    readonly retry: {
      readonly maxAttempts: 1;
      /** Exponential backoff with full jitter: delay = random(0, min(cap, base * 2^(attempt-1))). */
      readonly backoffBaseSeconds: number;
      readonly backoffCapSeconds: number;
      /** Error types that fail the task at once, whatever attempts remain. */
      readonly nonRetryableErrors: readonly string[];
    };
    readonly timeLimits: {
      readonly softSeconds: 50;
      readonly hardSeconds: 60;
    };
    readonly timeLimitsReason: "it fires every 5 minutes: a check still running after a minute is itself a fault, and must not overlap the next";
  };
  readonly echo: {
    readonly lane: "default";
    readonly uses: readonly [];
    readonly description: "Diagnostic: returns input.value after input.sleepMs (reporting progress in input.progressSteps steps); fails the first input.failTimes attempts (retryable), or always with input.fail = 'permanent'; input.ignoreAbort makes it ignore its AbortSignal; input.crashTimes ends the worker process (a crash) in the first N attempts.";
    readonly input: z.ZodObject<
      {
        value: z.ZodOptional<z.ZodUnknown>;
        sleepMs: z.ZodDefault<z.ZodInt>;
        progressSteps: z.ZodDefault<z.ZodInt>;
        failTimes: z.ZodDefault<z.ZodInt>;
        fail: z.ZodOptional<z.ZodLiteral<"permanent">>;
        ignoreAbort: z.ZodDefault<z.ZodBoolean>;
        crashTimes: z.ZodDefault<z.ZodInt>;
      },
      z.core.$strict
    >;
    readonly retry: RetryPolicy;
    readonly timeLimits: TimeLimits;
  };
};
export declare const taskCatalog: Readonly<Record<TaskType, TaskDefinition>>;
export type TaskType = keyof typeof taskDefinitions;
/** The parsed input of one task type, as its handler receives it. */
export type TaskInput<T extends TaskType> = z.output<(typeof taskDefinitions)[T]["input"]>;
/** What a submitter may give as the input of one task type (defaults not yet applied). */
export type TaskSubmissionInput<T extends TaskType> = z.input<(typeof taskDefinitions)[T]["input"]>;
/** The input schema of one task type, with its precise type (the catalog's record type widens it). */
export declare function taskInputSchema<T extends TaskType>(type: T): (typeof taskDefinitions)[T]["input"];
export declare const taskTypes: TaskType[];
export declare function isTaskType(value: string): value is TaskType;
/** The capabilities the task types of one lane use together. */
export declare function capabilitiesOfLane(lane: Lane): Set<TaskCapability>;
/** The task types that run on one lane. */
export declare function taskTypesOfLane(lane: Lane): TaskType[];
