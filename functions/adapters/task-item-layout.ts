/**
 * How tasks and their aggregates are laid out in the task table (keys `pk`,
 * `sk`). No SDK here: the store, the counters and the CDK code read it.
 *
 * - A task: `task#<namespace>#<month>#<shard>` / `<created time>#<id>`. The
 *   month (`yyyy-mm`, or `undated` for ids that carry no time) and the shard
 *   (0..taskShards-1, a hash of the id) follow from the id (task-ids.ts), so a
 *   read by id is one GetItem, and a partition holds one namespace's tasks of
 *   one month in creation order: listing newest first is a Query per shard,
 *   with no index to keep up to date. Input and result are JSON strings, so any
 *   JSON a client sends is stored as sent (DynamoDB maps reject some JSON).
 * - An idempotency key: `idem#<namespace>#<scope>#<key>` / `idem`, naming the
 *   task it created, expiring by TTL.
 * - Aggregates (written by the counters function from the table's stream, never
 *   by the API or the worker): `stats#<namespace>` / `totals` (counts by status
 *   and by type and status) and `stats#<namespace>` / `minute#<yyyy-mm-ddThh:mm>`
 *   (tasks submitted and statuses entered in that minute, kept a few hours by
 *   TTL); `stats#applied` / `<first sequence number>` marks a stream batch as
 *   counted, so a retried batch counts nothing twice.
 * - The namespaces that hold tasks: `namespaces` / `all`, a string set the
 *   counters add a namespace to when they count its first records, so the
 *   housekeeping tasks can visit every namespace's partitions.
 */
import { defaultNamespace } from "../core/namespaces.ts";
import type { Task } from "../core/task.ts";
import { timeOfTaskId } from "../core/task-ids.ts";

/** Partitions per namespace and month: each takes up to 1,000 writes/s on AWS, so 8 take ~2,600 tasks/s. */
export const taskShards = 8;

export { defaultNamespace };

/** The attribute DynamoDB's TTL deletes expired items by (epoch seconds). */
export const ttlAttribute = "expiresAtEpoch";

/** The bucket of ids without a time. */
export const undatedBucket = "undated";

/** The longest a task record lives past its creation: a 365-day delay, then its result's TTL. */
export function recordHorizonDays(resultTtlDays: number): number {
  return 366 + resultTtlDays;
}

/** What the record of task `id` is stored under. */
export interface TaskItemKey {
  readonly pk: string;
  readonly sk: string;
}

export const taskPartitionPrefix = "task#";

/** The month bucket of a time: `yyyy-mm`. */
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

function shardOf(id: string): number {
  // FNV-1a: cheap and stable; only the spread matters.
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index++) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % taskShards;
}

export const taskPartition = (namespace: string, bucket: string, shard: number): string =>
  `${taskPartitionPrefix}${namespace}#${bucket}#${shard}`;

export function taskKeyOf(id: string, namespace: string = defaultNamespace): TaskItemKey {
  const time = timeOfTaskId(id);
  return {
    pk: taskPartition(namespace, time ? monthOf(time) : undatedBucket, shardOf(id)),
    sk: `${time ? time.toISOString() : ""}#${id}`,
  };
}

/**
 * How far ahead of the reader's clock an id's time may be (a writer's clock
 * ahead of it, or the local scheduler's fast test clock): listing starts at
 * the bucket of this far ahead.
 */
const clockAheadDays = 2;

/**
 * Month buckets from `now`'s (or the next month's, in its last days) back to
 * `horizonDays` before it, newest first, then the undated bucket.
 */
export function bucketsNewestFirst(now: Date, horizonDays: number): string[] {
  const buckets: string[] = [];
  const oldest = monthOf(new Date(now.getTime() - horizonDays * 86_400_000));
  const newest = new Date(now.getTime() + clockAheadDays * 86_400_000);
  let year = newest.getUTCFullYear();
  let month = newest.getUTCMonth();
  for (;;) {
    const bucket = `${String(year).padStart(4, "0")}-${String(month + 1).padStart(2, "0")}`;
    buckets.push(bucket);
    if (bucket <= oldest) break;
    month -= 1;
    if (month < 0) {
      month = 11;
      year -= 1;
    }
  }
  buckets.push(undatedBucket);
  return buckets;
}

/** Month buckets from `from`'s to `to`'s, oldest first. */
export function bucketsBetween(from: Date, to: Date): string[] {
  const buckets: string[] = [];
  const last = monthOf(to);
  let year = from.getUTCFullYear();
  let month = from.getUTCMonth();
  for (;;) {
    const bucket = `${String(year).padStart(4, "0")}-${String(month + 1).padStart(2, "0")}`;
    if (bucket > last) break;
    buckets.push(bucket);
    month += 1;
    if (month > 11) {
      month = 0;
      year += 1;
    }
  }
  return buckets;
}

export type Item = Record<string, unknown>;

/** Attributes of the item that the task view leaves out. */
const internalAttributes = ["pk", "sk", "inputJson", "resultJson", "leaseUntil", ttlAttribute] as const;

/** History entries kept on a record; older ones are dropped (and counted) when a task is retried by id. */
export const historyLimit = 40;

export function toItem(task: Task, namespace: string = defaultNamespace): Item {
  const { input, result, ...rest } = task;
  return {
    ...rest,
    ...taskKeyOf(task.id, namespace),
    inputJson: JSON.stringify(input ?? null),
    ...(result === undefined ? {} : { resultJson: JSON.stringify(result) }),
  };
}

export function toTask(item: Item): Task {
  const view: Item = { ...item };
  for (const attribute of internalAttributes) delete view[attribute];
  view.input = JSON.parse(item.inputJson as string);
  if (typeof item.resultJson === "string") view.result = JSON.parse(item.resultJson);
  return view as unknown as Task;
}

export const idempotencyKeyOf = (scope: string, key: string, namespace: string = defaultNamespace) => ({
  pk: `idem#${namespace}#${scope}#${key}`,
  sk: "idem",
});

export const statsPartition = (namespace: string = defaultNamespace) => `stats#${namespace}`;
export const totalsSortKey = "totals";
export const minuteSortKey = (minute: string) => `minute#${minute}`;
/** How long per-minute activity is kept (TTL): the monitor charts the last hour. */
export const activityRetentionMinutes = 180;
/** Marks a stream batch as counted, by the sequence number of its first record. */
export const appliedBatchKey = (firstSequence: string) => ({ pk: "stats#applied", sk: firstSequence });
/** The item listing the namespaces that hold tasks (a string set, `names`). */
export const namespaceRegistryKey = { pk: "namespaces", sk: "all" } as const;

/**
 * The items of workflows (dynamodb-workflow-store.ts): a workflow's meta,
 * state and nodes share its partition; the listing keeps one partition per
 * namespace and month, newest first by sort key.
 */
export function workflowKeys(namespace: string = defaultNamespace) {
  const partition = (id: string) => `workflow#${namespace}#${id}`;
  return {
    meta: (id: string): TaskItemKey => ({ pk: partition(id), sk: "meta" }),
    state: (id: string): TaskItemKey => ({ pk: partition(id), sk: "state" }),
    node: (id: string, index: number): TaskItemKey => ({
      pk: partition(id),
      sk: `node#${String(index).padStart(5, "0")}`,
    }),
    listing: (id: string, createdAt: string, month: string): TaskItemKey => ({
      pk: `workflows#${namespace}#${month}`,
      sk: `${createdAt}#${id}`,
    }),
  };
}
