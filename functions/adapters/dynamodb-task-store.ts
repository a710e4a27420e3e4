/**
 * TaskStore on DynamoDB.
 *
 * Item layout (table keys `pk`, `sk`):
 * - a task: `task#<id>` / `task`; input and result as JSON strings, so any
 *   JSON a client sends is stored as sent (DynamoDB maps reject some JSON);
 * - an idempotency key: `idem#<scope>#<key>` / `idem`, expiring by TTL;
 * - counters: `stats#<0..7>` / `stats`, one ADD per transition on a random
 *   shard, summed on read, so no single item takes every update;
 * - per-minute activity: `minute#<yyyy-mm-ddThh:mm>#<0..7>` / `stats`, the
 *   same way (tasks submitted and statuses entered in that minute), kept
 *   `activityRetentionMinutes` by TTL, for the monitor's last-hour charts.
 *
 * Listing indexes spread each status, type and "all" over `listShards`
 * partitions (`<status>#<n>` etc., sorted by `createdKey`), so no single
 * partition takes every write (DESIGN §3 principle 5).
 */
import { createHash } from "node:crypto";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { TaskEnvelope } from "../core/envelope.ts";
import type {
  AttemptOutcome,
  CancelResult,
  ClaimResult,
  CreateResult,
  IdempotencyClaim,
  MinuteActivity,
  StoredTask,
  TaskCounts,
  TaskListFilter,
  TaskPage,
  TaskStore,
} from "../core/ports.ts";
import {
  statusChanges,
  type Task,
  type TaskErrorInfo,
  type TaskStatus,
  type TaskTransition,
  taskStatuses,
  terminalStatuses,
} from "../core/task.ts";
import { type TaskType, taskTypes } from "../tasks/catalog.ts";
import { ExpressionBuilder } from "./dynamodb-expressions.ts";

export const listShards = 8;
const counterShards = 8;
/** How long per-minute activity is kept (TTL): the monitor charts the last hour. */
export const activityRetentionMinutes = 180;
/** BatchGetItem's limit of keys per call. */
const batchGetLimit = 100;

const minuteOf = (at: Date) => at.toISOString().slice(0, 16);
const activityKey = (minute: string, shard: number) => ({ pk: `minute#${minute}#${shard}`, sk: "stats" });

/** Index names and their keys; the CDK task-table construct creates them from this list. */
export const taskIndexes = [
  { name: "byStatus", partitionKey: "statusShard", sortKey: "createdKey" },
  { name: "byType", partitionKey: "typeShard", sortKey: "createdKey" },
  { name: "byCreated", partitionKey: "allShard", sortKey: "createdKey" },
] as const;

/** The attribute DynamoDB's TTL deletes expired records by (epoch seconds). */
export const ttlAttribute = "expiresAtEpoch";

type Item = Record<string, unknown>;

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

/** Marks the first history entry of a record the worker's claim created (the submit's own write had not landed). */
const recordedByWorker = "recorded by the worker: the submit's record write had not landed";

function shardOf(id: string): number {
  return createHash("sha256").update(id).digest()[0]! % listShards;
}

const statusShard = (id: string, status: TaskStatus) => `${status}#${shardOf(id)}`;

function toItem(task: Task): Item {
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

function toTask(item: Item): Task {
  const view: Item = { ...item };
  for (const attribute of internalAttributes) delete view[attribute];
  view.input = JSON.parse(item.inputJson as string);
  if (typeof item.resultJson === "string") view.result = JSON.parse(item.resultJson);
  return view as unknown as Task;
}

const isConditionFailure = (error: unknown): error is ConditionalCheckFailedException =>
  error instanceof ConditionalCheckFailedException;

/** The current item a failed condition reports (the SDK leaves it marshalled). */
const currentOf = (error: ConditionalCheckFailedException): Item | undefined =>
  error.Item ? unmarshall(error.Item) : undefined;

export interface DynamoTaskStoreOptions {
  readonly tableName: string;
  /** How long a finished task is kept before TTL deletes it. */
  readonly resultTtlSeconds: number;
}

interface TransitionSpec {
  readonly id: string;
  readonly from: readonly TaskStatus[];
  readonly to: TaskStatus;
  readonly now: Date;
  readonly set?: Item;
  readonly remove?: readonly string[];
  readonly entry?: Partial<TaskTransition>;
  /** Finishing transitions start the TTL clock and stamp finishedAt. */
  readonly finishes?: boolean;
  /** Extra condition, built with the same builder. */
  readonly condition?: (builder: ExpressionBuilder) => string;
}

export function createDynamoTaskStore(
  client: DynamoDBDocumentClient,
  options: DynamoTaskStoreOptions,
): TaskStore {
  const { tableName, resultTtlSeconds } = options;
  const expiryEpoch = (now: Date) => Math.floor(now.getTime() / 1000) + resultTtlSeconds;

  /**
   * Counts one task moving from `from` (absent: a new task) to `to` (absent:
   * undoing the count of a task whose write lost), in the totals and in the
   * minute's activity. Both updates go out at once.
   */
  async function count(
    type: string,
    from: TaskStatus | undefined,
    to: TaskStatus | undefined,
    at: Date,
  ): Promise<void> {
    if (from === to) return;
    const totals = new ExpressionBuilder();
    if (to) totals.add(`s_${to}`, 1).add(`t_${type}_${to}`, 1);
    if (from) totals.add(`s_${from}`, -1).add(`t_${type}_${from}`, -1);
    const activity = new ExpressionBuilder();
    if (to) activity.add(`e_${to}`, 1);
    if (!from && to) activity.add("submitted", 1);
    if (from && !to) activity.add(`e_${from}`, -1).add("submitted", -1);
    const minute = minuteOf(at);
    const expiry = Math.floor(Date.parse(`${minute}:00Z`) / 1000) + activityRetentionMinutes * 60;
    activity.setIfMissing(ttlAttribute, expiry);
    const shard = () => Math.floor(Math.random() * counterShards);
    await Promise.all([
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `stats#${shard()}`, sk: "stats" },
          UpdateExpression: totals.updateExpression(),
          ...totals.attributes(),
        }),
      ),
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: activityKey(minute, shard()),
          UpdateExpression: activity.updateExpression(),
          ...activity.attributes(),
        }),
      ),
    ]);
  }

  /** BatchGetItem over any number of keys, asking again for what DynamoDB left unprocessed. */
  async function batchGet(keys: readonly Item[]): Promise<Item[]> {
    const items: Item[] = [];
    for (let start = 0; start < keys.length; start += batchGetLimit) {
      let pending: Item[] | undefined = keys.slice(start, start + batchGetLimit);
      for (let round = 0; pending && pending.length > 0 && round < 5; round++) {
        const { Responses, UnprocessedKeys } = await client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
        );
        items.push(...(Responses?.[tableName] ?? []));
        pending = UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined;
      }
      if (pending && pending.length > 0) throw new Error(`DynamoDB left ${pending.length} keys unread`);
    }
    return items;
  }

  /**
   * One conditional status change: sets status, its index shard, updatedAt and a
   * history entry, plus `set`/`remove`; returns the item before and after.
   */
  async function transition(
    spec: TransitionSpec,
  ): Promise<{ ok: true; before: Item; after: Item } | { ok: false; current?: Item }> {
    const at = spec.now.toISOString();
    const builder = new ExpressionBuilder();
    const entry = { status: spec.to, at, ...spec.entry };
    const set: Item = {
      status: spec.to,
      statusShard: statusShard(spec.id, spec.to),
      updatedAt: at,
      ...(spec.finishes ? { finishedAt: at, [ttlAttribute]: expiryEpoch(spec.now) } : {}),
      ...spec.set,
    };
    for (const [attribute, value] of Object.entries(set)) builder.set(attribute, value);
    builder.append("history", [entry]);
    for (const attribute of spec.remove ?? []) builder.remove(attribute);
    const conditions = [builder.isOneOf("status", spec.from)];
    if (spec.condition) conditions.push(spec.condition(builder));
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: taskKey(spec.id),
          UpdateExpression: builder.updateExpression(),
          ConditionExpression: conditions.map((condition) => `(${condition})`).join(" AND "),
          ...builder.attributes(),
          ReturnValues: "ALL_OLD",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      const before = Attributes ?? {};
      const after: Item = { ...before, ...set, history: [...((before.history as unknown[]) ?? []), entry] };
      for (const attribute of spec.remove ?? []) delete after[attribute];
      await count(before.type as string, before.status as TaskStatus, spec.to, spec.now);
      return { ok: true, before, after };
    } catch (error) {
      if (isConditionFailure(error)) {
        const current = currentOf(error);
        return current ? { ok: false, current } : { ok: false };
      }
      throw error;
    }
  }

  async function getItem(id: string): Promise<Item | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: taskKey(id), ConsistentRead: true }),
    );
    return Item;
  }

  async function queryShard(
    index: (typeof taskIndexes)[number],
    partition: string,
    filter: TaskListFilter,
    limit: number,
    before: string | undefined,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let exclusiveStartKey: Item | undefined;
    // A filter may drop most of a page; read on until `limit` items match or the partition ends (bounded).
    for (let page = 0; page < 20 && items.length < limit; page++) {
      const builder = new ExpressionBuilder();
      const keyConditions = [`${builder.name(index.partitionKey)} = ${builder.value(partition)}`];
      if (before) keyConditions.push(`${builder.name(index.sortKey)} < ${builder.value(before)}`);
      const filters: string[] = [];
      if (filter.type && index.name !== "byType")
        filters.push(`${builder.name("type")} = ${builder.value(filter.type)}`);
      if (filter.tag) {
        filters.push(
          `${builder.name("tags")}.${builder.name(filter.tag.key)} = ${builder.value(filter.tag.value)}`,
        );
      }
      const { Items, LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index.name,
          KeyConditionExpression: keyConditions.join(" AND "),
          ...(filters.length > 0 ? { FilterExpression: filters.join(" AND ") } : {}),
          ...builder.attributes(),
          ScanIndexForward: false,
          Limit: limit,
          ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
        }),
      );
      items.push(...(Items ?? []));
      exclusiveStartKey = LastEvaluatedKey;
      if (!exclusiveStartKey) break;
    }
    return items;
  }

  return {
    async create(task, idempotency?: IdempotencyClaim): Promise<CreateResult> {
      const item = toItem(task);
      // Counted at once, in parallel with the write (one round trip); undone if the write loses.
      const createdAt = new Date(task.createdAt);
      const counted = count(task.type, undefined, task.status, createdAt);
      try {
        if (!idempotency) {
          await client.send(
            new PutCommand({
              TableName: tableName,
              Item: item,
              ConditionExpression: "attribute_not_exists(pk)",
            }),
          );
        } else {
          const nowEpoch = Math.floor(Date.parse(task.createdAt) / 1000);
          await client.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: tableName,
                    Item: {
                      pk: `idem#${idempotency.scope}#${idempotency.key}`,
                      sk: "idem",
                      taskId: task.id,
                      requestHash: idempotency.requestHash,
                      [ttlAttribute]: nowEpoch + idempotency.ttlSeconds,
                    },
                    // An expired key whose item TTL has not removed yet counts as free.
                    ConditionExpression: "attribute_not_exists(pk) OR #expiry < :now",
                    ExpressionAttributeNames: { "#expiry": ttlAttribute },
                    ExpressionAttributeValues: { ":now": nowEpoch },
                    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                  },
                },
                {
                  Put: { TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" },
                },
              ],
            }),
          );
        }
        await counted;
        return { created: true };
      } catch (error) {
        await counted.then(() => count(task.type, task.status, undefined, createdAt)).catch(() => {});
        if (isConditionFailure(error)) return { created: false, existingTaskId: task.id, requestHash: "" };
        if (error instanceof TransactionCanceledException) {
          const [keyReason] = error.CancellationReasons ?? [];
          if (keyReason?.Code === "ConditionalCheckFailed" && keyReason.Item) {
            const existing = unmarshall(keyReason.Item as never);
            return {
              created: false,
              existingTaskId: existing.taskId as string,
              requestHash: existing.requestHash as string,
            };
          }
        }
        throw error;
      }
    },

    async releaseIdempotency(scope, key) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `idem#${scope}#${key}`, sk: "idem" },
          UpdateExpression: "SET #expiry = :zero",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#expiry": ttlAttribute },
          ExpressionAttributeValues: { ":zero": 0 },
        }),
      );
    },

    async get(id) {
      const item = await getItem(id);
      return item ? toTask(item) : undefined;
    },

    async claim(envelope: TaskEnvelope, now: Date, leaseUntil: Date): Promise<ClaimResult> {
      const at = now.toISOString();
      const base = toItem({
        ...envelope,
        status: "running",
        attempts: 0,
        updatedAt: at,
        history: [],
      } as Task);
      const builder = new ExpressionBuilder();
      builder
        .set("status", "running")
        .set("statusShard", statusShard(envelope.id, "running"))
        .setExpression(
          "attempts",
          `if_not_exists(${builder.name("attempts")}, ${builder.value(0)}) + ${builder.value(1)}`,
        )
        .set("startedAt", at)
        .set("updatedAt", at)
        .set("leaseUntil", leaseUntil.toISOString())
        // A record the claim creates starts with the status the submit would have written, marked as such.
        .setExpression(
          "history",
          `list_append(if_not_exists(${builder.name("history")}, ${builder.value([
            {
              status: envelope.runAt ? "scheduled" : "queued",
              at: envelope.createdAt,
              note: recordedByWorker,
            },
          ])}), ${builder.value([{ status: "running", at } satisfies TaskTransition])})`,
        )
        .remove("nextAttemptAt")
        .remove("progress");
      // Creates the record from the envelope when the submit's write has not landed (or failed).
      for (const attribute of ["id", "type", "lane", "priority", "inputJson", "maxAttempts", "createdAt"]) {
        builder.setIfMissing(attribute, base[attribute]);
      }
      for (const attribute of ["typeShard", "allShard", "createdKey"])
        builder.setIfMissing(attribute, base[attribute]);
      for (const attribute of [
        "runAt",
        "expiresAt",
        "timeLimits",
        "callbackUrl",
        "scheduleName",
        "tags",
      ] as const) {
        if (envelope[attribute] !== undefined) builder.setIfMissing(attribute, envelope[attribute]);
      }
      const condition = [
        `attribute_not_exists(pk)`,
        builder.isOneOf("status", statusChanges.claim.from),
        `(${builder.name("status")} = ${builder.value("running")} AND ${builder.name("leaseUntil")} < ${builder.value(at)})`,
      ].join(" OR ");
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: taskKey(envelope.id),
            UpdateExpression: builder.updateExpression(),
            ConditionExpression: condition,
            ...builder.attributes(),
            ReturnValues: "ALL_NEW",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        const claimed = toTask(Attributes!);
        // The previous status is the last history entry before this claim's own; none if this claim made the record.
        const previous = claimed.history.at(-2);
        await count(
          claimed.type,
          previous?.note === recordedByWorker ? undefined : previous?.status,
          "running",
          now,
        );
        return { claimed: true, task: claimed };
      } catch (error) {
        if (isConditionFailure(error)) {
          const current = currentOf(error);
          return { claimed: false, current: current ? toTask(current) : undefined };
        }
        throw error;
      }
    },

    async finishAttempt(id, attempt, outcome: AttemptOutcome, now) {
      const { status } = outcome;
      const finishes = status !== "retrying";
      const set: Item = {};
      const remove = ["leaseUntil"];
      if (status === "succeeded") {
        set.resultJson = JSON.stringify(outcome.result);
        remove.push("error", "nextAttemptAt");
      } else {
        set.error = outcome.error;
        if (status === "retrying") set.nextAttemptAt = outcome.nextAttemptAt;
        else remove.push("nextAttemptAt");
      }
      const result = await transition({
        id,
        from: statusChanges.finishAttempt.from,
        to: status,
        now,
        set,
        remove,
        finishes,
        entry: { attempt, ...(status === "succeeded" ? {} : { error: outcome.error }) },
        condition: (builder) => `${builder.name("attempts")} = ${builder.value(attempt)}`,
      });
      return result.ok;
    },

    async failUnsent(id, error: TaskErrorInfo, now) {
      await transition({
        id,
        from: statusChanges.failUnsent.from,
        to: "failed",
        now,
        set: { error },
        finishes: true,
        entry: { error },
      });
    },

    async expire(id, now) {
      const error: TaskErrorInfo = {
        type: "expired",
        message: "not started by its expiresAt",
        retryable: false,
      };
      const result = await transition({
        id,
        from: statusChanges.expire.from,
        to: "expired",
        now,
        set: { error },
        remove: ["nextAttemptAt"],
        finishes: true,
      });
      return result.ok;
    },

    async cancel(id, now): Promise<CancelResult> {
      const at = now.toISOString();
      // Waiting -> cancelled at once; running -> ask it to stop. Loop, because the status may move in between.
      for (let tries = 0; tries < 3; tries++) {
        const result = await transition({
          id,
          from: statusChanges.cancel.from,
          to: "cancelled",
          now,
          remove: ["nextAttemptAt"],
          finishes: true,
        });
        if (result.ok) return { outcome: "cancelled", task: toTask(result.after) };
        if (!result.current) return { outcome: "not_found" };
        const current = toTask(result.current);
        if (current.status !== "running") return { outcome: "terminal", task: current };
        try {
          const { Attributes } = await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: taskKey(id),
              UpdateExpression: "SET #cancel = if_not_exists(#cancel, :at), updatedAt = :at",
              ConditionExpression: "#status = :running",
              ExpressionAttributeNames: { "#cancel": "cancelRequestedAt", "#status": "status" },
              ExpressionAttributeValues: { ":at": at, ":running": "running" },
              ReturnValues: "ALL_NEW",
            }),
          );
          return { outcome: "requested", task: toTask(Attributes!) };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
      const task = await this.get(id);
      return task ? { outcome: "terminal", task } : { outcome: "not_found" };
    },

    async requeue(id, now) {
      const result = await transition({
        id,
        // Retry by id: only ended tasks (not `scheduled`, which may also become queued, but on its own).
        from: statusChanges.requeue.from,
        to: "queued",
        now,
        set: { attempts: 0 },
        remove: [
          "finishedAt",
          ttlAttribute,
          "error",
          "resultJson",
          "progress",
          "runAt",
          "expiresAt",
          "nextAttemptAt",
          "cancelRequestedAt",
          "leaseUntil",
        ],
      });
      if (result.ok) return { task: toTask(result.after) };
      return result.current ? { current: toTask(result.current) } : {};
    },

    async markDeadLettered(id, error, now) {
      await transition({
        id,
        from: statusChanges.deadLetter.from,
        to: "failed",
        now,
        set: { error },
        remove: ["leaseUntil", "nextAttemptAt"],
        finishes: true,
        entry: { error },
      });
    },

    async reportProgress(id, attempt, progress, now) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: taskKey(id),
            UpdateExpression: "SET progress = :progress, updatedAt = :at",
            ConditionExpression:
              "#status = :running AND attempts = :attempt AND attribute_not_exists(#cancel)",
            ExpressionAttributeNames: { "#status": "status", "#cancel": "cancelRequestedAt" },
            ExpressionAttributeValues: {
              ":progress": progress,
              ":at": now.toISOString(),
              ":running": "running",
              ":attempt": attempt,
            },
          }),
        );
        return { cancelRequested: false };
      } catch (error) {
        // Cancelled, or no longer this attempt's: either way the attempt should stop.
        if (isConditionFailure(error)) return { cancelRequested: true };
        throw error;
      }
    },

    async isCancelRequested(id) {
      const { Item } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: taskKey(id),
          ProjectionExpression: "#cancel",
          ExpressionAttributeNames: { "#cancel": "cancelRequestedAt" },
        }),
      );
      return typeof Item?.cancelRequestedAt === "string";
    },

    async list(filter, limit, cursor): Promise<TaskPage> {
      const index = filter.status ? taskIndexes[0] : filter.type ? taskIndexes[1] : taskIndexes[2];
      const prefix = filter.status ?? filter.type ?? "all";
      const shards = Array.from({ length: listShards }, (_, shard) => `${prefix}#${shard}`);
      // Every shard is read newest first below the cursor and merged: a page is the newest `limit` overall.
      const perShard = await Promise.all(
        shards.map((partition) => queryShard(index, partition, filter, limit, cursor)),
      );
      const merged = perShard
        .flat()
        .sort((a, b) => ((a.createdKey as string) < (b.createdKey as string) ? 1 : -1))
        .slice(0, limit);
      const exhausted = perShard.every((items) => items.length < limit);
      const last = merged.at(-1);
      return {
        items: merged.map(toTask),
        nextCursor: last && !(exhausted && merged.length < limit) ? (last.createdKey as string) : null,
      };
    },

    async counts(): Promise<TaskCounts> {
      const items = await batchGet(
        Array.from({ length: counterShards }, (_, shard) => ({ pk: `stats#${shard}`, sk: "stats" })),
      );
      const byStatus: Partial<Record<TaskStatus, number>> = {};
      const byType: Partial<Record<TaskType, Partial<Record<TaskStatus, number>>>> = {};
      for (const item of items) {
        for (const status of taskStatuses) {
          const value = item[`s_${status}`];
          if (typeof value === "number") byStatus[status] = (byStatus[status] ?? 0) + value;
          for (const type of taskTypes) {
            const typed = item[`t_${type}_${status}`];
            if (typeof typed === "number") {
              const counts = byType[type] ?? {};
              counts[status] = (counts[status] ?? 0) + typed;
              byType[type] = counts;
            }
          }
        }
      }
      return { byStatus, byType };
    },

    async findSubmittedBefore(status, createdBefore, limit) {
      const perShard = await Promise.all(
        Array.from({ length: listShards }, (_, shard) =>
          queryCreatedBefore(`${status}#${shard}`, createdBefore.toISOString(), limit),
        ),
      );
      return perShard
        .flat()
        .sort((a, b) => String(a.createdKey).localeCompare(String(b.createdKey)))
        .slice(0, limit)
        .map(
          (item): StoredTask => ({
            task: toTask(item),
            ...(typeof item.leaseUntil === "string" ? { leaseUntil: item.leaseUntil } : {}),
          }),
        );
    },

    async findExpired(now, limit) {
      // Expiry is set at finish, which is after creation: an expired record was created a whole TTL ago.
      const createdBefore = new Date(now.getTime() - resultTtlSeconds * 1000).toISOString();
      const nowEpoch = Math.floor(now.getTime() / 1000);
      const found: { id: string; createdKey: string }[] = [];
      for (const status of terminalStatuses) {
        for (let shard = 0; shard < listShards && found.length < limit; shard++) {
          const items = await queryCreatedBefore(
            `${status}#${shard}`,
            createdBefore,
            limit - found.length,
            nowEpoch,
          );
          found.push(
            ...items.map((item) => ({ id: item.id as string, createdKey: item.createdKey as string })),
          );
        }
      }
      return found.sort((a, b) => a.createdKey.localeCompare(b.createdKey)).map((item) => item.id);
    },

    async deleteExpired(id, now) {
      try {
        await client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: taskKey(id),
            ConditionExpression: `${ttlAttribute} < :now`,
            ExpressionAttributeValues: { ":now": Math.floor(now.getTime() / 1000) },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async activity(now, minutes): Promise<MinuteActivity[]> {
      const startMs = Math.floor(now.getTime() / 60_000) * 60_000 - (minutes - 1) * 60_000;
      const minuteList = Array.from({ length: minutes }, (_, index) =>
        minuteOf(new Date(startMs + index * 60_000)),
      );
      const items = await batchGet(
        minuteList.flatMap((minute) =>
          Array.from({ length: counterShards }, (_, shard) => activityKey(minute, shard)),
        ),
      );
      const byMinute = new Map(
        minuteList.map((minute) => [
          minute,
          { submitted: 0, entered: {} as Partial<Record<TaskStatus, number>> },
        ]),
      );
      for (const item of items) {
        const minute = byMinute.get((item.pk as string).split("#")[1]!);
        if (!minute) continue;
        minute.submitted += typeof item.submitted === "number" ? item.submitted : 0;
        for (const status of taskStatuses) {
          const value = item[`e_${status}`];
          if (typeof value === "number") minute.entered[status] = (minute.entered[status] ?? 0) + value;
        }
      }
      return minuteList.map((minute) => ({ minute: `${minute}:00.000Z`, ...byMinute.get(minute)! }));
    },
  };

  /**
   * Up to `limit` items of one listing shard created before `createdBefore`,
   * oldest first; with `expiredAtEpoch`, only those whose expiry is before it.
   */
  async function queryCreatedBefore(
    shardKey: string,
    createdBefore: string,
    limit: number,
    expiredAtEpoch?: number,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: "byStatus",
          KeyConditionExpression: "statusShard = :shard AND createdKey < :before",
          ...(expiredAtEpoch === undefined ? {} : { FilterExpression: `${ttlAttribute} < :nowEpoch` }),
          ExpressionAttributeValues: {
            ":shard": shardKey,
            ":before": createdBefore,
            ...(expiredAtEpoch === undefined ? {} : { ":nowEpoch": expiredAtEpoch }),
          },
          Limit: Math.min(1_000, Math.max(limit, 25)),
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < limit);
    return items.slice(0, limit);
  }
}
