/**
 * A lane: one queue per priority (or, on a stage with `priorityQueues` off,
 * one queue that every priority shares), a dead-letter queue, and a worker
 * function consuming each queue through its own SQS event-source mapping
 * with partial batch responses. Sizing comes from the catalog (lane definition and the
 * time limits of its task types) and the stage's overrides.
 */
import { Duration, RemovalPolicy, Tags } from "aws-cdk-lib";
import { type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { leaseMarginSeconds } from "../../functions/core/run-task.ts";
import { taskCatalog, taskTypesOfLane } from "../../functions/tasks/catalog.ts";
import {
  type Lane,
  laneDeadLetterUrlVariable,
  laneMappingIdVariable,
  laneQueueArnVariable,
  laneQueueUrlVariable,
  laneReservedConcurrencyVariable,
  lanes,
  type Priority,
  priorityConcurrency,
  queuedPriorities,
} from "../../functions/tasks/lanes.ts";
import type { StageConfig } from "../stage-config.ts";
import { ClawFunction } from "./claw-function.ts";
import type { TaskTables } from "./task-tables.ts";

export interface LaneProps {
  readonly lane: Lane;
  readonly stage: StageConfig;
  readonly tables: TaskTables;
}

/** Lambda's longest timeout. */
const maxFunctionSeconds = 900;
/** SQS's longest visibility timeout (12 h). */
const maxVisibilitySeconds = 43_200;

const capitalised = (priority: Priority) => priority[0]!.toUpperCase() + priority.slice(1);

export class LaneResources extends Construct {
  readonly lane: Lane;
  /** The priorities with a queue of their own: all three, or `normal` alone (stage `priorityQueues` off). */
  readonly queuedPriorities: readonly Priority[];
  /** The queue of each priority in queuedPriorities (see queueOf for any priority). */
  readonly queues: Readonly<Partial<Record<Priority, Queue>>>;
  readonly deadLetterQueue: Queue;
  readonly worker: ClawFunction;
  /** The normal queue's MaximumConcurrency (the lane's size). */
  readonly maxConcurrency: number;
  /** Each queue's event-source mapping (UUID and ARN, for worker management). */
  readonly eventSources: Readonly<Partial<Record<Priority, SqsEventSource>>>;
  /** The worker's reserved concurrency, when the stage reserves it. */
  readonly reservedConcurrency: number | undefined;

  constructor(scope: Construct, id: string, props: LaneProps) {
    super(scope, id);
    const { lane, stage } = props;
    const definition = lanes[lane];
    this.lane = lane;
    this.maxConcurrency = stage.lanes[lane]?.maxConcurrency ?? definition.maxConcurrency;
    this.queuedPriorities = queuedPriorities(stage.priorityQueues);

    const types = taskTypesOfLane(lane);
    const longestHardLimit = Math.max(...types.map((type) => taskCatalog[type].timeLimits.hardSeconds));
    // The worker outlives its longest task by the lease margin, so it can record a timeout itself.
    const timeoutSeconds = Math.min(maxFunctionSeconds, longestHardLimit + leaseMarginSeconds);
    const removalPolicy = stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Tags.of(this.deadLetterQueue).add("claw-tasks:lane", lane);
    Tags.of(this.deadLetterQueue).add("claw-tasks:queue", "dead-letters");

    const mappingConcurrency = this.queuedPriorities.map((priority) =>
      priorityConcurrency(this.maxConcurrency, priority),
    );
    // Room for every priority's mapping at once: no mapping exceeds the reservation, and none is throttled.
    this.reservedConcurrency = stage.reserveConcurrency
      ? mappingConcurrency.reduce((sum, value) => sum + value, 0)
      : undefined;
    this.worker = new ClawFunction(this, "Worker", {
      entry: "worker/handler.ts",
      description: `claw-tasks ${stage.stage} worker for lane ${lane} (${types.join(", ")})`,
      timeout: Duration.seconds(timeoutSeconds),
      logRetentionDays: stage.logRetentionDays,
      retainLogs: stage.retainData,
      tracing: stage.tracing,
      reservedConcurrentExecutions: this.reservedConcurrency,
      environment: {
        LANE: lane,
        RESULT_TTL_DAYS: String(stage.resultTtlDays),
        MAX_RECEIVE_COUNT: String(definition.maxReceiveCount),
        ...(stage.rateLimitNamespaceShare !== undefined && stage.rateLimitNamespaceShare < 1
          ? { RATE_LIMIT_NAMESPACE_SHARE: String(stage.rateLimitNamespaceShare) }
          : {}),
      },
    });
    props.tables.bindTaskRecords(this.worker);

    const queues: Partial<Record<Priority, Queue>> = {};
    const eventSources: Partial<Record<Priority, SqsEventSource>> = {};
    for (const priority of this.queuedPriorities) {
      const queue = new Queue(this, priority === "normal" ? "Queue" : `${capitalised(priority)}Queue`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        // AWS advises at least six times the function timeout for SQS event sources.
        visibilityTimeout: Duration.seconds(Math.min(maxVisibilitySeconds, 6 * timeoutSeconds)),
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
        removalPolicy,
      });
      Tags.of(queue).add("claw-tasks:lane", lane);
      Tags.of(queue).add("claw-tasks:queue", priority);
      const eventSource = new SqsEventSource(queue, {
        batchSize: definition.batchSize,
        maxConcurrency: priorityConcurrency(this.maxConcurrency, priority),
        reportBatchItemFailures: true,
      });
      this.worker.addEventSource(eventSource);
      queues[priority] = queue;
      eventSources[priority] = eventSource;
    }
    this.queues = queues;
    this.eventSources = eventSources;
    this.bindSender(this.worker);
  }

  /** The queue a task of `priority` goes to: its own, else the lane's shared (normal) one. */
  queueOf(priority: Priority): Queue {
    return (this.queues[priority] ?? this.queues.normal) as Queue;
  }

  /** The lane's queues, each once. */
  get allQueues(): Queue[] {
    return this.queuedPriorities.map((priority) => this.queueOf(priority));
  }

  /**
   * Gives `fn` this lane's queue URLs (LANE_QUEUE_URL_<LANE>_<PRIORITY>, set
   * only for priorities with a queue of their own: the functions fall back to
   * the normal one) and the right to send to them.
   */
  bindSender(fn: ClawFunction): void {
    for (const priority of this.queuedPriorities) {
      fn.addEnvironment(laneQueueUrlVariable(this.lane, priority), this.queueOf(priority).queueUrl);
      this.queueOf(priority).grantSendMessages(fn);
    }
  }

  /**
   * Gives `fn` the DLQ's URL (LANE_DLQ_URL_<LANE>), queue depths, and what a
   * redrive needs: receive and delete on the DLQ (sending back is bindSender's).
   */
  bindOperator(fn: ClawFunction & IGrantable): void {
    this.bindInspector(fn);
    this.deadLetterQueue.grant(fn, "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility");
  }

  /** Gives `fn` this lane's DLQ URL and the right to read its queues' depths (check_task_health). */
  bindInspector(fn: ClawFunction & IGrantable): void {
    fn.addEnvironment(laneDeadLetterUrlVariable(this.lane), this.deadLetterQueue.queueUrl);
    for (const queue of [...this.allQueues, this.deadLetterQueue]) {
      queue.grant(fn, "sqs:GetQueueAttributes");
    }
  }

  /**
   * Lets `fn` manage this lane's worker: its mappings' UUIDs
   * (LANE_MAPPING_ID_<LANE>_<PRIORITY>) and reservation in its environment,
   * and read/update on these mappings only. Queue depths come with bindOperator.
   */
  bindWorkerManager(fn: ClawFunction & IGrantable): void {
    const mappings = this.queuedPriorities.map(
      (priority) => [priority, this.eventSources[priority]!] as const,
    );
    for (const [priority, eventSource] of mappings) {
      fn.addEnvironment(laneMappingIdVariable(this.lane, priority), eventSource.eventSourceMappingId);
    }
    if (this.reservedConcurrency !== undefined) {
      fn.addEnvironment(laneReservedConcurrencyVariable(this.lane), String(this.reservedConcurrency));
    }
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping"],
        resources: mappings.map(([, eventSource]) => eventSource.eventSourceMappingArn),
      }),
    );
  }

  /** Gives `fn` this lane's queue ARNs (LANE_QUEUE_ARN_<LANE>_<PRIORITY>): where schedules send their tasks. */
  bindScheduleTargets(fn: ClawFunction): void {
    for (const priority of this.queuedPriorities) {
      fn.addEnvironment(laneQueueArnVariable(this.lane, priority), this.queueOf(priority).queueArn);
    }
  }
}
