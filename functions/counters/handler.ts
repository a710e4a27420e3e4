/**
 * The counters function: reads the task table's stream (new and old images)
 * and turns each batch into one transaction of counter increments
 * (functions/adapters/dynamodb-task-counters.ts), so neither the API nor the
 * worker writes a counter on a task's hot path. A batch that fails is retried
 * by the event-source mapping (whole: it must not bisect), and a marker per
 * batch makes a retried batch that had been applied count nothing twice.
 *
 * It also publishes the task metrics (adapters/task-metrics.ts) from the same
 * changes, once the batch is counted: one EMF line per lane and type a batch,
 * instead of a line per submit in the API and per batch in every worker. A
 * batch counted before (a retry) publishes nothing again.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { dynamoDocumentClient } from "../adapters/aws-clients.ts";
import { requireEnv } from "../adapters/environment.ts";
import { lazyPort } from "../adapters/lazy-port.ts";
import { logger } from "../adapters/logger.ts";
import { measurementOfChange, TaskMetricsBatch } from "../adapters/task-metrics.ts";
import { taskChangeOf, taskMetricsChangeOf } from "../adapters/task-stream-changes.ts";

const tableName = requireEnv("TASK_TABLE_NAME");
// The adapter and its SDK commands load with the first batch, not at init (docs/cold-start.md).
const counters = lazyPort(async () => {
  const { createDynamoTaskCounters } = await import("../adapters/dynamodb-task-counters.ts");
  return createDynamoTaskCounters(await dynamoDocumentClient(), tableName);
});

export async function countBatch(event: DynamoDBStreamEvent): Promise<{ changes: number; applied: boolean }> {
  const changes = event.Records.map(taskChangeOf).filter((change) => change !== undefined);
  if (changes.length === 0) return { changes: 0, applied: false };
  const applied = await counters.apply(changes);
  if (!applied) {
    logger.info("stream batch counted before; skipped", { changes: changes.length });
    return { changes: changes.length, applied };
  }
  const metrics = new TaskMetricsBatch();
  for (const record of event.Records) {
    const change = taskMetricsChangeOf(record);
    if (change) metrics.add(measurementOfChange(change));
  }
  metrics.publish();
  return { changes: changes.length, applied };
}

export const handler = middy(countBatch).use(injectLambdaContext(logger, { resetKeys: true }));
