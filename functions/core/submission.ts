/**
 * What a client may submit (`POST /v1/tasks`), checked against the catalog:
 * the body's shape first, then the input against its task type's schema.
 */
import { z } from "zod";
import { isTaskType, type TaskType, taskCatalog, taskTypes } from "../tasks/catalog.ts";
import { validationError } from "./api-error.ts";
import { type Priority, priorities } from "./task.ts";
import { parseOrThrow } from "./validation.ts";

export interface Submission {
  readonly type: TaskType;
  readonly input: unknown;
  readonly priority: Priority;
  readonly tags?: Readonly<Record<string, string>>;
}

const tagKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:/-]+$/, "letters, digits and _ . : / - only");

const submissionBody = z.strictObject({
  type: z.string({ error: "required: a task type" }).min(1).max(100),
  input: z.unknown().optional(),
  priority: z.enum(priorities).default("normal"),
  tags: z
    .record(tagKey, z.string().max(256))
    .refine((tags) => Object.keys(tags).length <= 20, "at most 20 tags")
    .optional(),
});

export function parseSubmission(body: unknown): Submission {
  const parsed = parseOrThrow(submissionBody, body);
  if (!isTaskType(parsed.type)) {
    throw validationError([{ path: "type", message: `unknown task type; known: ${taskTypes.join(", ")}` }]);
  }
  const input = parseOrThrow(taskCatalog[parsed.type].input, parsed.input ?? {}, ["input"]);
  return {
    type: parsed.type,
    input,
    priority: parsed.priority,
    ...(parsed.tags ? { tags: parsed.tags } : {}),
  };
}
