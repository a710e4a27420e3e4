/**
 * TaskStore on DynamoDB.
 *
 * Item layout (table keys `pk`, `sk`): a task is `pk = task#<id>`, `sk = task`.
 * Input and result are stored as JSON strings, so any JSON a client sends is
 * stored as sent (DynamoDB maps reject some JSON, such as empty keys).
 *
 * Listing indexes spread each status, type and "all" over `listShards`
 * partitions (`<status>#<n>` etc., sorted by `createdKey`), so no single
 * partition takes every write (DESIGN §3 principle 5).
 */
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { TaskEnvelope } from "../core/envelope.ts";
import type { AttemptOutcome, ClaimResult, TaskStore } from "../core/ports.ts";
import {
  statusesLeadingTo,
  type Task,
  type TaskErrorInfo,
  type TaskStatus,
  type TaskTransition,
} from "../core/task.ts";

export const listShards = 8;

/** Index names and their keys; the CDK task-table construct creates them from this list. */
export const taskIndexes = [
  { name: "byStatus", partitionKey: "statusShard", sortKey: "createdKey" },
  { name: "byType", partitionKey: "typeShard", sortKey: "createdKey" },
  { name: "byCreated", partitionKey: "allShard", sortKey: "createdKey" },
] as const;

/** The attribute DynamoDB's TTL deletes expired records by (epoch seconds). */
export const ttlAttribute = "expiresAtEpoch";

interface TaskItem extends Omit<Task, "input" | "result"> {
  readonly pk: string;
  readonly sk: string;
  readonly inputJson: string;
  readonly resultJson?: string;
  readonly statusShard: string;
  readonly typeShard: string;
  readonly allShard: string;
  readonly createdKey: string;
  readonly leaseUntil?: string;
  readonly nextAttemptAt?: string;
  readonly [ttlAttribute]?: number;
}

const internalAttributes = [
  "pk",
  "sk",
  "inputJson",
  "resultJson",
  "statusShard",
  "typeShard",
  "allShard",
  "createdKey",
  "leaseUntil",
  ttlAttribute,
] as const;

const taskKey = (id: string) => ({ pk: `task#${id}`, sk: "task" });

function shardOf(id: string): number {
  return createHash("sha256").update(id).digest()[0]! % listShards;
}

const statusShard = (id: string, status: TaskStatus) => `${status}#${shardOf(id)}`;

function toItem(task: Task): TaskItem {
  const { input, result, ...rest } = task;
  const shard = shardOf(task.id);
  return {
    ...rest,
    ...taskKey(task.id),
    inputJson: JSON.stringify(input ?? null),
    ...(result === undefined ? {} : { resultJson: JSON.stringify(result) }),
    statusShard: statusShard(task.id, task.status),
    typeShard: `${task.type}#${shard}`,
    allShard: `all#${shard}`,
    createdKey: `${task.createdAt}#${task.id}`,
  };
}

function toTask(item: Record<string, unknown>): Task {
  const view: Record<string, unknown> = { ...item };
  for (const attribute of internalAttributes) delete view[attribute];
  view.input = JSON.parse(item.inputJson as string);
  if (typeof item.resultJson === "string") view.result = JSON.parse(item.resultJson);
  return view as unknown as Task;
}

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException;

export interface DynamoTaskStoreOptions {
  readonly tableName: string;
  /** How long a finished task is kept before TTL deletes it. */
  readonly resultTtlSeconds: number;
}

export function createDynamoTaskStore(
  client: DynamoDBDocumentClient,
  options: DynamoTaskStoreOptions,
): TaskStore {
  const { tableName, resultTtlSeconds } = options;
  const expiryEpoch = (now: Date) => Math.floor(now.getTime() / 1000) + resultTtlSeconds;

  return {
    async create(task) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(task),
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async get(id) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: taskKey(id), ConsistentRead: true }),
      );
      return Item ? toTask(Item) : undefined;
    },

    async claim(envelope: TaskEnvelope, now: Date, leaseUntil: Date): Promise<ClaimResult> {
      const at = now.toISOString();
      const base = toItem({
        ...envelope,
        status: "running",
        attempts: 0,
        createdAt: envelope.createdAt,
        updatedAt: at,
        history: [],
      });
      const claimable = statusesLeadingTo("running").filter((status) => status !== "running");
      const statusValues = Object.fromEntries(claimable.map((status, index) => [`:from${index}`, status]));
      const entry: TaskTransition = { status: "running", at };
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: taskKey(envelope.id),
            UpdateExpression: [
              "SET #status = :running, statusShard = :statusShard, attempts = if_not_exists(attempts, :zero) + :one",
              "startedAt = :at, updatedAt = :at, leaseUntil = :leaseUntil",
              "#history = list_append(if_not_exists(#history, :empty), :entry)",
              "id = if_not_exists(id, :id), #type = if_not_exists(#type, :type), lane = if_not_exists(lane, :lane)",
              "priority = if_not_exists(priority, :priority), inputJson = if_not_exists(inputJson, :inputJson)",
              "maxAttempts = if_not_exists(maxAttempts, :maxAttempts), createdAt = if_not_exists(createdAt, :createdAt)",
              "typeShard = if_not_exists(typeShard, :typeShard), allShard = if_not_exists(allShard, :allShard)",
              "createdKey = if_not_exists(createdKey, :createdKey)",
              ...(envelope.tags ? ["tags = if_not_exists(tags, :tags)"] : []),
            ].join(", "),
            ConditionExpression: `attribute_not_exists(pk) OR #status IN (${Object.keys(statusValues).join(", ")}) OR (#status = :running AND leaseUntil < :at)`,
            ExpressionAttributeNames: { "#status": "status", "#history": "history", "#type": "type" },
            ExpressionAttributeValues: {
              ...statusValues,
              ":running": "running",
              ":statusShard": statusShard(envelope.id, "running"),
              ":zero": 0,
              ":one": 1,
              ":at": at,
              ":leaseUntil": leaseUntil.toISOString(),
              ":empty": [],
              ":entry": [entry],
              ":id": envelope.id,
              ":type": base.type,
              ":lane": base.lane,
              ":priority": base.priority,
              ":inputJson": base.inputJson,
              ":maxAttempts": base.maxAttempts,
              ":createdAt": base.createdAt,
              ":typeShard": base.typeShard,
              ":allShard": base.allShard,
              ":createdKey": base.createdKey,
              ...(envelope.tags ? { ":tags": envelope.tags } : {}),
            },
            ReturnValues: "ALL_NEW",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { claimed: true, task: toTask(Attributes!) };
      } catch (error) {
        if (isConditionFailure(error)) {
          return { claimed: false, current: error.Item ? toTask(unmarshall(error.Item)) : undefined };
        }
        throw error;
      }
    },

    async finishAttempt(id, attempt, outcome: AttemptOutcome, now) {
      const at = now.toISOString();
      const entry: TaskTransition = {
        status: outcome.status,
        at,
        attempt,
        ...(outcome.status === "succeeded" ? {} : { error: outcome.error }),
      };
      const set = [
        "#status = :status",
        "statusShard = :statusShard",
        "updatedAt = :at",
        "#history = list_append(#history, :entry)",
      ];
      const remove = ["leaseUntil"];
      const values: Record<string, unknown> = {
        ":status": outcome.status,
        ":statusShard": statusShard(id, outcome.status),
        ":at": at,
        ":entry": [entry],
        ":running": "running",
        ":attempt": attempt,
      };
      if (outcome.status === "retrying") {
        set.push("#error = :error", "nextAttemptAt = :nextAttemptAt");
        values[":error"] = outcome.error;
        values[":nextAttemptAt"] = outcome.nextAttemptAt;
      } else {
        set.push("finishedAt = :at", `${ttlAttribute} = :expiry`);
        values[":expiry"] = expiryEpoch(now);
        remove.push("nextAttemptAt");
        if (outcome.status === "succeeded") {
          set.push("resultJson = :resultJson");
          values[":resultJson"] = JSON.stringify(outcome.result);
          remove.push("#error");
        } else {
          set.push("#error = :error");
          values[":error"] = outcome.error;
        }
      }
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: taskKey(id),
            UpdateExpression: `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`,
            ConditionExpression: "#status = :running AND attempts = :attempt",
            ExpressionAttributeNames: { "#status": "status", "#history": "history", "#error": "error" },
            ExpressionAttributeValues: values,
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async failUnsent(id, error: TaskErrorInfo, now) {
      const at = now.toISOString();
      const entry: TaskTransition = { status: "failed", at, error };
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: taskKey(id),
          UpdateExpression:
            "SET #status = :failed, statusShard = :statusShard, #error = :error, updatedAt = :at, finishedAt = :at, #history = list_append(#history, :entry), " +
            `${ttlAttribute} = :expiry`,
          ConditionExpression: "#status = :queued",
          ExpressionAttributeNames: { "#status": "status", "#history": "history", "#error": "error" },
          ExpressionAttributeValues: {
            ":failed": "failed",
            ":queued": "queued",
            ":statusShard": statusShard(id, "failed"),
            ":error": error,
            ":at": at,
            ":entry": [entry],
            ":expiry": expiryEpoch(now),
          },
        }),
      );
    },
  };
}
