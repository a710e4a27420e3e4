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

export const staticSchedules: readonly StaticSchedule[] = [
  {
    name: "cleanup-expired-results",
    description: "Hourly: delete task records whose results have expired (TTL deletion lags)",
    expression: "cron(0 * * * ? *)",
    taskType: "cleanup_expired_results",
    input: {},
    maxEventAgeSeconds: 3_600,
  },
  {
    name: "check-task-health",
    description: "Every 5 minutes: find stuck and unsent tasks, check DLQ depths",
    expression: "rate(5 minutes)",
    taskType: "check_task_health",
    input: {},
    maxEventAgeSeconds: 300,
  },
];

/**
 * How EventBridge Scheduler delivers a firing of any schedule: retries of a
 * failed send to the lane queue, then the schedules' DLQ. Dynamic schedules
 * may wait up to `maxEventAgeSeconds`; static ones set their own.
 */
export const scheduleDelivery = { retryAttempts: 10, maxEventAgeSeconds: 3_600 } as const;
