/**
 * The message a lane queue carries. It holds everything needed to create the
 * task record, so a worker can still run a task whose record write failed
 * after the message was sent (the submit path writes both at once).
 */
import { z } from "zod";
import { isTaskType, type TaskType } from "../tasks/catalog.ts";
import { isLane, type Lane } from "../tasks/lanes.ts";
import { type Priority, priorities, type Task } from "./task.ts";

export interface TaskEnvelope {
  readonly v: 1;
  readonly id: string;
  readonly type: TaskType;
  readonly lane: Lane;
  readonly priority: Priority;
  readonly input: unknown;
  readonly maxAttempts: number;
  readonly createdAt: string;
  readonly tags?: Readonly<Record<string, string>>;
}

const envelopeSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  type: z.string().refine(isTaskType, "unknown task type"),
  lane: z.string().refine(isLane, "unknown lane"),
  priority: z.enum(priorities),
  input: z.unknown(),
  maxAttempts: z.int().min(1),
  createdAt: z.iso.datetime(),
  tags: z.record(z.string(), z.string()).optional(),
});

export function envelopeOf(task: Task): TaskEnvelope {
  const { id, type, lane, priority, input, maxAttempts, createdAt, tags } = task;
  return { v: 1, id, type, lane, priority, input, maxAttempts, createdAt, ...(tags ? { tags } : {}) };
}

/** Parses a queue message body; throws on anything that is not an envelope. */
export function parseEnvelope(body: string): TaskEnvelope {
  return envelopeSchema.parse(JSON.parse(body)) as TaskEnvelope;
}
