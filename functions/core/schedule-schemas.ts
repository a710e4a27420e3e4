/**
 * The schedules API's request and response schemas, apart from the use cases
 * (manage-schedules.ts): the route table and the OpenAPI document need them
 * at init, while the use cases, with the schedule-expression parser (croner),
 * load with the first schedule request (schedule-routes.ts).
 */
import * as z from "zod";
import { taskTypes } from "../tasks/catalog.ts";
import { priorities } from "../tasks/lanes.ts";

export const scheduleName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z_.-]+$/, "letters, digits and _ . - only");

export const taskSpec = z.strictObject({
  type: z.string({ error: "required: a task type" }).min(1).max(100),
  input: z.unknown().optional(),
  priority: z.enum(priorities).default("normal"),
});

const scheduleFields = {
  expression: z.string().min(1).max(256),
  timezone: z.string().min(1).max(50),
  task: taskSpec,
  enabled: z.boolean(),
  description: z.string().max(512),
};

/** `POST /v1/schedules` body. */
export const scheduleCreationBody = z.strictObject({
  name: scheduleName,
  expression: scheduleFields.expression,
  timezone: scheduleFields.timezone.optional(),
  task: scheduleFields.task,
  enabled: scheduleFields.enabled.default(true),
  description: scheduleFields.description.optional(),
});

/** `PATCH /v1/schedules/{name}` body. */
export const schedulePatchBody = z
  .strictObject({
    expression: scheduleFields.expression.optional(),
    timezone: scheduleFields.timezone.optional(),
    task: scheduleFields.task.optional(),
    enabled: scheduleFields.enabled.optional(),
    description: scheduleFields.description.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "give at least one field to change");

/** `GET /v1/schedules` query. */
export const scheduleListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2_048).optional(),
});

/** A schedule as the API shows it: the stored schedule and its next fire times. */
export const scheduleViewSchema = z.object({
  name: z.string(),
  expression: z.string(),
  timezone: z.string(),
  task: z.object({ type: z.enum(taskTypes), input: z.unknown(), priority: z.enum(priorities) }),
  enabled: z.boolean(),
  description: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  nextFireTimes: z
    .array(z.string())
    .describe("The next fire times (ISO 8601 UTC); empty when disabled or finished."),
});
export type ScheduleView = Readonly<z.output<typeof scheduleViewSchema>>;
