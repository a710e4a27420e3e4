/**
 * What a client may submit (`POST /v1/tasks`), checked against the catalog:
 * the body's shape first, then the input against its task type's schema,
 * then the rules that tie fields together (times, limits).
 */
import * as z from "zod";
import {
  isTaskType,
  type TaskInput,
  type TaskType,
  taskCatalog,
  taskInputSchema,
  taskTypes,
} from "../tasks/catalog.ts";
import { type Priority, priorities } from "../tasks/lanes.ts";
import { ApiError, type FieldIssue, validationError } from "./api-error.ts";
import { type Scope, scopesOf } from "./authenticate.ts";
import type { ApiKeyRecord } from "./ports.ts";
import { callbackTag, isSystemEvent, systemEventPrefix } from "./system-events.ts";
import type { TaskTimeLimits } from "./task.ts";
import { parseOrThrow, toValidationError } from "./validation.ts";

/** The longest delay a task may be given. */
export const maxDelaySeconds = 365 * 86_400;
/** The most attempts a submitter may ask for. */
export const maxAttemptsLimit = 20;

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

const tagKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:/-]+$/, "letters, digits and _ . : / - only");

export const tagsSchema = z
  .record(tagKey, z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= 20, "at most 20 tags");

const isoTime = z.iso.datetime({ offset: true, error: "an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z" });

export const submissionBody = z.strictObject({
  type: z.string({ error: "required: a task type" }).min(1).max(100),
  input: z.unknown().optional(),
  priority: z.enum(priorities).default("normal"),
  delaySeconds: z.int().min(0).max(maxDelaySeconds).optional(),
  runAt: isoTime.optional(),
  expiresAt: isoTime.optional(),
  maxAttempts: z.int().min(1).max(maxAttemptsLimit).optional(),
  timeLimits: z
    .strictObject({
      softSeconds: z.number().positive().optional(),
      hardSeconds: z.number().positive().optional(),
    })
    .optional(),
  callbackUrl: z
    .url({ protocol: /^https?$/, error: "an http(s) URL" })
    .max(2_048)
    .optional(),
  tags: tagsSchema.optional(),
});

/** The submission options besides `type` and `input`: what the AI shortcut accepts next to its input. */
export const submissionOptions = submissionBody.omit({ type: true, input: true });

/**
 * The submission body per task type, for the OpenAPI document: the same
 * `submissionBody` with `type` fixed and `input` the type's catalog schema
 * (required when the type has required fields). Built when first used (the
 * document, not a submission), since extending the body once per type is
 * the dearest schema work of the API's cold start.
 */
export const submissionRequestSchema = z.lazy(() =>
  z.discriminatedUnion(
    "type",
    taskTypes.map((type) => {
      const input = taskCatalog[type].input;
      return submissionBody.extend({
        type: z.literal(type),
        input: input.safeParse({}).success ? input.optional() : input,
      });
    }) as unknown as [z.ZodObject, ...z.ZodObject[]],
  ),
);

/** The AI shortcut's body: `generate_ai_response`'s input and the submission options side by side. */
export const aiGenerateRequestSchema = taskInputSchema("generate_ai_response").extend(
  submissionOptions.shape,
);

/**
 * What an API caller may not put in an input that the system itself may:
 * the `task.*` events of `send_notification` are the completion callbacks',
 * signed with their own secret (send-notification.ts). `inputPath` is where
 * the input sits in the request body, for the issue's path.
 */
export function callerInputIssues(type: TaskType, input: unknown, inputPath: string): FieldIssue[] {
  if (type !== "send_notification") return [];
  const { event } = input as TaskInput<"send_notification">;
  return isSystemEvent(event)
    ? [
        {
          path: `${inputPath}.event`,
          message: `events starting with "${systemEventPrefix}" are reserved for the system's completion callbacks`,
        },
      ]
    : [];
}

/** An echo sleep longer than this holds a worker long enough to count as a diagnostic. */
export const echoLongSleepMs = 10_000;

/** The fields of an echo input that disturb workers (crashes, long or unabortable sleeps); empty when none. */
export function echoDiagnosticsIn(input: TaskInput<"echo">): string[] {
  return [
    ...(input.crashTimes > 0 ? ["crashTimes"] : []),
    ...(input.sleepMs > echoLongSleepMs ? ["sleepMs"] : []),
    ...(input.ignoreAbort ? ["ignoreAbort"] : []),
  ];
}

/** What a submitter may do besides its route's scope: its own scopes, and whether the stage allows diagnostics. */
export interface SubmitterRights {
  readonly caller: ApiKeyRecord;
  /** The stage setting `echoDiagnostics` (off in prod). */
  readonly echoDiagnostics: boolean;
}

/**
 * Refuses (403) a submission the caller may not make although its route
 * allows submitting: a task type that needs another scope (catalog
 * `submitScope`), or echo's destructive diagnostics on a stage that has them off.
 */
export function authorizeSubmission(
  submission: Pick<Submission, "type" | "input">,
  rights: SubmitterRights,
): void {
  const needed: Scope | undefined = taskCatalog[submission.type].submitScope;
  if (needed !== undefined && !scopesOf(rights.caller).includes(needed)) {
    throw new ApiError(403, "forbidden", `submitting ${submission.type} needs the ${needed} scope`, {
      needed,
    });
  }
  refuseEchoDiagnostics(submission, rights.echoDiagnostics, "input");
}

/** Refuses (403) an echo input with diagnostics when the stage has them off; `inputPath` prefixes the fields named. */
export function refuseEchoDiagnostics(
  task: Pick<Submission, "type" | "input">,
  allowed: boolean,
  inputPath: string,
): void {
  if (task.type !== "echo" || allowed) return;
  const fields = echoDiagnosticsIn(task.input as TaskInput<"echo">).map((field) => `${inputPath}.${field}`);
  if (fields.length === 0) return;
  throw new ApiError(
    403,
    "forbidden",
    `echo's diagnostics (${fields.join(", ")}: crashes, sleeps over ${echoLongSleepMs} ms, ignored aborts) disturb workers, and this stage has them off (echoDiagnostics)`,
    { fields },
  );
}

/**
 * Parses a submission body. `upstreamField` (a workflow node's `resultInto`)
 * names an input field that is filled in when the node starts: what the
 * schema says about it is not checked now (the worker checks the whole input
 * before the handler runs).
 */
export function parseSubmission(body: unknown, now: Date, upstreamField?: string): Submission {
  const parsed = parseOrThrow(submissionBody, body);
  if (!isTaskType(parsed.type)) {
    throw validationError([{ path: "type", message: `unknown task type; known: ${taskTypes.join(", ")}` }]);
  }
  const definition = taskCatalog[parsed.type];
  const input =
    upstreamField === undefined
      ? parseOrThrow(definition.input, parsed.input ?? {}, ["input"])
      : inputWithoutUpstream(definition.input, parsed.input ?? {}, upstreamField);
  const issues: FieldIssue[] = [...callerInputIssues(parsed.type, input, "input")];
  if (parsed.tags && Object.hasOwn(parsed.tags, callbackTag)) {
    issues.push({
      path: `tags.${callbackTag}`,
      message: "reserved: the system tags completion callbacks with it",
    });
  }

  if (parsed.delaySeconds !== undefined && parsed.runAt !== undefined) {
    issues.push({ path: "runAt", message: "give either delaySeconds or runAt, not both" });
  }
  let runAtMs = now.getTime();
  if (parsed.delaySeconds !== undefined) runAtMs += parsed.delaySeconds * 1000;
  if (parsed.runAt !== undefined) {
    runAtMs = Math.max(now.getTime(), Date.parse(parsed.runAt));
    if (runAtMs > now.getTime() + maxDelaySeconds * 1000) {
      issues.push({ path: "runAt", message: "at most 365 days ahead" });
    }
  }
  const expiresAtMs = parsed.expiresAt === undefined ? undefined : Date.parse(parsed.expiresAt);
  if (expiresAtMs !== undefined && expiresAtMs <= runAtMs) {
    issues.push({ path: "expiresAt", message: "must be later than the time the task is due to run" });
  }

  let timeLimits: TaskTimeLimits | undefined;
  if (parsed.timeLimits) {
    const softSeconds = parsed.timeLimits.softSeconds ?? definition.timeLimits.softSeconds;
    const hardSeconds = parsed.timeLimits.hardSeconds ?? definition.timeLimits.hardSeconds;
    if (hardSeconds > definition.timeLimits.hardSeconds) {
      issues.push({
        path: "timeLimits.hardSeconds",
        message: `at most the type's hard limit, ${definition.timeLimits.hardSeconds}`,
      });
    }
    if (softSeconds > hardSeconds) {
      issues.push({ path: "timeLimits.softSeconds", message: "must not exceed the hard limit" });
    }
    timeLimits = { softSeconds: Math.min(softSeconds, hardSeconds), hardSeconds };
  }
  if (issues.length > 0) throw validationError(issues);

  return {
    type: parsed.type,
    input,
    priority: parsed.priority,
    maxAttempts: parsed.maxAttempts ?? definition.retry.maxAttempts,
    ...(runAtMs > now.getTime() ? { runAt: new Date(runAtMs).toISOString() } : {}),
    ...(expiresAtMs === undefined ? {} : { expiresAt: new Date(expiresAtMs).toISOString() }),
    ...(timeLimits ? { timeLimits } : {}),
    ...(parsed.callbackUrl ? { callbackUrl: parsed.callbackUrl } : {}),
    ...(parsed.tags ? { tags: parsed.tags } : {}),
  };
}

/** An input checked without its upstream field: the parsed input when it passes, else the input as given. */
function inputWithoutUpstream(schema: z.ZodType, input: unknown, field: string): unknown {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.filter((issue) => issue.path[0] !== field);
  if (issues.length > 0) throw toValidationError(new z.ZodError(issues), ["input"]);
  return input;
}
