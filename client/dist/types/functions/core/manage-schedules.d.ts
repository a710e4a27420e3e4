/**
 * Use cases of the dynamic schedules API: create, read, list, change and
 * delete schedules, each firing a task of the catalog. Everything is checked
 * here before the schedule store is called, so a bad request gets a 400 that
 * names the field, and the service's own refusals come back as 400s too.
 */
import * as z from "zod";
import { type ScheduleDefinition, type ScheduleStore, type StoredSchedule } from "./ports.ts";
/** EventBridge Scheduler's limit on a target's input. */
export declare const maxTargetInputChars = 8192;
/** How many next fire times a schedule shows. */
export declare const shownFireTimes = 5;
export declare const scheduleName: z.ZodString;
/** `POST /v1/schedules` body. */
export declare const scheduleCreationBody: z.ZodObject<
  {
    name: z.ZodString;
    expression: z.ZodString;
    timezone: z.ZodOptional<z.ZodString>;
    task: z.ZodObject<
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
      },
      z.core.$strict
    >;
    enabled: z.ZodDefault<z.ZodBoolean>;
    description: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
/** `PATCH /v1/schedules/{name}` body. */
export declare const schedulePatchBody: z.ZodObject<
  {
    expression: z.ZodOptional<z.ZodString>;
    timezone: z.ZodOptional<z.ZodString>;
    task: z.ZodOptional<
      z.ZodObject<
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
        },
        z.core.$strict
      >
    >;
    enabled: z.ZodOptional<z.ZodBoolean>;
    description: z.ZodOptional<z.ZodString>;
  },
  z.core.$strict
>;
/** `GET /v1/schedules` query. */
export declare const scheduleListQuery: z.ZodObject<
  {
    limit: z.ZodDefault<z.ZodCoercedNumber<unknown>>;
    cursor: z.ZodOptional<z.ZodString>;
  },
  z.core.$strip
>;
/** A schedule as the API shows it: the stored schedule and its next fire times. */
export declare const scheduleViewSchema: z.ZodObject<
  {
    name: z.ZodString;
    expression: z.ZodString;
    timezone: z.ZodString;
    task: z.ZodObject<
      {
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
        input: z.ZodUnknown;
        priority: z.ZodEnum<{
          high: "high";
          normal: "normal";
          low: "low";
        }>;
      },
      z.core.$strip
    >;
    enabled: z.ZodBoolean;
    description: z.ZodOptional<z.ZodString>;
    createdAt: z.ZodString;
    updatedAt: z.ZodString;
    nextFireTimes: z.ZodArray<z.ZodString>;
  },
  z.core.$strip
>;
export type ScheduleView = Readonly<z.output<typeof scheduleViewSchema>>;
export interface ScheduleDeps {
  readonly store: ScheduleStore;
  readonly now: () => Date;
  /** The stage's time zone, for schedules created without one. */
  readonly defaultTimeZone: string;
}
export declare function parseScheduleCreation(
  body: unknown,
  deps: Pick<ScheduleDeps, "now" | "defaultTimeZone">,
): ScheduleDefinition;
/** The view clients see: the schedule and its next fire times. */
export declare function viewOf(schedule: StoredSchedule, now: Date): ScheduleView;
export declare function createSchedule(
  definition: ScheduleDefinition,
  deps: ScheduleDeps,
): Promise<ScheduleView>;
export declare function getSchedule(name: string, deps: ScheduleDeps): Promise<ScheduleView>;
export declare function listSchedules(
  query: {
    limit?: string;
    cursor?: string;
  },
  deps: ScheduleDeps,
): Promise<{
  items: ScheduleView[];
  nextCursor: string | null;
}>;
export declare function updateSchedule(
  name: string,
  body: unknown,
  deps: ScheduleDeps,
): Promise<ScheduleView>;
export declare function deleteSchedule(name: string, deps: ScheduleDeps): Promise<void>;
