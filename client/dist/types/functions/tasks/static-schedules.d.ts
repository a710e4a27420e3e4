/**
 * The schedules the stack itself creates (Celery Beat's static entries). The
 * CDK schedules construct creates one EventBridge schedule per entry, in the
 * stage's time zone; the API keeps their names for them.
 */
import type { TaskInput, TaskType } from "./catalog.ts";
export interface StaticSchedule<T extends TaskType = TaskType> {
  /** Schedule name (1-64 of letters, digits, - _ .); also the `scheduleName` of the tasks it creates. */
  readonly name: string;
  readonly description: string;
  /** An EventBridge Scheduler expression: cron(...) or rate(...). */
  readonly expression: string;
  readonly taskType: T;
  readonly input: TaskInput<T>;
  /** A firing not delivered within this time is dropped (to the schedules' DLQ); a stale health check is no use. */
  readonly maxEventAgeSeconds: number;
}
export declare const staticSchedules: readonly StaticSchedule[];
/**
 * How EventBridge Scheduler delivers a firing of any schedule: retries of a
 * failed send to the lane queue, then the schedules' DLQ. Dynamic schedules
 * may wait up to `maxEventAgeSeconds`; static ones set their own.
 */
export declare const scheduleDelivery: {
  readonly retryAttempts: 10;
  readonly maxEventAgeSeconds: 3600;
};
