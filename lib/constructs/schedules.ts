/**
 * Schedules: the static schedules of functions/tasks/static-schedules.ts in
 * their own group, a group for the schedules the API creates at run time, a
 * group for the one-time schedules that deliver long-delayed tasks
 * (functions/core/delivery.ts), the role EventBridge Scheduler assumes to
 * send task messages to the lane queues (and nothing else), and a
 * dead-letter queue for firings it could not deliver.
 */
import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from "aws-cdk-lib";
import { Effect, Policy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  Schedule,
  ScheduleExpression,
  ScheduleGroup,
  ScheduleTargetInput,
  TimeWindow,
} from "aws-cdk-lib/aws-scheduler";
import { SqsSendMessage } from "aws-cdk-lib/aws-scheduler-targets";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { scheduledEnvelopeInput } from "../../functions/core/envelope.ts";
import { taskCatalog } from "../../functions/tasks/catalog.ts";
import { scheduleDelivery, staticSchedules } from "../../functions/tasks/static-schedules.ts";
import type { StageConfig } from "../stage-config.ts";
import type { ClawFunction } from "./claw-function.ts";
import type { LaneResources } from "./lane.ts";

export interface TaskSchedulesProps {
  readonly stage: StageConfig;
  readonly lanes: readonly LaneResources[];
}

const schedulerPrincipal = "scheduler.amazonaws.com";

export class TaskSchedules extends Construct {
  /** Holds the stack's own schedules; the API cannot touch it. */
  readonly staticGroup: ScheduleGroup;
  /** Holds the schedules created through the API. */
  readonly dynamicGroup: ScheduleGroup;
  /** Holds one one-time schedule per task delayed beyond SQS's longest delay, until it fires. */
  readonly delayGroup: ScheduleGroup;
  /** Assumed by EventBridge Scheduler: may send to the lane queues and the schedules' DLQ only. */
  readonly role: Role;
  readonly deadLetterQueue: Queue;
  private readonly lanes: readonly LaneResources[];
  private readonly timeZone: string;
  /** Functions already allowed to pass the scheduler role (one statement each). */
  private readonly rolePassers = new Set<ClawFunction>();

  constructor(scope: Construct, id: string, props: TaskSchedulesProps) {
    super(scope, id);
    const { stage, lanes } = props;
    this.lanes = lanes;
    this.timeZone = stage.scheduleTimeZone;

    this.staticGroup = new ScheduleGroup(this, "StaticGroup", {
      scheduleGroupName: `claw-tasks-${stage.stage}-static`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.dynamicGroup = new ScheduleGroup(this, "DynamicGroup", {
      scheduleGroupName: `claw-tasks-${stage.stage}-dynamic`,
      // Deleting a group deletes its schedules: keep users' schedules where data is kept.
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.delayGroup = new ScheduleGroup(this, "DelayGroup", {
      scheduleGroupName: `claw-tasks-${stage.stage}-delays`,
      // Its schedules are pending delayed tasks: deleting the group would strand them where data is kept.
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is the schedules' dead-letter queue (EventBridge Scheduler's DeadLetterConfig), not a source queue.",
    });
    this.role = new Role(this, "SchedulerRole", {
      description: `claw-tasks ${stage.stage}: EventBridge Scheduler sends task messages to the lane queues`,
      // Only schedules of this account may use the role (confused-deputy guard).
      assumedBy: new ServicePrincipal(schedulerPrincipal, {
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
    });
    // SendMessage only (grantSendMessages would add GetQueueAttributes and GetQueueUrl, which Scheduler never calls).
    for (const lane of lanes) {
      for (const queue of lane.allQueues) queue.grant(this.role, "sqs:SendMessage");
    }
    this.deadLetterQueue.grant(this.role, "sqs:SendMessage");

    for (const schedule of staticSchedules) {
      const lane = this.laneOf(taskCatalog[schedule.taskType].lane);
      new Schedule(this, `Static-${schedule.name}`, {
        scheduleName: schedule.name,
        description: schedule.description,
        scheduleGroup: this.staticGroup,
        schedule: ScheduleExpression.expression(schedule.expression, TimeZone.of(this.timeZone)),
        timeWindow: TimeWindow.off(),
        target: new SqsSendMessage(lane.queueOf("normal"), {
          role: this.role,
          input: ScheduleTargetInput.fromText(
            scheduledEnvelopeInput(schedule.name, {
              type: schedule.taskType,
              input: schedule.input,
              priority: "normal",
            }),
          ),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: scheduleDelivery.retryAttempts,
          maxEventAge: Duration.seconds(schedule.maxEventAgeSeconds),
        }),
      });
    }
  }

  private laneOf(name: string): LaneResources {
    const lane = this.lanes.find((candidate) => candidate.lane === name);
    if (!lane) throw new Error(`no lane ${name} in the stack`);
    return lane;
  }

  /**
   * Lets `fn` manage the dynamic schedules: the group, role, DLQ, default
   * time zone and lane queue ARNs in its environment; create/read/update/
   * delete on that group's schedules only, and passing the scheduler role
   * to EventBridge Scheduler only.
   */
  bindScheduleManager(fn: ClawFunction): void {
    fn.addEnvironment("SCHEDULE_GROUP_NAME", this.dynamicGroup.scheduleGroupName);
    fn.addEnvironment("SCHEDULER_ROLE_ARN", this.role.roleArn);
    fn.addEnvironment("SCHEDULE_DLQ_ARN", this.deadLetterQueue.queueArn);
    fn.addEnvironment("SCHEDULE_TIME_ZONE", this.timeZone);
    for (const lane of this.lanes) lane.bindScheduleTargets(fn);

    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          "scheduler:CreateSchedule",
          "scheduler:GetSchedule",
          "scheduler:UpdateSchedule",
          "scheduler:DeleteSchedule",
        ],
        resources: [
          stack.formatArn({
            service: "scheduler",
            resource: "schedule",
            resourceName: `${this.dynamicGroup.scheduleGroupName}/*`,
          }),
        ],
      }),
    );
    // ListSchedules authorizes on no resource (IAM accepts only "*"); it reveals names, not targets.
    // A policy of its own, so the acknowledgement below covers this statement and nothing else.
    const listSchedules = new Policy(this, "ListSchedules", {
      statements: [new PolicyStatement({ actions: ["scheduler:ListSchedules"], resources: ["*"] })],
    });
    listSchedules.attachToRole(fn.role!);
    Validations.of(listSchedules).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "scheduler:ListSchedules supports no resource-level permissions; IAM accepts only '*'. It reveals schedule names, not targets.",
    });
    this.grantPassRole(fn);
  }

  /**
   * Lets `fn` deliver long-delayed tasks of `lanes` (functions/adapters/
   * eventbridge-delayed-delivery.ts): the delay group, scheduler role, DLQ
   * and those lanes' queue ARNs in its environment; CreateSchedule (and
   * DeleteSchedule with `cancel`) on that group's schedules only, and passing
   * the scheduler role to EventBridge Scheduler only.
   */
  bindDelayedDelivery(fn: ClawFunction, lanes: readonly LaneResources[], options: { cancel: boolean }): void {
    fn.addEnvironment("DELAY_SCHEDULE_GROUP_NAME", this.delayGroup.scheduleGroupName);
    fn.addEnvironment("SCHEDULER_ROLE_ARN", this.role.roleArn);
    fn.addEnvironment("SCHEDULE_DLQ_ARN", this.deadLetterQueue.queueArn);
    for (const lane of lanes) lane.bindScheduleTargets(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["scheduler:CreateSchedule", ...(options.cancel ? ["scheduler:DeleteSchedule"] : [])],
        resources: [
          Stack.of(this).formatArn({
            service: "scheduler",
            resource: "schedule",
            resourceName: `${this.delayGroup.scheduleGroupName}/*`,
          }),
        ],
      }),
    );
    this.grantPassRole(fn);
  }

  /** iam:PassRole of the scheduler role, to EventBridge Scheduler only; one statement per function. */
  private grantPassRole(fn: ClawFunction): void {
    if (this.rolePassers.has(fn)) return;
    this.rolePassers.add(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["iam:PassRole"],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": schedulerPrincipal } },
      }),
    );
  }
}
