/**
 * The counters function: aggregates the task table's stream into the counts
 * and per-minute activity that `GET /v1/stats` and the monitor read, so no
 * task's hot path writes a counter (functions/counters/handler.ts).
 */
import { Duration, Validations } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Construct } from "constructs";
import { taskPartitionPrefix } from "../../functions/adapters/task-item-layout.ts";
import type { StageConfig } from "../stage-config.ts";
import { ClawFunction } from "./claw-function.ts";

export interface TaskCountersProps {
  readonly stage: StageConfig;
  readonly taskTable: Table;
  /**
   * How long the stream's records gather before a batch is counted: the
   * counts lag by about this much, and fewer, larger batches cost less.
   * @default 5 seconds
   */
  readonly batchingWindow?: Duration;
}

export class TaskCounters extends Construct {
  readonly handler: ClawFunction;

  constructor(scope: Construct, id: string, props: TaskCountersProps) {
    super(scope, id);
    this.handler = new ClawFunction(this, "Handler", {
      entry: "counters/handler.ts",
      description: `claw-tasks ${props.stage.stage} counters: task counts and activity from the task table's stream`,
      timeout: Duration.seconds(30),
      memorySize: 256,
      tracing: props.stage.tracing,
      logRetentionDays: props.stage.logRetentionDays,
      retainLogs: props.stage.retainData,
      environment: { TASK_TABLE_NAME: props.taskTable.tableName },
    });
    // The transaction of increments and the batch marker: updates and conditional puts, nothing else.
    props.taskTable.grant(this.handler, "dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem");
    this.handler.addEventSource(
      new DynamoEventSource(props.taskTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 1000,
        maxBatchingWindow: props.batchingWindow ?? Duration.seconds(5),
        // A retried batch must come back whole: its marker is named by its first record (no bisecting).
        bisectBatchOnError: false,
        retryAttempts: 20,
        // Only task records count: the counters' own writes and other items never invoke the function.
        filters: [
          FilterCriteria.filter({
            dynamodb: { Keys: { pk: { S: FilterRule.beginsWith(taskPartitionPrefix) } } },
          }),
        ],
      }),
    );
    // The event source's grant: dynamodb:ListStreams authorizes on no resource (IAM accepts only "*").
    Validations.of(this.handler).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "dynamodb:ListStreams (granted by the stream event source) supports no resource-level permissions; IAM accepts only '*'. It lists stream ARNs, no data.",
    });
  }
}
