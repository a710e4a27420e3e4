/**
 * Task metrics in CloudWatch's embedded metric format (Powertools Metrics):
 * one namespace, dimensions `service`, `lane` and `type`. The counters
 * function publishes them from the task table's stream (what each record
 * change says: `measurementOfChange`), the worker only what changes no
 * record (rate-limit waits); the CDK monitoring construct builds the
 * dashboard and alarms from the same names, so they cannot drift.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { TaskStatus, TaskTransition } from "../core/task.ts";
import { queueWaitMs } from "../core/task-times.ts";
import type { TaskType } from "../tasks/catalog.ts";
import type { Lane } from "../tasks/lanes.ts";

export const metricsNamespace = "ClawTasks";
export const metricsServiceName = "claw-tasks";

/** Counts of task events. */
export const taskCountMetrics = {
  submitted: "TasksSubmitted",
  succeeded: "TasksSucceeded",
  failed: "TasksFailed",
  retried: "TasksRetried",
  cancelled: "TasksCancelled",
  expired: "TasksExpired",
  rateLimited: "TasksRateLimited",
} as const;

/** Times in milliseconds: an attempt's run time, and the wait from due to start. */
export const taskTimeMetrics = { duration: "TaskDuration", queueWait: "QueueWait" } as const;

export type TaskCountMetric = keyof typeof taskCountMetrics;

export interface TaskMeasurement {
  readonly lane: Lane;
  readonly type: TaskType;
  /** Kept as EMF metadata (searchable in the logs), not a dimension. */
  readonly taskId?: string;
  readonly counts: readonly TaskCountMetric[];
  readonly durationMs?: number;
  readonly queueWaitMs?: number;
}

function metricsOf(lane: Lane, type: TaskType): Metrics {
  return new Metrics({
    namespace: metricsNamespace,
    serviceName: metricsServiceName,
    defaultDimensions: { lane, type },
  });
}

const measuresSomething = (measurement: TaskMeasurement) =>
  measurement.counts.length > 0 ||
  measurement.durationMs !== undefined ||
  measurement.queueWaitMs !== undefined;

/**
 * Measurements per line: Powertools publishes a metric's values by itself when
 * they reach 100 (and drops the metadata with them), so a line stays below.
 */
const measurementsPerLine = 99;

/**
 * A batch's measurements (a stream batch's, or a worker batch's), published
 * together: one EMF line per lane and type (up to 99 measurements, then
 * another), each count the sum of the line's measurements, each time a list
 * of values, and the line's task ids as `taskIds` metadata (space-separated,
 * each once), so a task's metrics line can be found by its id
 * (`claw-tasks logs --task`). A line per task would repeat the same ~400
 * bytes of EMF directive per task, and CloudWatch bills ingestion by the byte.
 */
export class TaskMetricsBatch {
  readonly #byType = new Map<string, TaskMeasurement[]>();

  add(measurement: TaskMeasurement): void {
    if (!measuresSomething(measurement)) return;
    const key = `${measurement.lane} ${measurement.type}`;
    const list = this.#byType.get(key);
    if (list) list.push(measurement);
    else this.#byType.set(key, [measurement]);
  }

  publish(): void {
    for (const measurements of this.#byType.values()) {
      for (let first = 0; first < measurements.length; first += measurementsPerLine) {
        publishLine(measurements.slice(first, first + measurementsPerLine));
      }
    }
    this.#byType.clear();
  }
}

/** One EMF line of measurements of one lane and type (at most `measurementsPerLine`). */
function publishLine(measurements: readonly TaskMeasurement[]): void {
  const { lane, type } = measurements[0]!;
  const metrics = metricsOf(lane, type);
  const counts = new Map<TaskCountMetric, number>();
  for (const measurement of measurements) {
    for (const count of measurement.counts) counts.set(count, (counts.get(count) ?? 0) + 1);
  }
  for (const [count, sum] of counts) metrics.addMetric(taskCountMetrics[count], MetricUnit.Count, sum);
  for (const measurement of measurements) {
    if (measurement.durationMs !== undefined)
      metrics.addMetric(taskTimeMetrics.duration, MetricUnit.Milliseconds, measurement.durationMs);
    if (measurement.queueWaitMs !== undefined)
      metrics.addMetric(taskTimeMetrics.queueWait, MetricUnit.Milliseconds, measurement.queueWaitMs);
  }
  const taskIds = new Set(measurements.flatMap((measurement) => measurement.taskId ?? []));
  if (taskIds.size > 0) metrics.addMetadata("taskIds", [...taskIds].join(" "));
  metrics.publishStoredMetrics();
}

/** One change of a task record as the table's stream tells it, with what the metrics read of it. */
export interface TaskMetricsChange {
  readonly id: string;
  readonly lane: Lane;
  readonly type: TaskType;
  /** Absent for a new record (INSERT). */
  readonly before?: TaskStatus;
  /** Absent for a deleted record. */
  readonly after?: TaskStatus;
  /** The new image's times (absent when it has none). */
  readonly createdAt?: string;
  readonly runAt?: string;
  readonly startedAt?: string;
  /** The history entries the change appended, oldest first. */
  readonly added: readonly TaskTransition[];
  /** The record's last history entry before the change, if any. */
  readonly previous?: TaskTransition;
}

/** The status an attempt ends in; its history entry carries the attempt's number (finishAttempt, recordAttempt). */
const attemptEndStatuses: readonly TaskStatus[] = ["succeeded", "failed", "cancelled", "retrying"];

const countOfStatus: Partial<Record<TaskStatus, TaskCountMetric>> = {
  succeeded: "succeeded",
  failed: "failed",
  retrying: "retried",
  cancelled: "cancelled",
  expired: "expired",
};

/**
 * What one task record change measures (pure):
 * - `TasksSubmitted`: the record was created (by the API, a schedule, a
 *   workflow, or the worker's claim when the submit's write had not landed);
 * - `TasksSucceeded`, `TasksFailed`, `TasksCancelled`, `TasksExpired`,
 *   `TasksRetried`: the status changed into that one (or an attempt ended
 *   `retrying` again: an unclaimed attempt of a retrying task);
 * - `TaskDuration`: an attempt ended (its entry names the attempt): from the
 *   record's `startedAt` (the claim, or the start an attempt recorded in one
 *   write stores) to the entry's time, the recorded outcome;
 * - `QueueWait`: the change started an attempt (a new `running` entry) that
 *   is a first start: from due (queued, or its runAt) to that entry
 *   (core/task-times.ts, as the worker measured it).
 */
export function measurementOfChange(change: TaskMetricsChange): TaskMeasurement {
  const counts: TaskCountMetric[] = [];
  const base = { lane: change.lane, type: change.type, taskId: change.id };
  if (change.after === undefined) return { ...base, counts };
  if (change.before === undefined) counts.push("submitted");
  const ended = change.added.findLast(
    (entry) => entry.attempt !== undefined && attemptEndStatuses.includes(entry.status),
  );
  const count = countOfStatus[change.after];
  if (count && (change.after !== change.before || ended?.status === change.after)) counts.push(count);
  const started = change.added.findLast((entry) => entry.status === "running");
  const startedAt = change.startedAt ?? started?.at;
  const durationMs =
    ended && startedAt ? Math.max(0, Date.parse(ended.at) - Date.parse(startedAt)) : undefined;
  const waited = started
    ? queueWaitMs(
        {
          history: change.previous ? [change.previous, ...change.added] : change.added,
          createdAt: change.createdAt ?? started.at,
          ...(change.runAt ? { runAt: change.runAt } : {}),
        },
        new Date(started.at),
      )
    : undefined;
  return {
    ...base,
    counts,
    ...(durationMs === undefined || Number.isNaN(durationMs) ? {} : { durationMs }),
    ...(waited === undefined || Number.isNaN(waited) ? {} : { queueWaitMs: waited }),
  };
}
