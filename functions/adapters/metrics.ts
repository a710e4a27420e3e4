/**
 * MetricSink on Powertools Metrics: each metric is published at once in
 * CloudWatch's embedded metric format (a structured log line).
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import type { MetricSink } from "../core/task-ports.ts";
import { metricsNamespace, metricsServiceName } from "./task-metrics.ts";

const metrics = new Metrics({ namespace: metricsNamespace, serviceName: metricsServiceName });

export const emitMetric: MetricSink = (name, value, dimensions = {}) => {
  const single = metrics.singleMetric();
  for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
  single.addMetric(name, MetricUnit.Count, value);
};

/**
 * Middy middleware: Powertools' `ColdStart` metric (count 1, dimensions
 * `service` and `function_name`) on the first invocation of each process,
 * nothing after. The dashboard and alarms read cold starts from it.
 */
export const coldStartMetric = (): MiddlewareObj<unknown, unknown, Error, Context> => ({
  before: (request) => {
    metrics.captureColdStartMetric(request.context.functionName);
  },
});
