/**
 * The workflow function: moves workflows on from the task table's stream
 * when one of their nodes' tasks ends (functions/workflows/handler.ts,
 * docs/workflows.md). Only ended node tasks invoke it, by the mapping's filter.
 */
import { Duration, Validations } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Construct } from "constructs";
import { taskPartitionPrefix } from "../../functions/adapters/task-item-layout.ts";
import { terminalStatuses } from "../../functions/core/task.ts";
import type { StageConfig } from "../stage-config.ts";
import { ClawFunction } from "./claw-function.ts";

export interface TaskWorkflowsProps {
  readonly stage: StageConfig;
  readonly taskTable: Table;
}

export class TaskWorkflows extends Construct {
  readonly handler: ClawFunction;

  constructor(scope: Construct, id: string, props: TaskWorkflowsProps) {
    super(scope, id);
    this.handler = new ClawFunction(this, "Handler", {
      entry: "workflows/handler.ts",
      description: `claw-tasks ${props.stage.stage} workflows: starts each node when what it waits for has ended`,
      timeout: Duration.seconds(60),
      memorySize: 512,
      tracing: props.stage.tracing,
      logRetentionDays: props.stage.logRetentionDays,
      retainLogs: props.stage.retainData,
      environment: {
        TASK_TABLE_NAME: props.taskTable.tableName,
        RESULT_TTL_DAYS: String(props.stage.resultTtlDays),
      },
    });
    // Reads workflow and task items, writes node tasks (with the state, in a transaction) and the state.
    props.taskTable.grant(
      this.handler,
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:BatchGetItem",
      "dynamodb:UpdateItem",
      "dynamodb:PutItem",
    );
    this.handler.addEventSource(
      new DynamoEventSource(props.taskTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        // Every step is idempotent: a failed batch is split and retried, and a retried record repairs.
        bisectBatchOnError: true,
        retryAttempts: 50,
        filters: [
          FilterCriteria.filter({
            dynamodb: {
              Keys: { pk: { S: FilterRule.beginsWith(taskPartitionPrefix) } },
              NewImage: {
                status: { S: FilterRule.or(...terminalStatuses) },
                workflow: { M: { id: { S: FilterRule.exists() } } },
              },
            },
          }),
        ],
      }),
    );
    Validations.of(this.handler).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "dynamodb:ListStreams (granted by the stream event source) supports no resource-level permissions; IAM accepts only '*'. It lists stream ARNs, no data.",
    });
  }
}
