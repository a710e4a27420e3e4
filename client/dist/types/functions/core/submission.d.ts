/**
 * What a client may submit (`POST /v1/tasks`), checked against the catalog:
 * the body's shape first, then the input against its task type's schema,
 * then the rules that tie fields together (times, limits).
 */
import * as z from "zod";
import { type TaskType } from "../tasks/catalog.ts";
import { type Priority } from "../tasks/lanes.ts";
import type { TaskTimeLimits } from "./task.ts";
/** The longest delay a task may be given. */
export declare const maxDelaySeconds: number;
/** The most attempts a submitter may ask for. */
export declare const maxAttemptsLimit = 20;
export interface Submission {
  readonly type: TaskType;
  readonly input: unknown;
  readonly priority: Priority;
  readonly maxAttempts: number;
  /** Absolute; absent means now. */
  readonly runAt?: string;
  readonly expiresAt?: string;
  readonly timeLimits?: TaskTimeLimits;
  readonly callbackUrl?: string;
  readonly tags?: Readonly<Record<string, string>>;
}
export declare const tagsSchema: z.ZodRecord<z.ZodString, z.ZodString>;
export declare const submissionBody: z.ZodObject<
  {
    type: z.ZodString;
    input: z.ZodOptional<z.ZodUnknown>;
    priority: z.ZodDefault<
      z.ZodEnum<{
        high: "high";
        normal: "normal";
        low: "low";
      }>
    >;
    delaySeconds: z.ZodOptional<z.ZodInt>;
    runAt: z.ZodOptional<z.ZodISODateTime>;
    expiresAt: z.ZodOptional<z.ZodISODateTime>;
    maxAttempts: z.ZodOptional<z.ZodInt>;
    timeLimits: z.ZodOptional<
      z.ZodObject<
        {
          softSeconds: z.ZodOptional<z.ZodNumber>;
          hardSeconds: z.ZodOptional<z.ZodNumber>;
        },
        z.core.$strict
      >
    >;
    callbackUrl: z.ZodOptional<z.ZodURL>;
    tags: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
  },
  z.core.$strict
>;
/** The submission options besides `type` and `input`: what the AI shortcut accepts next to its input. */
export declare const submissionOptions: z.ZodObject<
  {
    timeLimits: z.ZodOptional<
      z.ZodObject<
        {
          softSeconds: z.ZodOptional<z.ZodNumber>;
          hardSeconds: z.ZodOptional<z.ZodNumber>;
        },
        z.core.$strict
      >
    >;
    priority: z.ZodDefault<
      z.ZodEnum<{
        high: "high";
        normal: "normal";
        low: "low";
      }>
    >;
    maxAttempts: z.ZodOptional<z.ZodInt>;
    runAt: z.ZodOptional<z.ZodISODateTime>;
    expiresAt: z.ZodOptional<z.ZodISODateTime>;
    callbackUrl: z.ZodOptional<z.ZodURL>;
    tags: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
    delaySeconds: z.ZodOptional<z.ZodInt>;
  },
  z.core.$strict
>;
/**
 * The submission body per task type, for the OpenAPI document: the same
 * `submissionBody` with `type` fixed and `input` the type's catalog schema
 * (required when the type has required fields).
 */
export declare const submissionRequestSchema: z.ZodDiscriminatedUnion<
  [z.ZodObject<z.core.$ZodLooseShape, z.core.$strip>, ...z.ZodObject<z.core.$ZodLooseShape, z.core.$strip>[]],
  "type"
>;
/** The AI shortcut's body: `generate_ai_response`'s input and the submission options side by side. */
export declare const aiGenerateRequestSchema: z.ZodObject<
  {
    conversationId: z.ZodString;
    userMessage: z.ZodString;
    knowledgeBaseId: z.ZodOptional<z.ZodString>;
    topK: z.ZodOptional<z.ZodInt>;
    systemPrompt: z.ZodOptional<z.ZodString>;
    temperature: z.ZodOptional<z.ZodNumber>;
    maxTokens: z.ZodOptional<z.ZodInt>;
    timeLimits: z.ZodOptional<
      z.ZodObject<
        {
          softSeconds: z.ZodOptional<z.ZodNumber>;
          hardSeconds: z.ZodOptional<z.ZodNumber>;
        },
        z.core.$strict
      >
    >;
    priority: z.ZodDefault<
      z.ZodEnum<{
        high: "high";
        normal: "normal";
        low: "low";
      }>
    >;
    maxAttempts: z.ZodOptional<z.ZodInt>;
    runAt: z.ZodOptional<z.ZodISODateTime>;
    expiresAt: z.ZodOptional<z.ZodISODateTime>;
    callbackUrl: z.ZodOptional<z.ZodURL>;
    tags: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
    delaySeconds: z.ZodOptional<z.ZodInt>;
  },
  z.core.$strict
>;
export declare function parseSubmission(body: unknown, now: Date): Submission;
