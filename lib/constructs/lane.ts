/**
 * A lane: its queue, its dead-letter queue and its worker function, wired by
 * an SQS event-source mapping with partial batch responses. Sizing comes from
 * the catalog (lane definition and the time limits of its task types) and the
 * stage's overrides.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { leaseMarginSeconds } from "../../functions/core/run-task.ts";
import { taskCatalog, taskTypesOfLane } from "../../functions/tasks/catalog.ts";
import { type Lane, laneQueueUrlVariable, lanes } from "../../functions/tasks/lanes.ts";
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

export class LaneResources extends Construct {
  readonly lane: Lane;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: ClawFunction;
  /** The event-source mapping's MaximumConcurrency. */
  readonly maxConcurrency: number;

  constructor(scope: Construct, id: string, props: LaneProps) {
    super(scope, id);
    const { lane, stage } = props;
    const definition = lanes[lane];
    this.lane = lane;
    this.maxConcurrency = stage.lanes[lane]?.maxConcurrency ?? definition.maxConcurrency;

    const types = taskTypesOfLane(lane);
    const longestHardLimit = Math.max(...types.map((type) => taskCatalog[type].timeLimits.hardSeconds));
    // The worker outlives its longest task by the lease margin, so it can record a timeout itself.
    const timeoutSeconds = Math.min(maxFunctionSeconds, longestHardLimit + leaseMarginSeconds);

    this.deadLetterQueue = new Queue(this, "DeadLetters", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // AWS advises at least six times the function timeout for SQS event sources.
      visibilityTimeout: Duration.seconds(Math.min(maxVisibilitySeconds, 6 * timeoutSeconds)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.worker = new ClawFunction(this, "Worker", {
      entry: "worker/handler.ts",
      description: `claw-tasks ${stage.stage} worker for lane ${lane} (${types.join(", ")})`,
      timeout: Duration.seconds(timeoutSeconds),
      logRetentionDays: stage.logRetentionDays,
      retainLogs: stage.retainData,
      // MaximumConcurrency must not exceed the reservation, or the mapping gets throttled.
      reservedConcurrentExecutions: stage.reserveConcurrency ? this.maxConcurrency : undefined,
      environment: { LANE: lane, RESULT_TTL_DAYS: String(stage.resultTtlDays) },
    });
    props.tables.bindTaskRecords(this.worker);
    this.bindSender(this.worker);
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: definition.batchSize,
        maxConcurrency: this.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** Gives `fn` this lane's queue URL (LANE_QUEUE_URL_<LANE>) and the right to send to it. */
  bindSender(fn: ClawFunction): void {
    fn.addEnvironment(laneQueueUrlVariable(this.lane), this.queue.queueUrl);
    this.queue.grantSendMessages(fn);
  }
}
