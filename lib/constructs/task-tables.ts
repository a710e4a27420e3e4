/**
 * The task table: on-demand, encrypted, point-in-time recovery, TTL on
 * finished records, no secondary index (the item layout lists tasks from the
 * table itself, functions/adapters/task-item-layout.ts), and a stream of new
 * and old images that the counters function aggregates. Also the API key
 * table, which only the API function reads.
 */
import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { apiKeyPartitionKey } from "../../functions/adapters/dynamodb-api-key-store.ts";
import { ttlAttribute } from "../../functions/adapters/task-item-layout.ts";

export interface TaskTablesProps {
  /** Keep the tables (and refuse deletion) when the stack goes. */
  readonly retainData: boolean;
}

/**
 * What a function may do with task records: read, create, update; never delete or scan.
 * Listing and housekeeping Query the table itself (no index, no batch reads); nothing writes
 * task records in a transaction.
 */
const taskRecordActions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"];

export class TaskTables extends Construct {
  readonly taskTable: Table;
  readonly apiKeyTable: Table;

  constructor(scope: Construct, id: string, props: TaskTablesProps) {
    super(scope, id);
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    this.taskTable = new Table(this, "Tasks", {
      ...common,
      partitionKey: { name: "pk", type: AttributeType.STRING },
      sortKey: { name: "sk", type: AttributeType.STRING },
      timeToLiveAttribute: ttlAttribute,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });

    this.apiKeyTable = new Table(this, "ApiKeys", {
      ...common,
      partitionKey: { name: apiKeyPartitionKey, type: AttributeType.STRING },
    });
  }

  /** Gives `fn` the task table's name (TASK_TABLE_NAME) and the record actions on it. */
  bindTaskRecords(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment("TASK_TABLE_NAME", this.taskTable.tableName);
    this.taskTable.grant(fn, ...taskRecordActions);
  }

  /**
   * Lets `fn` read a workflow's node tasks in batches (GET /v1/workflows,
   * check_task_health's workflow repair), beside bindTaskRecords' actions.
   * No BatchWriteItem: it can delete.
   */
  bindWorkflowRecords(fn: IFunction): void {
    this.taskTable.grant(fn, "dynamodb:BatchGetItem");
  }

  /**
   * Lets `fn` delete task records (cleanup_expired_results): only the worker
   * whose lane runs that task gets this.
   */
  bindTaskRecordDeletion(fn: IFunction): void {
    this.taskTable.grant(fn, "dynamodb:DeleteItem");
  }

  /**
   * Gives `fn` the API key table's name (API_KEY_TABLE_NAME) and what key
   * checks and the admin key routes need: read, create, revoke, list. Never delete.
   */
  bindApiKeys(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment("API_KEY_TABLE_NAME", this.apiKeyTable.tableName);
    this.apiKeyTable.grant(
      fn,
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:Scan",
    );
  }
}
