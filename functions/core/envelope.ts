/**
 * The message a lane queue carries. It holds everything needed to create the
 * task record, so a worker can still run a task whose record write failed
 * after the message was sent (the submit path writes both at once).
 */
import * as z from "zod";
import { isTaskType, type TaskType, taskCatalog } from "../tasks/catalog.ts";
import { isLane, type Lane, type Priority, priorities } from "../tasks/lanes.ts";
import { defaultNamespace, namespaceName } from "./namespaces.ts";
import type { PayloadLocation } from "./payload.ts";
import {
  payloadLocationSchema,
  type Task,
  type TaskSubmitter,
  type TaskTimeLimits,
  type TaskWorkflowRef,
  taskWorkflowRefSchema,
} from "./task.ts";

/** What a schedule runs at each firing. */
export interface ScheduledTask {
  readonly type: TaskType;
  readonly input: unknown;
  readonly priority: Priority;
}

export interface TaskEnvelope {
  readonly v: 1;
  readonly id: string;
  readonly type: TaskType;
  readonly lane: Lane;
  readonly priority: Priority;
  readonly input: unknown;
  /** Where a large input is kept (the server's, never a caller's: schedules carry `input` only). */
  readonly inputPayload?: PayloadLocation;
  readonly maxAttempts: number;
  readonly createdAt: string;
  readonly runAt?: string;
  readonly expiresAt?: string;
  readonly timeLimits?: TaskTimeLimits;
  readonly callbackUrl?: string;
  readonly scheduleName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** The task's namespace: the worker reads and writes its record, and what it creates, there. Absent: `default`. */
  readonly namespace?: string;
  /** Carried so a record the worker's claim creates still names its submitter. */
  readonly submittedBy?: TaskSubmitter;
  /** Carried so a node whose record the worker's claim creates still moves its workflow on. */
  readonly workflow?: TaskWorkflowRef;
  /**
   * The attempts the task had recorded when this message was sent (absent: 0).
   * A hint for the deferred claim (run-task.ts), which runs the handler before
   * reading or writing the record: its one write checks the hint still holds.
   */
  readonly attempts?: number;
}

const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(200),
  type: z.string().refine(isTaskType, "unknown task type"),
  lane: z.string().refine(isLane, "unknown lane"),
  priority: z.enum(priorities),
  input: z.unknown(),
  inputPayload: payloadLocationSchema.optional(),
  maxAttempts: z.int().min(1),
  createdAt: z.iso.datetime(),
  runAt: z.iso.datetime().optional(),
  expiresAt: z.iso.datetime().optional(),
  timeLimits: z.object({ softSeconds: z.number().positive(), hardSeconds: z.number().positive() }).optional(),
  callbackUrl: z.string().optional(),
  scheduleName: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  namespace: namespaceName.optional(),
  submittedBy: z.object({ name: z.string().max(100), keyId: z.string().max(64) }).optional(),
  workflow: taskWorkflowRefSchema.optional(),
  attempts: z.int().min(0).optional(),
});

/** The envelope's optional fields, each copied from the task as it is (and back, by the store's claim). */
export const optionalEnvelopeFields = [
  "inputPayload",
  "runAt",
  "expiresAt",
  "timeLimits",
  "callbackUrl",
  "scheduleName",
  "tags",
  "namespace",
  "submittedBy",
  "workflow",
] as const;

/** The namespace a message's task lives in. */
export const namespaceOfEnvelope = (envelope: Pick<TaskEnvelope, "namespace">): string =>
  envelope.namespace ?? defaultNamespace;

export function envelopeOf(task: Task): TaskEnvelope {
  const { id, type, lane, priority, input, maxAttempts, createdAt } = task;
  const envelope: Record<string, unknown> = { v: 1, id, type, lane, priority, input, maxAttempts, createdAt };
  for (const field of optionalEnvelopeFields) if (task[field] !== undefined) envelope[field] = task[field];
  if (task.attempts > 0) envelope.attempts = task.attempts;
  return envelope as unknown as TaskEnvelope;
}

/** Parses a queue message body; throws on anything that is not an envelope. */
export function parseEnvelope(body: string): TaskEnvelope {
  return envelopeSchema.parse(JSON.parse(body)) as TaskEnvelope;
}

/** The task id and namespace of a message body that may not be a valid envelope, to record what happened to it. */
export function taskRefOf(body: string): { id: string; namespace: string } | undefined {
  try {
    const { id, namespace } = JSON.parse(body) as { id?: unknown; namespace?: unknown };
    if (typeof id !== "string" || id.length === 0 || id.length > 200) return undefined;
    if (namespace !== undefined && !namespaceName.safeParse(namespace).success) return undefined;
    return { id, namespace: (namespace as string | undefined) ?? defaultNamespace };
  } catch {
    return undefined;
  }
}

/** EventBridge Scheduler's limit on a target's input, in characters. */
export const maxTargetInputChars = 8_192;

/** EventBridge Scheduler replaces this with the firing's scheduled time (e.g. 2022-03-22T18:59:43Z). */
export const scheduledTimePlaceholder = "<aws.scheduler.scheduled-time>";

/**
 * The message a schedule sends to its lane's queue at each firing, as the
 * target input template. The task id is `<schedule name>@<scheduled time>`:
 * each firing is a new task, while a retried delivery of one firing (same
 * scheduled time) is the same task, which the worker's claim runs once.
 */
export function scheduledEnvelopeInput(
  scheduleName: string,
  task: ScheduledTask,
  namespace: string = defaultNamespace,
): string {
  const definition = taskCatalog[task.type];
  const envelope: TaskEnvelope = {
    v: 1,
    id: `${scheduleName}@${scheduledTimePlaceholder}`,
    type: task.type,
    lane: definition.lane,
    priority: task.priority,
    input: task.input,
    maxAttempts: definition.retry.maxAttempts,
    createdAt: scheduledTimePlaceholder,
    scheduleName,
    // The default namespace's messages leave it out, as they did before namespaces.
    ...(namespace === defaultNamespace ? {} : { namespace }),
  };
  return JSON.stringify(envelope);
}

/**
 * Reads the task (and its namespace) back from a schedule's target input;
 * undefined when claw-tasks did not write it.
 */
export function scheduledTaskOf(
  targetInput: string | undefined,
): (ScheduledTask & { readonly namespace: string }) | undefined {
  if (!targetInput) return undefined;
  try {
    const envelope = parseEnvelope(
      targetInput.replaceAll(scheduledTimePlaceholder, new Date(0).toISOString()),
    );
    return {
      type: envelope.type,
      input: envelope.input,
      priority: envelope.priority,
      namespace: namespaceOfEnvelope(envelope),
    };
  } catch {
    return undefined;
  }
}
