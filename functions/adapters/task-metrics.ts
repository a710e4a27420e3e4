/**
 * Task metrics in CloudWatch's embedded metric format (Powertools Metrics):
 * one namespace, dimensions `service`, `lane` and `type`. The handlers publish
 * them from what the use cases report; the CDK monitoring construct builds
 * the dashboard and alarms from the same names, so they cannot drift.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { DeliveryReport } from "../core/run-task.ts";
import type { TaskType } from "../tasks/catalog.ts";
import type { Lane } from "../tasks/lanes.ts";

export const metricsNamespace = "ClawTasks";
export const metricsServiceName = "claw-tasks";

/** Counts, one per task event. */
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

function addMeasurement(metrics: Metrics, measurement: TaskMeasurement): void {
  for (const count of measurement.counts) metrics.addMetric(taskCountMetrics[count], MetricUnit.Count, 1);
  if (measurement.durationMs !== undefined)
    metrics.addMetric(taskTimeMetrics.duration, MetricUnit.Milliseconds, measurement.durationMs);
  if (measurement.queueWaitMs !== undefined)
    metrics.addMetric(taskTimeMetrics.queueWait, MetricUnit.Milliseconds, measurement.queueWaitMs);
}

const measuresSomething = (measurement: TaskMeasurement) =>
  measurement.counts.length > 0 || measurement.durationMs !== undefined;

/**
 * Publishes one measurement as one EMF line. Each gets its own Metrics
 * instance: Powertools dimensions belong to an instance.
 */
export function publishTaskMetrics(measurement: TaskMeasurement): void {
  if (!measuresSomething(measurement)) return;
  const metrics = metricsOf(measurement.lane, measurement.type);
  addMeasurement(metrics, measurement);
  if (measurement.taskId) metrics.addMetadata("taskId", measurement.taskId);
  metrics.publishStoredMetrics();
}

/**
 * A worker batch's measurements, published together when the batch is done:
 * one EMF line per lane and type, each metric a list of values (Powertools
 * keeps up to 100 a line, then starts another), and the batch's task ids as
 * `taskIds` metadata (space-separated). A line per task would repeat the same ~400 bytes of
 * EMF directive per task, and CloudWatch bills ingestion by the byte.
 */
export class TaskMetricsBatch {
  readonly #byType = new Map<string, { metrics: Metrics; taskIds: string[] }>();

  add(measurement: TaskMeasurement): void {
    if (!measuresSomething(measurement)) return;
    const key = `${measurement.lane} ${measurement.type}`;
    let entry = this.#byType.get(key);
    if (!entry) {
      entry = { metrics: metricsOf(measurement.lane, measurement.type), taskIds: [] };
      this.#byType.set(key, entry);
    }
    addMeasurement(entry.metrics, measurement);
    if (measurement.taskId) entry.taskIds.push(measurement.taskId);
  }

  publish(): void {
    for (const { metrics, taskIds } of this.#byType.values()) {
      if (taskIds.length > 0) metrics.addMetadata("taskIds", taskIds.join(" "));
      metrics.publishStoredMetrics();
    }
    this.#byType.clear();
  }
}

const countOfOutcome: Partial<Record<DeliveryReport["outcome"], TaskCountMetric>> = {
  succeeded: "succeeded",
  failed: "failed",
  retrying: "retried",
  cancelled: "cancelled",
  expired: "expired",
  rate_limited: "rateLimited",
};

/** What one delivery of a task message measured (deferred hops and skipped duplicates measure nothing). */
export function deliveryMeasurement(
  lane: Lane,
  type: TaskType,
  taskId: string,
  report: DeliveryReport,
): TaskMeasurement {
  const count = countOfOutcome[report.outcome];
  return {
    lane,
    type,
    taskId,
    counts: count ? [count] : [],
    ...(report.attempt ? { durationMs: report.attempt.durationMs } : {}),
    ...(report.attempt?.queueWaitMs === undefined ? {} : { queueWaitMs: report.attempt.queueWaitMs }),
  };
}
