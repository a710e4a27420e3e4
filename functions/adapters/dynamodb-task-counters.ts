/**
 * Task counts and per-minute activity, aggregated from the task table's
 * stream (functions/counters/handler.ts) instead of written by every
 * transition: a stream batch becomes one transaction of a few updates, so the
 * API and the worker never touch a counter. Reads (`GET /v1/stats`, the
 * monitor's charts) are a few seconds behind the records.
 *
 * Counting: a new task record counts +1 in its status (and one `submitted` in
 * its minute); a status change counts -1 in the old status and +1 in the new
 * (and one entry of the new status in its minute); deletions (TTL, cleanup)
 * change nothing, so terminal counts are totals since the table was made.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { MinuteActivity, TaskCounts } from "../core/ports.ts";
import { type TaskStatus, taskStatuses } from "../core/task.ts";
import { type TaskType, taskTypes } from "../tasks/catalog.ts";
import { ExpressionBuilder } from "./dynamodb-expressions.ts";
import {
  activityRetentionMinutes,
  appliedBatchKey,
  defaultNamespace,
  minuteSortKey,
  namespaceRegistryKey,
  statsPartition,
  totalsSortKey,
  ttlAttribute,
} from "./task-item-layout.ts";

/** One change of a task record, as the stream tells it. */
export interface TaskRecordChange {
  readonly namespace: string;
  readonly type: string;
  /** Absent for a new record. */
  readonly before?: TaskStatus;
  /** Absent for a deleted record. */
  readonly after?: TaskStatus;
  /** When the change was made (the record's updatedAt), ISO 8601. */
  readonly at: string;
  /** The stream record's sequence number. */
  readonly sequence: string;
}

/** The increments a batch of changes makes: totals and per-minute activity, per namespace. */
export interface CountDeltas {
  readonly totals: Map<string, Map<string, number>>;
  /** namespace -> minute (`yyyy-mm-ddThh:mm`) -> attribute -> increment */
  readonly minutes: Map<string, Map<string, Map<string, number>>>;
}

const bump = (counts: Map<string, number>, attribute: string, amount: number) =>
  counts.set(attribute, (counts.get(attribute) ?? 0) + amount);

function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** What a batch of record changes adds to the counters (pure). */
export function countDeltas(changes: readonly TaskRecordChange[]): CountDeltas {
  const totals = new Map<string, Map<string, number>>();
  const minutes = new Map<string, Map<string, Map<string, number>>>();
  for (const change of changes) {
    if (change.after === undefined || change.before === change.after) continue;
    const namespaceTotals = entry(totals, change.namespace, () => new Map<string, number>());
    bump(namespaceTotals, `s_${change.after}`, 1);
    bump(namespaceTotals, `t_${change.type}_${change.after}`, 1);
    if (change.before !== undefined) {
      bump(namespaceTotals, `s_${change.before}`, -1);
      bump(namespaceTotals, `t_${change.type}_${change.before}`, -1);
    }
    const minute = entry(
      entry(minutes, change.namespace, () => new Map<string, Map<string, number>>()),
      change.at.slice(0, 16),
      () => new Map<string, number>(),
    );
    bump(minute, `e_${change.after}`, 1);
    if (change.before === undefined) bump(minute, "submitted", 1);
  }
  return { totals, minutes };
}

/** DynamoDB takes at most 100 items in one transaction; a stream batch stays well under it per minute. */
const transactionLimit = 100;

/** The counters' reads and the aggregator's write. */
export interface TaskCounters {
  counts(namespace?: string): Promise<TaskCounts>;
  activity(now: Date, minutes: number, namespace?: string): Promise<MinuteActivity[]>;
  /** The namespaces that hold tasks (the default one always). */
  namespaces(): Promise<string[]>;
  /**
   * Applies a stream batch at most once: the increments and a marker named by
   * the batch's first sequence number (unique in the stream) are written in one
   * transaction, conditional on the marker not existing, so a batch the
   * event-source mapping retries after it was applied counts nothing twice
   * (the mapping must not bisect batches). A batch too large for one
   * transaction goes in parts, each marked alike. Resolves false when all of
   * it had been applied already.
   */
  apply(changes: readonly TaskRecordChange[]): Promise<boolean>;
}

/** The items a change adds to: its namespace's totals and its minute, and for a new record the namespace registry. */
const itemsOf = (change: TaskRecordChange) => [
  `${change.namespace}|totals`,
  `${change.namespace}|${change.at.slice(0, 16)}`,
  ...(change.before === undefined ? ["|namespaces"] : []),
];

/** Splits changes, in stream order, into parts that fit one transaction (with the checkpoint). */
function partsOf(changes: readonly TaskRecordChange[]): TaskRecordChange[][] {
  const parts: TaskRecordChange[][] = [];
  let part: TaskRecordChange[] = [];
  let items = new Set<string>();
  for (const change of changes) {
    const next = itemsOf(change).filter((item) => !items.has(item));
    if (items.size + next.length > transactionLimit - 1) {
      parts.push(part);
      part = [];
      items = new Set();
    }
    part.push(change);
    for (const item of itemsOf(change)) items.add(item);
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

export function createDynamoTaskCounters(client: DynamoDBDocumentClient, tableName: string): TaskCounters {
  /** Namespaces this process has written to the registry. */
  const registered = new Set<string>();
  async function applyPart(changes: readonly TaskRecordChange[]): Promise<boolean> {
    const { totals, minutes } = countDeltas(changes);
    const updates: Record<string, unknown>[] = [];
    const addAll = (key: Record<string, string>, counts: Map<string, number>, expiresAt?: number) => {
      const builder = new ExpressionBuilder();
      let added = false;
      for (const [attribute, amount] of counts) {
        if (amount === 0) continue;
        builder.add(attribute, amount);
        added = true;
      }
      if (!added) return;
      if (expiresAt !== undefined) builder.setIfMissing(ttlAttribute, expiresAt);
      updates.push({
        Update: {
          TableName: tableName,
          Key: key,
          UpdateExpression: builder.updateExpression(),
          ...builder.attributes(),
        },
      });
    };
    for (const [namespace, counts] of totals)
      addAll({ pk: statsPartition(namespace), sk: totalsSortKey }, counts);
    for (const [namespace, byMinute] of minutes) {
      for (const [minute, counts] of byMinute) {
        const expiresAt = Math.floor(Date.parse(`${minute}:00Z`) / 1000) + activityRetentionMinutes * 60;
        addAll({ pk: statsPartition(namespace), sk: minuteSortKey(minute) }, counts, expiresAt);
      }
    }
    // New records register their namespace (a set: adding a known one changes nothing), once per
    // namespace and process, so the one registry item is not written by every batch.
    const created = new Set(
      changes
        .filter((change) => change.before === undefined && !registered.has(change.namespace))
        .map((change) => change.namespace),
    );
    if (created.size > 0) {
      updates.push({
        Update: {
          TableName: tableName,
          Key: namespaceRegistryKey,
          UpdateExpression: "ADD #names :names",
          ExpressionAttributeNames: { "#names": "names" },
          ExpressionAttributeValues: { ":names": created },
        },
      });
    }
    if (updates.length === 0) return true;
    const marker = {
      Put: {
        TableName: tableName,
        Item: {
          ...appliedBatchKey(changes[0]!.sequence),
          changes: changes.length,
          // A retried batch comes back within the stream's 24 h retention.
          [ttlAttribute]: Math.floor(Date.now() / 1000) + 2 * 86_400,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    };
    try {
      await client.send(new TransactWriteCommand({ TransactItems: [marker, ...updates] as never }));
      for (const namespace of created) registered.add(namespace);
      return true;
    } catch (error) {
      const alreadyApplied =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed";
      if (alreadyApplied) return false;
      throw error;
    }
  }

  return {
    async namespaces() {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: namespaceRegistryKey }));
      const names = Item?.names instanceof Set ? [...(Item.names as Set<string>)] : [];
      return [...new Set([defaultNamespace, ...names])].sort();
    },

    async counts(namespace = defaultNamespace) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: statsPartition(namespace), sk: totalsSortKey } }),
      );
      const byStatus: Partial<Record<TaskStatus, number>> = {};
      const byType: Partial<Record<TaskType, Partial<Record<TaskStatus, number>>>> = {};
      for (const status of taskStatuses) {
        const value = Item?.[`s_${status}`];
        if (typeof value === "number") byStatus[status] = value;
        for (const type of taskTypes) {
          const typed = Item?.[`t_${type}_${status}`];
          if (typeof typed === "number") byType[type] = { ...byType[type], [status]: typed };
        }
      }
      return { byStatus, byType };
    },

    async activity(now, minutes, namespace = defaultNamespace) {
      const startMs = Math.floor(now.getTime() / 60_000) * 60_000 - (minutes - 1) * 60_000;
      const minuteList = Array.from({ length: minutes }, (_, index) =>
        new Date(startMs + index * 60_000).toISOString().slice(0, 16),
      );
      const byMinute = new Map(
        minuteList.map((minute) => [
          minute,
          { submitted: 0, entered: {} as Partial<Record<TaskStatus, number>> },
        ]),
      );
      let exclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
            ExpressionAttributeValues: {
              ":pk": statsPartition(namespace),
              ":first": minuteSortKey(minuteList[0]!),
              ":last": minuteSortKey(minuteList.at(-1)!),
            },
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          const minute = byMinute.get((item.sk as string).slice("minute#".length));
          if (!minute) continue;
          minute.submitted += typeof item.submitted === "number" ? item.submitted : 0;
          for (const status of taskStatuses) {
            const value = item[`e_${status}`];
            if (typeof value === "number") minute.entered[status] = (minute.entered[status] ?? 0) + value;
          }
        }
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey);
      return minuteList.map((minute) => ({ minute: `${minute}:00.000Z`, ...byMinute.get(minute)! }));
    },

    async apply(changes) {
      let applied = false;
      for (const part of partsOf(changes)) {
        if (await applyPart(part)) applied = true;
      }
      return applied;
    },
  };
}
