/**
 * MetricSink on Powertools Metrics: each metric is published at once in
 * CloudWatch's embedded metric format (a structured log line).
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MetricSink } from "../core/task-ports.ts";
import { metricsNamespace, metricsServiceName } from "./task-metrics.ts";

const metrics = new Metrics({ namespace: metricsNamespace, serviceName: metricsServiceName });

export const emitMetric: MetricSink = (name, value, dimensions = {}) => {
  const single = metrics.singleMetric();
  for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
  single.addMetric(name, MetricUnit.Count, value);
};
