/**
 * What a stage costs per month on AWS with no tasks at all, read from its
 * synthesized template and priced with bench/prices.json:
 *
 * - SQS polling: Lambda's event-source mapping keeps long-polling each
 *   queue while it is empty (5 pollers per mapping, one 20 s ReceiveMessage
 *   each, all billed); a DynamoDB stream's mapping polls for free;
 * - the CloudWatch dashboard(s) and alarm metrics;
 * - the static schedules: each run is a Scheduler invocation, a message in
 *   and out of the default lane, a worker invocation, a task record written
 *   and updated, its reads (check_task_health: the running, queued and
 *   retrying statuses, one query per shard of the task table's month bucket
 *   its window covers, one query of the workflow listing's month, and every
 *   lane's queue depths; cleanup_expired_results: the terminal statuses
 *   likewise), its log lines and the custom metrics its record changes
 *   publish (from the table's stream), and check_task_health's own (each
 *   of `healthMetricNames`, dead letters once per lane);
 * - Secrets Manager secrets; point-in-time recovery (per GB of data: zero
 *   with empty tables);
 * - AWS WAF web ACLs and their rules (the edge's per-IP rate limit;
 *   CloudFront itself bills per request and byte only).
 *
 * Free tiers (1 M SQS requests, 10 alarm metrics, 3 dashboards, 14 M
 * Scheduler invocations per account and month) are not subtracted: they are
 * shared by everything in the account. `node bench/idle-cost.ts` prints the
 * table for the built-in stages; the benchmark report includes it.
 */
import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { taskShards } from "../functions/adapters/task-item-layout.ts";
import { nextFireTimes, parseScheduleExpression } from "../functions/core/schedule-expression.ts";
import { terminalStatuses } from "../functions/core/task.ts";
import { healthMetricNames } from "../functions/core/task-health.ts";
import { laneNames } from "../functions/tasks/lanes.ts";
import { ClawTasksStack } from "../lib/claw-tasks-stack.ts";
import { builtInStages, stackNameOf, stageConfig } from "../lib/stage-config.ts";
import { resourcesOfType, type Template } from "../local/template.ts";
import type { Prices } from "./cost-model.ts";

export interface IdleCostLine {
  readonly item: string;
  /** What is counted, in words and figures. */
  readonly quantity: string;
  readonly monthlyUsd: number;
}

export interface IdleCost {
  readonly stage: string;
  readonly lines: readonly IdleCostLine[];
  readonly totalMonthlyUsd: number;
}

const secondsPerMonth = 30 * 86_400;

/** Per scheduled run, besides what the task type itself reads (estimates from the hot path's counts). */
const perRun = {
  /** Scheduler's SendMessage, the mapping's DeleteMessage. */
  sqsRequests: 2,
  /** The task record: created by the claim (set running), set finished; no index; the counters' batch write. */
  writeUnits: 2 + 2,
  /** A small task's run, at the worker's memory. */
  lambdaSeconds: 0.3,
  /** Lambda's START/END/REPORT lines and the worker's own structured lines. */
  logBytes: 1_500,
  /**
   * The EMF metrics the counters function publishes from the task's record changes, per task type:
   * submitted, the outcome's count, duration and queue wait; custom metrics with data.
   */
  customMetrics: 4,
};

/**
 * Reads each run makes, by task type: one query per shard of the (idle: one)
 * month bucket its window covers, per status; the health check also reads
 * the workflow listing's month (one query, empty) and the depth of every
 * lane queue (each priority's or the shared one, and the DLQ).
 */
function readQueriesOf(type: string, laneQueues: number): { queries: number; sqs: number } {
  if (type === "check_task_health") return { queries: 3 * taskShards + 1, sqs: laneQueues };
  if (type === "cleanup_expired_results") return { queries: terminalStatuses.length * taskShards, sqs: 0 };
  return { queries: 0, sqs: 0 };
}

function runsPerMonth(expression: string, timeZone: string): number {
  const parsed = parseScheduleExpression(expression, timeZone);
  const after = new Date("2026-01-01T00:00:00Z");
  const end = after.getTime() + secondsPerMonth * 1000;
  return nextFireTimes(parsed, { timeZone, after, anchor: after, count: 50_000 }).filter(
    (time) => time.getTime() <= end,
  ).length;
}

const usd = (value: number) => Math.round(value * 100) / 100;

/** The idle monthly cost of the stage whose template this is. */
export function idleCost(stage: string, template: Template, prices: Prices): IdleCost {
  const price = (name: string) => {
    const found = prices.aws[name];
    if (!found) throw new Error(`bench/prices.json has no aws.${name}`);
    return found.value;
  };
  const lines: IdleCostLine[] = [];

  // Only SQS mappings poll SQS; a DynamoDB stream mapping's GetRecords calls (the counters function's) are free.
  const queueIds = new Set(resourcesOfType(template, "AWS::SQS::Queue").map(([id]) => id));
  const mappings = resourcesOfType(template, "AWS::Lambda::EventSourceMapping").filter(([, mapping]) => {
    const source = mapping.Properties?.EventSourceArn as { "Fn::GetAtt"?: string[] } | undefined;
    return queueIds.has(source?.["Fn::GetAtt"]?.[0] ?? "");
  }).length;
  const pollers = mappings * price("sqsEventSourcePollersPerMapping");
  const receives = pollers * (secondsPerMonth / price("sqsEventSourceLongPollSeconds"));
  lines.push({
    item: "SQS polling by the event-source mappings",
    quantity: `${mappings} SQS mappings × ${price("sqsEventSourcePollersPerMapping")} pollers, one 20 s long poll each: ${(receives / 1e6).toFixed(2)} M empty receives`,
    monthlyUsd: (receives / 1e6) * price("sqsStandardPerMillionRequests"),
  });

  const dashboards = resourcesOfType(template, "AWS::CloudWatch::Dashboard").length;
  lines.push({
    item: "CloudWatch dashboards",
    quantity: `${dashboards}`,
    monthlyUsd: dashboards * price("cloudwatchDashboardPerMonth"),
  });

  const alarms = resourcesOfType(template, "AWS::CloudWatch::Alarm");
  const alarmMetrics = alarms.reduce((sum, [, alarm]) => {
    const metrics = alarm.Properties?.Metrics as { MetricStat?: unknown }[] | undefined;
    return sum + (metrics ? metrics.filter((metric) => metric.MetricStat).length : 1);
  }, 0);
  lines.push({
    item: "CloudWatch alarms",
    quantity: `${alarms.length} alarms on ${alarmMetrics} metrics`,
    monthlyUsd: alarmMetrics * price("cloudwatchStandardAlarmPerMetricMonth"),
  });

  const laneQueues = resourcesOfType(template, "AWS::SQS::Queue").filter(([, queue]) =>
    ((queue.Properties?.Tags ?? []) as { Key: string }[]).some((tag) => tag.Key === "claw-tasks:lane"),
  ).length;
  const lanes = resourcesOfType(template, "AWS::Lambda::Function").filter(
    ([, fn]) => (fn.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables?.LANE,
  );
  const workerMemoryGb = ((lanes[0]?.[1].Properties?.MemorySize as number | undefined) ?? 128) / 1024;
  for (const [, schedule] of resourcesOfType(template, "AWS::Scheduler::Schedule")) {
    const properties = schedule.Properties ?? {};
    const expression = String(properties.ScheduleExpression);
    const runs = runsPerMonth(expression, String(properties.ScheduleExpressionTimezone ?? "UTC"));
    const target = properties.Target as { Input?: string } | undefined;
    const type = String((JSON.parse(target?.Input ?? "{}") as { type?: string }).type ?? properties.Name);
    const reads = readQueriesOf(type, laneQueues);
    const perRunUsd =
      price("schedulerPerMillionInvocations") / 1e6 +
      ((perRun.sqsRequests + reads.sqs) * price("sqsStandardPerMillionRequests")) / 1e6 +
      price("lambdaRequestsPerMillion") / 1e6 +
      perRun.lambdaSeconds * workerMemoryGb * price("lambdaArm64PerGbSecond") +
      (perRun.writeUnits * price("dynamodbOnDemandPerMillionWriteRequestUnits")) / 1e6 +
      (reads.queries * price("dynamodbOnDemandPerMillionReadRequestUnits")) / 1e6 +
      (perRun.logBytes / 1e9) * price("cloudwatchLogsIngestionPerGb");
    lines.push({
      item: `Schedule ${String(properties.Name)} (${type})`,
      quantity: `${expression}: ${runs} runs; each ${perRun.sqsRequests + reads.sqs} SQS requests, ${reads.queries} task-table queries, ${perRun.writeUnits} write units, one ${perRun.lambdaSeconds} s invocation`,
      monthlyUsd: runs * perRunUsd,
    });
    // check_task_health publishes its counts every run, zeros included: each has data all month.
    const customMetrics =
      perRun.customMetrics +
      (type === "check_task_health" ? Object.keys(healthMetricNames).length - 1 + laneNames.length : 0);
    lines.push({
      item: `Custom metrics of ${type}`,
      quantity: `${customMetrics} EMF metrics with data all month`,
      monthlyUsd: customMetrics * price("cloudwatchCustomMetricPerMonth"),
    });
  }

  const secrets = resourcesOfType(template, "AWS::SecretsManager::Secret").length;
  lines.push({
    item: "Secrets Manager secrets",
    quantity: `${secrets}`,
    monthlyUsd: secrets * price("secretsManagerPerSecretMonth"),
  });

  const webAcls = resourcesOfType(template, "AWS::WAFv2::WebACL");
  if (webAcls.length > 0) {
    const rules = webAcls.reduce(
      (sum, [, acl]) => sum + ((acl.Properties?.Rules as unknown[] | undefined)?.length ?? 0),
      0,
    );
    lines.push({
      item: "AWS WAF web ACLs",
      quantity: `${webAcls.length} web ACL, ${rules} rule`,
      monthlyUsd: webAcls.length * price("wafWebAclPerMonth") + rules * price("wafRulePerMonth"),
    });
  }

  const pitrTables = resourcesOfType(template, "AWS::DynamoDB::Table").filter(
    ([, table]) =>
      (table.Properties?.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: boolean })
        ?.PointInTimeRecoveryEnabled,
  ).length;
  lines.push({
    item: "Point-in-time recovery",
    quantity: `${pitrTables} tables; $${price("dynamodbPitrPerGbMonth")} per GB of data, none when empty`,
    monthlyUsd: 0,
  });

  const rounded = lines.map((line) => ({ ...line, monthlyUsd: usd(line.monthlyUsd) }));
  return {
    stage,
    lines: rounded,
    totalMonthlyUsd: usd(lines.reduce((sum, line) => sum + line.monthlyUsd, 0)),
  };
}

/** The template of a stage, synthesized in process without bundling (nothing but the resources is read). */
export function stageTemplate(stage: string): Template {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new ClawTasksStack(app, stackNameOf(stage), {
    config: stageConfig(stage),
    env: { region: "us-east-1" },
  });
  return app.synth().getStackByName(stack.stackName).template as Template;
}

/** The idle cost of each built-in stage. */
export function idleCostOfStages(prices: Prices): IdleCost[] {
  return Object.keys(builtInStages).map((stage) => idleCost(stage, stageTemplate(stage), prices));
}

/** Markdown: one table per stage, for the benchmark report and docs. */
export function idleCostMarkdown(costs: readonly IdleCost[]): string[] {
  const out: string[] = [];
  for (const cost of costs) {
    out.push(
      `**${cost.stage}**: $${cost.totalMonthlyUsd.toFixed(2)} per month with no tasks`,
      "",
      "| Item | Counted | $/month |",
      "| --- | --- | ---: |",
      ...cost.lines.map((line) => `| ${line.item} | ${line.quantity} | ${line.monthlyUsd.toFixed(2)} |`),
      `| **total** | | **${cost.totalMonthlyUsd.toFixed(2)}** |`,
      "",
    );
  }
  return out;
}

if (import.meta.main) {
  const prices = JSON.parse(readFileSync(new URL("./prices.json", import.meta.url), "utf8")) as Prices;
  console.log(idleCostMarkdown(idleCostOfStages(prices)).join("\n"));
}
