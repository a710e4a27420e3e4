/**
 * Infra tier: the monitoring of the synthesized stack. The dashboard's
 * widgets (read from its body) and each alarm with its metric and threshold,
 * the alarm topic and its optional e-mail subscription, and the Powertools
 * settings every function gets.
 */
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { platformLogOf } from "../../bench/cost-model.ts";
import {
  metricsNamespace,
  metricsServiceName,
  taskCountMetrics,
  taskTimeMetrics,
} from "../../functions/adapters/task-metrics.ts";
import { healthMetricNames } from "../../functions/core/task-health.ts";
import { taskCatalog, taskTypes } from "../../functions/tasks/catalog.ts";
import { laneNames, lanes } from "../../functions/tasks/lanes.ts";
import { ClawTasksStack } from "../../lib/claw-tasks-stack.ts";
import { alarmThresholds } from "../../lib/constructs/monitoring.ts";
import { type StageConfig, stageConfig } from "../../lib/stage-config.ts";
import { cdkJsonContext } from "./cdk-context.ts";

function synth(config: StageConfig): Template {
  const app = new App({ context: cdkJsonContext });
  const stack = new ClawTasksStack(app, `Test-${config.stage}`, { config, env: { region: "eu-west-1" } });
  return Template.fromStack(stack);
}

interface Widget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly metrics?: unknown[][];
    readonly alarms?: unknown[];
  };
}

type AlarmProperties = Record<string, unknown> & {
  Threshold: number;
  ComparisonOperator: string;
  EvaluationPeriods: number;
};

let template: Template;
let widgets: Widget[];
let alarms: Map<string, AlarmProperties>;

/** The dashboard body with every CloudFormation token replaced by a placeholder, parsed. */
function dashboardWidgets(): Widget[] {
  const dashboards = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]!.Properties.DashboardBody as { "Fn::Join": [string, unknown[]] } | string;
  const text =
    typeof body === "string"
      ? body
      : body["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "TOKEN")).join("");
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

function widget(title: string): Widget {
  const found = widgets.find((candidate) => candidate.properties.title === title);
  if (!found) throw new Error(`no dashboard widget titled ${title}`);
  return found;
}

/** `namespace metric statistic` of each plotted metric (options last in each metric array). */
function plotted(found: Widget): string[] {
  return (found.properties.metrics ?? []).flatMap((metric) => {
    const options = (metric.at(-1) ?? {}) as { stat?: string; expression?: string; visible?: boolean };
    if (options.expression) return [`expression ${options.expression}`];
    const [namespace, name] = metric as string[];
    // CDK abbreviates repeated namespace/name as "." in following rows.
    return [
      `${namespace} ${name} ${options.stat ?? "Average"}${options.visible === false ? " (hidden)" : ""}`,
    ];
  });
}

beforeAll(() => {
  // Lanes with a queue per priority (as prod has them): the graphs sum over them.
  template = synth({ ...stageConfig("dev"), priorityQueues: true });
  widgets = dashboardWidgets();
  alarms = new Map(
    Object.values(template.findResources("AWS::CloudWatch::Alarm")).map((resource) => [
      resource.Properties.AlarmName as string,
      resource.Properties as AlarmProperties,
    ]),
  );
});

describe("dashboard", () => {
  it("is named after the stage and opens with the state of every alarm", () => {
    template.hasResourceProperties("AWS::CloudWatch::Dashboard", { DashboardName: "claw-tasks-dev" });
    const status = widgets.find((candidate) => candidate.type === "alarm");
    expect(status?.properties.title).toBe("Alarms");
    expect(status?.properties.alarms).toHaveLength(alarms.size);
  });

  it("shows API requests, 4xx, 5xx and p99 latency", () => {
    expect(plotted(widget("API requests, 4xx, 5xx"))).toEqual([
      "AWS/ApiGateway Count Sum",
      "AWS/ApiGateway 4xx Sum",
      "AWS/ApiGateway 5xx Sum",
    ]);
    expect(plotted(widget("API latency p99 (ms)"))).toEqual(["AWS/ApiGateway Latency p99"]);
  });

  it("shows each lane's visible messages, in flight, DLQ depth and age of the oldest message", () => {
    for (const lane of laneNames) {
      const shown = plotted(widget(`${lane}: queue`));
      expect(shown).toEqual(
        expect.arrayContaining([
          "expression visible_high + visible_normal + visible_low",
          "expression inflight_high + inflight_normal + inflight_low",
          "expression MAX([age_high, age_normal, age_low])",
          "AWS/SQS ApproximateNumberOfMessagesVisible Maximum",
        ]),
      );
      // The priority queues behind the sums: 3 visible, 3 in flight, 3 ages, hidden.
      expect(shown.filter((line) => line.endsWith("(hidden)"))).toHaveLength(9);
    }
  });

  it("shows each worker's invocations, errors, throttles, duration p50/p99 and concurrency", () => {
    for (const lane of laneNames) {
      expect(plotted(widget(`${lane}: worker invocations, errors, throttles`))).toEqual([
        "AWS/Lambda Invocations Sum",
        "AWS/Lambda Errors Sum",
        "AWS/Lambda Throttles Sum",
      ]);
      expect(plotted(widget(`${lane}: worker duration and concurrency`))).toEqual([
        "AWS/Lambda Duration p50",
        "AWS/Lambda Duration p99",
        "AWS/Lambda ConcurrentExecutions Maximum",
      ]);
    }
  });

  it("shows each task type's outcomes, queue wait and duration from the functions' metrics", () => {
    for (const type of taskTypes) {
      const found = widget(`${type}: outcomes and queue wait`);
      expect(plotted(found)).toEqual([
        ...(["submitted", "succeeded", "failed", "retried", "cancelled", "expired"] as const).map(
          (name) => `${metricsNamespace} ${taskCountMetrics[name]} Sum`,
        ),
        `${metricsNamespace} ${taskTimeMetrics.queueWait} p50`,
        `${metricsNamespace} ${taskTimeMetrics.queueWait} p99`,
        `${metricsNamespace} ${taskTimeMetrics.duration} p99`,
      ]);
      // Dimensions as the functions publish them: service, lane, type.
      const first = found.properties.metrics![0] as string[];
      expect(first).toEqual(
        expect.arrayContaining(["service", metricsServiceName, "lane", taskCatalog[type].lane, "type", type]),
      );
    }
  });

  it("shows rate-limit waits of every task type", () => {
    const shown = plotted(widget("Rate-limit waits (deliveries sent on to wait for a slot)"));
    expect(shown).toEqual(taskTypes.map(() => `${metricsNamespace} ${taskCountMetrics.rateLimited} Sum`));
  });
});

describe("alarms", () => {
  const alarmTopic = () => Object.keys(template.findResources("AWS::SNS::Topic"))[0]!;

  it("notify the alarm topic, on alarm and on recovery", () => {
    expect(alarms.size).toBe(laneNames.length * 3 + 2);
    for (const [name, properties] of alarms) {
      expect(properties.AlarmActions, name).toEqual([{ Ref: alarmTopic() }]);
      expect(properties.OKActions, name).toEqual([{ Ref: alarmTopic() }]);
    }
  });

  it("fire when a lane's DLQ holds a message", () => {
    for (const lane of laneNames) {
      const alarm = alarms.get(`claw-tasks-dev-${lane}-dlq-not-empty`)!;
      expect(alarm).toMatchObject({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Statistic: "Maximum",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        EvaluationPeriods: 1,
      });
    }
  });

  it("fire when a lane's oldest message is older than the lane's threshold", () => {
    for (const lane of laneNames) {
      const alarm = alarms.get(`claw-tasks-dev-${lane}-oldest-message`)!;
      expect(alarm.Threshold).toBe(lanes[lane].oldestMessageAlarmSeconds);
      expect(alarm.Threshold).toBeGreaterThan(900);
      expect(alarm.ComparisonOperator).toBe("GreaterThanThreshold");
      expect(alarm.Metrics).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Expression: "MAX([age_high, age_normal, age_low])" }),
        ]),
      );
    }
  });

  it("fire when over 5 % of a worker's invocations fail in 2 of 3 periods", () => {
    for (const lane of laneNames) {
      const alarm = alarms.get(`claw-tasks-dev-${lane}-worker-errors`)!;
      expect(alarm).toMatchObject({
        Threshold: alarmThresholds.workerErrorRatePercent,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
      expect(alarmThresholds.workerErrorRatePercent).toBe(5);
      expect(alarm.Metrics).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Expression: "IF(invocations > 0, 100 * errors / invocations, 0)" }),
        ]),
      );
    }
  });

  it("fire on API 5xx responses", () => {
    expect(alarms.get("claw-tasks-dev-api-5xx")).toMatchObject({
      Namespace: "AWS/ApiGateway",
      MetricName: "5xx",
      Statistic: "Sum",
      Period: 300,
      Threshold: 5,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("fire when the scheduled health check fails or repairs tasks", () => {
    const alarm = alarms.get("claw-tasks-dev-health-check-failed")!;
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
    const metrics = alarm.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { MetricName: string; Namespace: string; Dimensions: unknown[] };
        Period: number;
      };
    }[];
    expect(metrics.find((metric) => metric.Expression)?.Expression).toBe(
      "FILL(failed, 0) + FILL(stuck, 0) + FILL(unsent, 0) + FILL(workflows, 0)",
    );
    const byId = Object.fromEntries(metrics.map((metric) => [metric.Id, metric.MetricStat]));
    expect(byId.failed).toMatchObject({
      Metric: {
        Namespace: metricsNamespace,
        MetricName: taskCountMetrics.failed,
        Dimensions: expect.arrayContaining([{ Name: "type", Value: "check_task_health" }]),
      },
      Period: 900,
    });
    expect(byId.stuck?.Metric.MetricName).toBe(healthMetricNames.stuckRequeued);
    expect(byId.unsent?.Metric.MetricName).toBe(healthMetricNames.unsentRequeued);
    expect(byId.workflows?.Metric.MetricName).toBe(healthMetricNames.workflowsRepaired);
  });

  it("reach an e-mail address only when the stage names one", () => {
    template.resourceCountIs("AWS::SNS::Subscription", 0);
    const withEmail = synth({ ...stageConfig("dev"), alarmEmail: "ops@example.com" });
    withEmail.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
      TopicArn: { Ref: Match.anyValue() },
    });
  });

  it("publish over TLS only", () => {
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });
});

describe("logs and metrics settings", () => {
  it("gives every function the log level and the metrics namespace", () => {
    const functions = Object.values(template.findResources("AWS::Lambda::Function")).filter(
      (resource) => resource.Properties.Handler === "index.handler",
    );
    // The lane workers, the API function, the counters function and the workflow function.
    expect(functions.length).toBe(laneNames.length + 3);
    for (const resource of functions) {
      expect(resource.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_LOG_LEVEL: "INFO",
        POWERTOOLS_SERVICE_NAME: metricsServiceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
      });
    }
  });

  it("logs JSON through Lambda's advanced logging controls: application INFO (EMF passes), no platform lines below WARN", () => {
    const functions = Object.values(template.findResources("AWS::Lambda::Function")).filter(
      (resource) => resource.Properties.Handler === "index.handler",
    );
    expect(functions.length).toBe(laneNames.length + 3);
    for (const resource of functions) {
      expect(resource.Properties.LoggingConfig).toEqual({
        LogFormat: "JSON",
        ApplicationLogLevel: "INFO",
        SystemLogLevel: "WARN",
        LogGroup: expect.anything(),
      });
      // Powertools follows Lambda's level; the two are set from one constant and agree.
      expect(resource.Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe(
        resource.Properties.LoggingConfig.ApplicationLogLevel,
      );
    }
  });

  it("has the bench's cost model count no START, END and REPORT lines for the template's functions", () => {
    const levels = Object.values(template.findResources("AWS::Lambda::Function"))
      .filter((resource) => resource.Properties.Handler === "index.handler")
      .map((resource) => resource.Properties.LoggingConfig.SystemLogLevel as string);
    for (const level of levels) expect(platformLogOf(level)).toEqual({ bytes: 0, lines: 0 });
    expect(platformLogOf("INFO").bytes).toBeGreaterThan(0);
  });
});
