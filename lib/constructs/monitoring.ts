/**
 * Monitoring in AWS: one CloudWatch dashboard and the alarms an operator is
 * paged by, all notifying one SNS topic (with an e-mail subscription when
 * the stage names an address).
 *
 * Dashboard, top to bottom: alarm states; API requests, 4xx, 5xx, p99
 * latency; per lane its queues (visible, in flight, DLQ depth, age of the
 * oldest message) and its worker (invocations, errors, throttles, duration
 * p50/p99, concurrency); per task type its outcomes, queue wait and
 * duration; rate-limit waits. Task metrics are the EMF metrics the functions
 * publish (functions/adapters/task-metrics.ts), read by the same names.
 */
import { CfnOutput, type CfnResource, Duration, Stack } from "aws-cdk-lib";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import {
  metricsNamespace,
  metricsServiceName,
  taskCountMetrics,
  taskTimeMetrics,
} from "../../functions/adapters/task-metrics.ts";
import { healthMetricNames } from "../../functions/core/task-health.ts";
import { type TaskType, taskCatalog, taskTypes } from "../../functions/tasks/catalog.ts";
import { lanes, type Priority } from "../../functions/tasks/lanes.ts";
import type { StageConfig } from "../stage-config.ts";
import type { TaskApi } from "./api.ts";
import type { LaneResources } from "./lane.ts";

export interface MonitoringProps {
  readonly stage: StageConfig;
  readonly lanes: readonly LaneResources[];
  readonly api: TaskApi;
}

/** Alarm thresholds that are not per lane. */
export const alarmThresholds = {
  /** Worker errors as a percentage of invocations, in 2 of 3 five-minute periods. */
  workerErrorRatePercent: 5,
  /** API 5xx responses in five minutes. */
  api5xxPerFiveMinutes: 5,
  /** Failed runs of check_task_health (every 5 min) plus tasks it had to repair, in fifteen minutes. */
  failedHealthChecks: 1,
} as const;

const fiveMinutes = Duration.minutes(5);
const wide = 24;
const half = 12;
const third = 8;

function taskMetric(type: TaskType, metricName: string, statistic: string, label?: string): Metric {
  return new Metric({
    namespace: metricsNamespace,
    metricName,
    dimensionsMap: { service: metricsServiceName, lane: taskCatalog[type].lane, type },
    statistic,
    period: fiveMinutes,
    ...(label ? { label } : {}),
  });
}

export class Monitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { stage, api } = props;

    // Not encrypted: CloudWatch cannot publish to a topic under the AWS-managed SNS key, and an
    // alarm notification carries no task data. Only TLS publishing is allowed.
    this.alarmTopic = new Topic(this, "AlarmTopic", {
      displayName: `claw-tasks ${stage.stage} alarms`,
      enforceSSL: true,
    });
    if (stage.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(stage.alarmEmail));
    const notify = new SnsAction(this.alarmTopic);
    const alarm = (alarmId: string, options: ConstructorParameters<typeof Alarm>[2]) => {
      const created = new Alarm(this, alarmId, options);
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      this.alarms.push(created);
      return created;
    };

    // API.
    const apiWidgets = [
      new GraphWidget({
        title: "API requests, 4xx, 5xx",
        width: half,
        left: [
          api.httpApi.metricCount({ period: fiveMinutes, statistic: "Sum", label: "requests" }),
          api.httpApi.metricClientError({ period: fiveMinutes, label: "4xx" }),
          api.httpApi.metricServerError({ period: fiveMinutes, label: "5xx" }),
        ],
      }),
      new GraphWidget({
        title: "API latency p99 (ms)",
        width: half,
        left: [api.httpApi.metricLatency({ period: fiveMinutes, statistic: "p99", label: "latency p99" })],
      }),
    ];
    alarm("Api5xx", {
      alarmName: `claw-tasks-${stage.stage}-api-5xx`,
      alarmDescription: `The API answered ${alarmThresholds.api5xxPerFiveMinutes} or more 5xx in five minutes (see the API function's logs).`,
      metric: api.httpApi.metricServerError({ period: fiveMinutes, statistic: "Sum" }),
      threshold: alarmThresholds.api5xxPerFiveMinutes,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Lanes: queues and workers.
    const laneWidgets = props.lanes.flatMap((lane) => {
      const queued = lane.queuedPriorities;
      const byPriority = (metric: (priority: Priority) => IMetric, name: string) =>
        Object.fromEntries(queued.map((priority) => [`${name}_${priority}`, metric(priority)]));
      const sumOver = (name: string, label: string, metric: (priority: Priority) => IMetric) =>
        new MathExpression({
          expression: queued.map((priority) => `${name}_${priority}`).join(" + "),
          usingMetrics: byPriority(metric, name),
          label,
          period: fiveMinutes,
        });
      const visible = sumOver("visible", "visible", (priority) =>
        lane.queueOf(priority).metricApproximateNumberOfMessagesVisible({ statistic: "Maximum" }),
      );
      const inFlight = sumOver("inflight", "in flight", (priority) =>
        lane.queueOf(priority).metricApproximateNumberOfMessagesNotVisible({ statistic: "Maximum" }),
      );
      const oldestAge = new MathExpression({
        expression: `MAX([${queued.map((priority) => `age_${priority}`).join(", ")}])`,
        usingMetrics: byPriority(
          (priority) => lane.queueOf(priority).metricApproximateAgeOfOldestMessage({ statistic: "Maximum" }),
          "age",
        ),
        label: "age of oldest message (s)",
        period: fiveMinutes,
      });
      const deadLetters = lane.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: "Maximum",
        period: fiveMinutes,
        label: "DLQ depth",
      });
      const worker = lane.worker;
      const invocations = worker.metricInvocations({ period: fiveMinutes, statistic: "Sum" });
      const errors = worker.metricErrors({ period: fiveMinutes, statistic: "Sum" });

      alarm(`${lane.node.id}DeadLetters`, {
        alarmName: `claw-tasks-${stage.stage}-${lane.lane}-dlq-not-empty`,
        alarmDescription: `Messages are waiting in the ${lane.lane} dead-letter queue; their tasks are failed (dead_lettered). Fix the cause, then POST /v1/queues/${lane.lane}/redrive.`,
        metric: lane.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          statistic: "Maximum",
          period: fiveMinutes,
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      const ageThreshold = lanes[lane.lane].oldestMessageAlarmSeconds;
      alarm(`${lane.node.id}OldestMessage`, {
        alarmName: `claw-tasks-${stage.stage}-${lane.lane}-oldest-message`,
        alarmDescription: `A message has waited over ${ageThreshold} s in the ${lane.lane} lane: the worker is paused, too small, or failing.`,
        metric: oldestAge,
        threshold: ageThreshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm(`${lane.node.id}WorkerErrors`, {
        alarmName: `claw-tasks-${stage.stage}-${lane.lane}-worker-errors`,
        alarmDescription: `Over ${alarmThresholds.workerErrorRatePercent} % of the ${lane.lane} worker's invocations failed (see its logs).`,
        metric: new MathExpression({
          expression: "IF(invocations > 0, 100 * errors / invocations, 0)",
          usingMetrics: { invocations, errors },
          label: "error rate (%)",
          period: fiveMinutes,
        }),
        threshold: alarmThresholds.workerErrorRatePercent,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

      return [
        new TextWidget({ markdown: `### Lane \`${lane.lane}\``, width: wide, height: 1 }),
        new GraphWidget({
          title: `${lane.lane}: queue`,
          width: half,
          left: [visible, inFlight, deadLetters],
          right: [oldestAge],
        }),
        new GraphWidget({
          title: `${lane.lane}: worker invocations, errors, throttles`,
          width: third,
          left: [
            worker.metricInvocations({ period: fiveMinutes, label: "invocations" }),
            worker.metricErrors({ period: fiveMinutes, label: "errors" }),
            worker.metricThrottles({ period: fiveMinutes, label: "throttles" }),
          ],
        }),
        new GraphWidget({
          title: `${lane.lane}: worker duration and concurrency`,
          width: 4,
          left: [
            worker.metricDuration({ period: fiveMinutes, statistic: "p50", label: "duration p50" }),
            worker.metricDuration({ period: fiveMinutes, statistic: "p99", label: "duration p99" }),
          ],
          right: [
            worker.metric("ConcurrentExecutions", {
              period: fiveMinutes,
              statistic: "Maximum",
              label: "concurrency",
            }),
          ],
        }),
      ];
    });

    // Task types: outcomes, queue wait and duration (EMF metrics from the functions).
    const typeWidgets = taskTypes.map(
      (type) =>
        new GraphWidget({
          title: `${type}: outcomes and queue wait`,
          width: half,
          left: (["submitted", "succeeded", "failed", "retried", "cancelled", "expired"] as const).map(
            (name) => taskMetric(type, taskCountMetrics[name], "Sum", name),
          ),
          right: [
            taskMetric(type, taskTimeMetrics.queueWait, "p50", "queue wait p50 (ms)"),
            taskMetric(type, taskTimeMetrics.queueWait, "p99", "queue wait p99 (ms)"),
            taskMetric(type, taskTimeMetrics.duration, "p99", "duration p99 (ms)"),
          ],
        }),
    );
    const rateLimitWidget = new GraphWidget({
      title: "Rate-limit waits (deliveries sent on to wait for a slot)",
      width: wide,
      left: taskTypes.map((type) => taskMetric(type, taskCountMetrics.rateLimited, "Sum", type)),
    });

    // The health task's verdict: it failed, or it found tasks it had to repair (lost messages, dead workers).
    const healthType: TaskType = "check_task_health";
    const healthWindow = Duration.minutes(15);
    const healthMetric = (metricName: string) =>
      new Metric({
        namespace: metricsNamespace,
        metricName,
        dimensionsMap: { service: metricsServiceName },
        statistic: "Sum",
        period: healthWindow,
      });
    alarm("HealthCheckFailed", {
      alarmName: `claw-tasks-${stage.stage}-health-check-failed`,
      alarmDescription:
        "check_task_health failed, or found stuck, unsent or overdue tasks and re-sent them, or repaired stalled workflows; its task result says which.",
      metric: new MathExpression({
        expression: "FILL(failed, 0) + FILL(stuck, 0) + FILL(unsent, 0) + FILL(workflows, 0)",
        usingMetrics: {
          failed: taskMetric(healthType, taskCountMetrics.failed, "Sum").with({ period: healthWindow }),
          stuck: healthMetric(healthMetricNames.stuckRequeued),
          unsent: healthMetric(healthMetricNames.unsentRequeued),
          workflows: healthMetric(healthMetricNames.workflowsRepaired),
        },
        label: "failed health checks, repaired tasks and workflows",
        period: healthWindow,
      }),
      threshold: alarmThresholds.failedHealthChecks,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: `claw-tasks-${stage.stage}`,
      defaultInterval: Duration.hours(3),
    });
    // CloudFormation takes Tags on a dashboard (the stack's tags land here), but cfn-lint's bundled
    // resource schema predates that; .ci/run lints every template, so this one check is waived here.
    (this.dashboard.node.defaultChild as CfnResource).addMetadata("cfn-lint", {
      config: { ignore_checks: ["E3002"] },
    });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: "Alarms", alarms: this.alarms, width: wide, height: 3 }),
    );
    this.dashboard.addWidgets(...apiWidgets);
    this.dashboard.addWidgets(...laneWidgets);
    this.dashboard.addWidgets(new TextWidget({ markdown: "### Task types", width: wide, height: 1 }));
    this.dashboard.addWidgets(...typeWidgets);
    this.dashboard.addWidgets(rateLimitWidget);

    new CfnOutput(this, "DashboardUrl", {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Stack.of(this).region}#dashboards:name=${this.dashboard.dashboardName}`,
      description: "The CloudWatch dashboard",
    });
    new CfnOutput(this, "AlarmTopicArn", {
      value: this.alarmTopic.topicArn,
      description: "Every alarm notifies this topic",
    });
  }
}
