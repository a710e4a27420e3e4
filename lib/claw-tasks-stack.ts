/**
 * The claw-tasks stack of one stage: task tables, one lane per catalog lane,
 * the HTTP API, the schedules (static ones, a group for those created at run
 * time, a group for long-delayed tasks), and its monitoring (dashboard,
 * alarms, alarm topic).
 *
 * Names: no stateful resource sets a physical name, so CloudFormation
 * generates each as `<stack>-<logical id>-<suffix>` with the stack
 * `ClawTasks-<stage>`, and can still replace a resource when a change
 * requires it (an explicit name would block that). Every resource also
 * carries the `claw-tasks:stage` tag.
 */
import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps, Tags } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { pageRoutes } from "../functions/api/routes.ts";
import { capabilitiesOfLane, taskCatalog } from "../functions/tasks/catalog.ts";
import { laneNames } from "../functions/tasks/lanes.ts";
import { TaskApi } from "./constructs/api.ts";
import { ApiEdge } from "./constructs/api-edge.ts";
import { LaneResources } from "./constructs/lane.ts";
import { Monitoring } from "./constructs/monitoring.ts";
import { PayloadBucket } from "./constructs/payload-bucket.ts";
import { TaskSchedules } from "./constructs/schedules.ts";
import { TaskCounters } from "./constructs/task-counters.ts";
import { TaskTables } from "./constructs/task-tables.ts";
import { TaskTypeResources } from "./constructs/task-type-resources.ts";
import { TaskWorkflows } from "./constructs/task-workflows.ts";
import { acknowledgeBoundedWildcards } from "./nag-acknowledgements.ts";
import { type StageConfig, stagesContextKey } from "./stage-config.ts";

export interface ClawTasksStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The tag that names a resource's stage. */
export const stageTagKey = "claw-tasks:stage";

/** PascalCase of a snake_case lane name, for construct ids. */
const constructIdOf = (lane: string) =>
  lane.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

export class ClawTasksStack extends Stack {
  readonly tables: TaskTables;
  readonly counters: TaskCounters;
  readonly workflows: TaskWorkflows;
  readonly payloads: PayloadBucket;
  readonly lanes: readonly LaneResources[];
  readonly api: TaskApi;
  /** CloudFront and the WAF per-IP rate rule in front of the API, when the stage sets `edgeRateLimit`. */
  readonly edge: ApiEdge | undefined;
  readonly taskTypeResources: TaskTypeResources;
  readonly schedules: TaskSchedules;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ClawTasksStackProps) {
    const { config } = props;
    super(scope, id, {
      description: `claw-tasks (${config.stage}): asynchronous task system`,
      terminationProtection: config.terminationProtection,
      ...props,
    });
    Tags.of(this).add(stageTagKey, config.stage);
    Tags.of(this).add("claw-tasks:app", "claw-tasks");

    this.tables = new TaskTables(this, "Tables", { retainData: config.retainData });
    this.counters = new TaskCounters(this, "Counters", { stage: config, taskTable: this.tables.taskTable });
    this.payloads = new PayloadBucket(this, "Payloads", {
      retainData: config.retainData,
      resultTtlDays: config.resultTtlDays,
    });
    this.lanes = laneNames.map(
      (lane) =>
        new LaneResources(this, `Lane${constructIdOf(lane)}`, { lane, stage: config, tables: this.tables }),
    );
    this.api = new TaskApi(this, "Api", { stage: config });
    this.tables.bindTaskRecords(this.api.handler);
    this.tables.bindApiKeys(this.api.handler);
    this.payloads.bindPayloads(this.api.handler, ["inputs/"]);
    for (const lane of this.lanes) this.payloads.bindPayloads(lane.worker, ["inputs/", "results/"]);
    for (const lane of this.lanes) {
      lane.bindSender(this.api.handler);
      lane.bindOperator(this.api.handler);
    }
    // Every worker may queue completion callbacks on the notification lane.
    const notificationLane = this.lanes.find((lane) => lane.lane === taskCatalog.send_notification.lane)!;
    for (const lane of this.lanes) if (lane !== notificationLane) notificationLane.bindSender(lane.worker);
    for (const lane of this.lanes) lane.bindWorkerManager(this.api.handler);
    // Workflows: the API writes them and their first nodes; the workflow function starts the rest.
    this.workflows = new TaskWorkflows(this, "Workflows", {
      stage: config,
      taskTable: this.tables.taskTable,
    });
    this.tables.bindWorkflowRecords(this.api.handler);
    this.payloads.bindPayloads(this.workflows.handler, ["inputs/"]);
    for (const lane of this.lanes) lane.bindSender(this.workflows.handler);
    this.schedules = new TaskSchedules(this, "Schedules", { stage: config, lanes: this.lanes });
    this.schedules.bindScheduleManager(this.api.handler);
    // Long delays: the API schedules and cancels them for every lane; a worker reschedules an early
    // message of its own lane.
    this.schedules.bindDelayedDelivery(this.api.handler, this.lanes, { cancel: true });
    for (const lane of this.lanes) this.schedules.bindDelayedDelivery(lane.worker, [lane], { cancel: false });

    this.taskTypeResources = new TaskTypeResources(this, "TaskTypes", { stage: config, tables: this.tables });
    for (const lane of this.lanes) {
      this.taskTypeResources.bindCapabilities(lane.worker, capabilitiesOfLane(lane.lane), this.lanes);
    }
    this.taskTypeResources.bindReaders(this.api.handler);

    this.monitoring = new Monitoring(this, "Monitoring", { stage: config, lanes: this.lanes, api: this.api });
    if (config.retainData && !config.alarmEmail) {
      Annotations.of(this).addWarningV2(
        "claw-tasks:no-alarm-email",
        `stage ${config.stage} keeps data but has no alarmEmail: its alarms reach no one until someone ` +
          `subscribes to the alarm topic (output AlarmTopicArn) or sets alarmEmail in the ${stagesContextKey} context`,
      );
    }

    // With a per-IP rate limit, callers go through CloudFront; the API refuses requests that did not.
    this.edge = config.edgeRateLimit
      ? new ApiEdge(this, "Edge", {
          stage: config,
          rateLimit: config.edgeRateLimit,
          httpApi: this.api.httpApi,
          handler: this.api.handler,
          removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        })
      : undefined;
    const apiUrl = this.edge?.url ?? this.api.httpApi.apiEndpoint;
    new CfnOutput(this, "ApiUrl", { value: apiUrl, description: "Base URL of the task API" });
    for (const page of pageRoutes) {
      new CfnOutput(this, "MonitorUrl", {
        value: `${apiUrl}${page.path}`,
        description: "The web monitor (sign in with an API key)",
      });
    }
    new CfnOutput(this, "TaskTableName", { value: this.tables.taskTable.tableName });
    new CfnOutput(this, "DocumentBucketName", {
      value: this.taskTypeResources.documentBucket.bucketName,
      description: "Where vectorize_document reads S3 documents by default",
    });
    new CfnOutput(this, "WebhookSigningSecretArn", {
      value: this.taskTypeResources.webhookSigningSecret.secretArn,
      description:
        "Secrets Manager secret: the Standard Webhooks key of the notifications API callers send (send_notification)",
    });
    new CfnOutput(this, "CallbackSigningSecretArn", {
      value: this.taskTypeResources.callbackSigningSecret.secretArn,
      description:
        "Secrets Manager secret: the Standard Webhooks key of completion callbacks (callbackUrl, task.* events)",
    });
    new CfnOutput(this, "ApiKeyTableName", {
      value: this.tables.apiKeyTable.tableName,
      description: "Where API key hashes live: npm run keys -- create --name <name> --stage <stage>",
    });

    // cdk-nag (AwsSolutions): the IAM findings that are by design, acknowledged one by one with their reason.
    acknowledgeBoundedWildcards(this);
  }
}
