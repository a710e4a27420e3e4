/**
 * TaskStore on DynamoDB. The item layout is in task-item-layout.ts; counts
 * and activity are aggregated from the table's stream
 * (dynamodb-task-counters.ts), so a task's hot path writes its record and
 * nothing else: the create, the claim and the outcome, one conditional write
 * each (or the create and one write of the whole attempt, when it ended
 * before its claim was due), with no index to keep up to date.
 *
 * Every status change is one conditional UpdateItem whose allowed from-states
 * come from the task model's `statusChanges`, which are checked against its
 * transition table, so the store cannot make a move the model forbids.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { optionalEnvelopeFields, type TaskEnvelope } from "../core/envelope.ts";
import type {
  AttemptOutcome,
  CancelResult,
  ClaimResult,
  CreateResult,
  IdempotencyClaim,
  RecordAttemptResult,
  StoredTask,
  TaskListFilter,
  TaskPage,
  TaskStore,
} from "../core/ports.ts";
import { InvalidCursor } from "../core/ports.ts";
import {
  expiredError,
  statusChanges,
  type Task,
  type TaskErrorInfo,
  type TaskStatus,
  type TaskTransition,
  terminalStatuses,
} from "../core/task.ts";
import { ExpressionBuilder } from "./dynamodb-expressions.ts";
import { createDynamoTaskCounters } from "./dynamodb-task-counters.ts";
import {
  bucketsBetween,
  bucketsNewestFirst,
  defaultNamespace,
  historyLimit,
  type Item,
  idempotencyKeyOf,
  recordHorizonDays,
  taskKeyOf,
  taskPartition,
  taskShards,
  toItem,
  toTask,
  ttlAttribute,
} from "./task-item-layout.ts";

export { ttlAttribute } from "./task-item-layout.ts";

/** Marks the first history entry of a record the worker's claim created (the submit's own write had not landed). */
const recordedByWorker = "recorded by the worker: the submit's record write had not landed";

const isConditionFailure = (error: unknown): error is ConditionalCheckFailedException =>
  error instanceof ConditionalCheckFailedException;

/** The current item a failed condition reports (the SDK leaves it marshalled). */
const currentOf = (error: ConditionalCheckFailedException): Item | undefined =>
  error.Item ? unmarshall(error.Item) : undefined;

export interface DynamoTaskStoreOptions {
  readonly tableName: string;
  /** How long a finished task is kept before TTL deletes it. */
  readonly resultTtlSeconds: number;
  /** The namespace the store reads and writes (every key holds it); absent: `default`. */
  readonly namespace?: string;
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
  /** Replaces the history instead of appending to it (retry by id trims it). */
  readonly history?: readonly TaskTransition[];
}

/** The listing's reads per page are bounded: a filter that matches little returns a short page and a cursor. */
const maxQueryRoundsPerPage = 24;

/** Where a listing goes on: the bucket, and per shard the sort key to continue below (0: from the newest, null: done). */
interface ListPosition {
  readonly bucket: string;
  readonly starts: readonly (string | null | 0)[];
}

/** The cursor names, per shard, the id of the last row returned: its sort key follows from it. */
function encodeCursor(position: ListPosition): string {
  const ids = position.starts.map((start) =>
    typeof start === "string" ? start.slice(start.indexOf("#") + 1) : start,
  );
  return Buffer.from(JSON.stringify({ b: position.bucket, s: ids })).toString("base64url");
}

function decodeCursor(text: string, namespace: string): ListPosition {
  try {
    const cursor = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as {
      b?: unknown;
      s?: unknown;
    };
    if (
      typeof cursor.b === "string" &&
      Array.isArray(cursor.s) &&
      cursor.s.length === taskShards &&
      cursor.s.every(
        (start) => start === null || start === 0 || (typeof start === "string" && start.length > 0),
      )
    ) {
      const starts = (cursor.s as (string | null | 0)[]).map((start) =>
        typeof start === "string" ? taskKeyOf(start, namespace).sk : start,
      );
      return { bucket: cursor.b, starts };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursor();
}

/** What an attempt's outcome sets and removes on the record (finishAttempt and recordAttempt alike). */
function outcomeChanges(outcome: AttemptOutcome): { set: Item; remove: string[] } {
  const set: Item = {};
  const remove: string[] = [];
  if (outcome.status === "succeeded") {
    set.resultJson = JSON.stringify(outcome.result);
    if (outcome.resultPayload) set.resultPayload = outcome.resultPayload;
    else remove.push("resultPayload");
    remove.push("error", "nextAttemptAt");
  } else {
    set.error = outcome.error;
    if (outcome.status === "retrying") set.nextAttemptAt = outcome.nextAttemptAt;
    else remove.push("nextAttemptAt");
  }
  return { set, remove };
}

export function createDynamoTaskStore(
  client: DynamoDBDocumentClient,
  options: DynamoTaskStoreOptions,
): TaskStore {
  const { tableName, resultTtlSeconds } = options;
  const namespace = options.namespace ?? defaultNamespace;
  const horizonDays = recordHorizonDays(Math.ceil(resultTtlSeconds / 86_400));
  const expiryEpoch = (now: Date) => Math.floor(now.getTime() / 1000) + resultTtlSeconds;
  const counters = createDynamoTaskCounters(client, tableName);
  const keyOf = (id: string) => taskKeyOf(id, namespace);

  /**
   * What starting an attempt adds to an update (the claim, or a whole attempt
   * recorded at once): the envelope's fields where the record is missing (the
   * submit's write had not landed), and `entries` appended to the history,
   * after the status the submit would have written when the record is new.
   * Returns the condition under which the task may start an attempt: missing,
   * waiting, or running under a lease that ran out by `at`; with
   * `priorAttempts`, only when it has recorded that many attempts.
   */
  function startFromEnvelope(
    builder: ExpressionBuilder,
    envelope: TaskEnvelope,
    at: string,
    entries: readonly TaskTransition[],
    priorAttempts: number | undefined,
  ): string {
    const { attempts: _hint, ...fields } = envelope;
    const base = toItem(
      { ...fields, status: "running", attempts: 0, updatedAt: at, history: [] } as unknown as Task,
      namespace,
    );
    builder.setExpression(
      "history",
      `list_append(if_not_exists(${builder.name("history")}, ${builder.value([
        { status: envelope.runAt ? "scheduled" : "queued", at: envelope.createdAt, note: recordedByWorker },
      ])}), ${builder.value(entries)})`,
    );
    for (const attribute of ["id", "type", "lane", "priority", "inputJson", "maxAttempts", "createdAt"]) {
      builder.setIfMissing(attribute, base[attribute]);
    }
    for (const attribute of optionalEnvelopeFields) {
      if (envelope[attribute] !== undefined) builder.setIfMissing(attribute, envelope[attribute]);
    }
    const status = builder.name("status");
    const runnable = `${builder.isOneOf("status", statusChanges.claim.from)} OR (${status} = ${builder.value("running")} AND ${builder.name("leaseUntil")} < ${builder.value(at)})`;
    if (priorAttempts === undefined) return `attribute_not_exists(pk) OR ${runnable}`;
    const counted = `(${runnable}) AND ${builder.name("attempts")} = ${builder.value(priorAttempts)}`;
    return priorAttempts === 0 ? `attribute_not_exists(pk) OR (${counted})` : counted;
  }

  /**
   * One conditional status change: sets status, updatedAt and a history
   * entry, plus `set`/`remove`; returns the item before and after.
   */
  async function transition(
    spec: TransitionSpec,
  ): Promise<{ ok: true; before: Item; after: Item } | { ok: false; current?: Item }> {
    const at = spec.now.toISOString();
    const builder = new ExpressionBuilder();
    const entry = { status: spec.to, at, ...spec.entry };
    const set: Item = {
      status: spec.to,
      updatedAt: at,
      ...(spec.finishes ? { finishedAt: at, [ttlAttribute]: expiryEpoch(spec.now) } : {}),
      ...spec.set,
    };
    for (const [attribute, value] of Object.entries(set))
      if (attribute !== "status") builder.set(attribute, value);
    if (spec.history) builder.set("history", [...spec.history, entry]);
    else builder.append("history", [entry]);
    for (const attribute of spec.remove ?? []) builder.remove(attribute);
    builder.setLast("status", spec.to);
    const conditions = [`attribute_exists(pk)`, builder.isOneOf("status", spec.from)];
    if (spec.condition) conditions.push(spec.condition(builder));
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(spec.id),
          UpdateExpression: builder.updateExpression(),
          ConditionExpression: conditions.map((condition) => `(${condition})`).join(" AND "),
          ...builder.attributes(),
          ReturnValues: "ALL_OLD",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      const before = Attributes ?? {};
      const history = spec.history ?? (before.history as TaskTransition[]) ?? [];
      const after: Item = { ...before, ...set, history: [...history, entry] };
      for (const attribute of spec.remove ?? []) delete after[attribute];
      return { ok: true, before, after };
    } catch (error) {
      if (isConditionFailure(error)) {
        const current = currentOf(error);
        return current ? { ok: false, current } : { ok: false };
      }
      throw error;
    }
  }

  /**
   * The one conditional write that starts an attempt (the claim, or the
   * deferred claim's write of a whole attempt): the record after it, or the
   * record that refused it.
   */
  async function startAttempt(
    id: string,
    builder: ExpressionBuilder,
    condition: string,
  ): Promise<{ ok: true; task: Task } | { ok: false; current: Task | undefined }> {
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keyOf(id),
          UpdateExpression: builder.updateExpression(),
          ConditionExpression: condition,
          ...builder.attributes(),
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { ok: true, task: toTask(Attributes!) };
    } catch (error) {
      if (isConditionFailure(error)) {
        const current = currentOf(error);
        return { ok: false, current: current ? toTask(current) : undefined };
      }
      throw error;
    }
  }

  async function getItem(id: string): Promise<Item | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: keyOf(id), ConsistentRead: true }),
    );
    return Item;
  }

  /**
   * Tasks of one bucket's shards created in [from, to] (sort keys), oldest
   * first, with a filter on status; at most `limit`.
   */
  async function queryCreatedBetween(
    bucket: string,
    status: TaskStatus,
    from: string,
    to: string,
    limit: number,
    extraFilter?: { expression: string; values: Record<string, unknown> },
  ): Promise<Item[]> {
    const perShard = await Promise.all(
      Array.from({ length: taskShards }, async (_, shard) => {
        const items: Item[] = [];
        let exclusiveStartKey: Item | undefined;
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
              FilterExpression: `#status = :status${extraFilter ? ` AND ${extraFilter.expression}` : ""}`,
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: {
                ":pk": taskPartition(namespace, bucket, shard),
                ":from": from,
                ":to": to,
                ":status": status,
                ...extraFilter?.values,
              },
              Limit: Math.min(1_000, Math.max(limit, 25)),
              ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
            }),
          );
          items.push(...(page.Items ?? []));
          exclusiveStartKey = page.LastEvaluatedKey;
        } while (exclusiveStartKey && items.length < limit);
        return items;
      }),
    );
    return perShard
      .flat()
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)))
      .slice(0, limit);
  }

  /** Tasks in `status` created in [from, to], oldest first, at most `limit`. */
  async function findCreatedBetween(
    status: TaskStatus,
    from: Date,
    to: Date,
    limit: number,
    extraFilter?: { expression: string; values: Record<string, unknown> },
  ): Promise<Item[]> {
    const found: Item[] = [];
    for (const bucket of bucketsBetween(from, to)) {
      if (found.length >= limit) break;
      found.push(
        ...(await queryCreatedBetween(
          bucket,
          status,
          from.toISOString(),
          // Sort keys are `<time>#<id>`: "~" sorts after "#", so the bound takes in every id at `to`.
          `${to.toISOString()}~`,
          limit - found.length,
          extraFilter,
        )),
      );
    }
    return found;
  }

  function listFilter(filter: TaskListFilter, builder: ExpressionBuilder): string | undefined {
    const filters: string[] = [];
    if (filter.status) filters.push(`${builder.name("status")} = ${builder.value(filter.status)}`);
    if (filter.type) filters.push(`${builder.name("type")} = ${builder.value(filter.type)}`);
    if (filter.tag) {
      filters.push(
        `${builder.name("tags")}.${builder.name(filter.tag.key)} = ${builder.value(filter.tag.value)}`,
      );
    }
    return filters.length > 0 ? filters.join(" AND ") : undefined;
  }

  return {
    async create(task) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(task, namespace),
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        return { created: true };
      } catch (error) {
        if (isConditionFailure(error)) return { created: false, existingTaskId: task.id, requestHash: "" };
        throw error;
      }
    },

    async reserveIdempotencyKey(claim: IdempotencyClaim, taskId: string, now: Date): Promise<CreateResult> {
      const nowEpoch = Math.floor(now.getTime() / 1000);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...idempotencyKeyOf(claim.scope, claim.key, namespace),
              taskId,
              requestHash: claim.requestHash,
              [ttlAttribute]: nowEpoch + claim.ttlSeconds,
            },
            // An expired key whose item TTL has not removed yet counts as free.
            ConditionExpression: "attribute_not_exists(pk) OR #expiry < :now",
            ExpressionAttributeNames: { "#expiry": ttlAttribute },
            ExpressionAttributeValues: { ":now": nowEpoch },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { created: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = currentOf(error);
        return {
          created: false,
          existingTaskId: String(existing?.taskId ?? ""),
          requestHash: String(existing?.requestHash ?? ""),
        };
      }
    },

    async releaseIdempotency(scope, key) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: idempotencyKeyOf(scope, key, namespace),
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

    async claim(envelope, now, leaseUntil, priorAttempts): Promise<ClaimResult> {
      const at = now.toISOString();
      const builder = new ExpressionBuilder();
      builder
        .setLast("status", "running")
        .setExpression(
          "attempts",
          `if_not_exists(${builder.name("attempts")}, ${builder.value(0)}) + ${builder.value(1)}`,
        )
        .set("startedAt", at)
        .set("updatedAt", at)
        .set("leaseUntil", leaseUntil.toISOString())
        .remove("nextAttemptAt")
        .remove("progress");
      const condition = startFromEnvelope(builder, envelope, at, [{ status: "running", at }], priorAttempts);
      const started = await startAttempt(envelope.id, builder, condition);
      return started.ok
        ? { claimed: true, task: started.task }
        : { claimed: false, current: started.current };
    },

    async recordAttempt(envelope, priorAttempts, startedAt, outcome, now): Promise<RecordAttemptResult> {
      const at = now.toISOString();
      const attempt = priorAttempts + 1;
      const { status } = outcome;
      const builder = new ExpressionBuilder();
      builder
        .setLast("status", status)
        .set("attempts", attempt)
        .set("startedAt", startedAt.toISOString())
        .set("updatedAt", at)
        .remove("leaseUntil")
        .remove("progress");
      if (status !== "retrying") builder.set("finishedAt", at).set(ttlAttribute, expiryEpoch(now));
      for (const [attribute, value] of Object.entries(outcomeChanges(outcome).set))
        builder.set(attribute, value);
      for (const attribute of outcomeChanges(outcome).remove) builder.remove(attribute);
      const entries: TaskTransition[] = [
        { status: "running", at: startedAt.toISOString() },
        { status, at, attempt, ...(status === "succeeded" ? {} : { error: outcome.error }) },
      ];
      // The same from-states as the claim's (task.ts checks them against the transition table).
      if (!statusChanges.recordAttempt.to.includes(status)) throw new Error(`no attempt ends ${status}`);
      const condition = startFromEnvelope(builder, envelope, at, entries, priorAttempts);
      const started = await startAttempt(envelope.id, builder, condition);
      return started.ok
        ? { recorded: true, task: started.task }
        : { recorded: false, current: started.current };
    },

    async finishAttempt(id, attempt, outcome: AttemptOutcome, now) {
      const { status } = outcome;
      const { set, remove } = outcomeChanges(outcome);
      const result = await transition({
        id,
        from: statusChanges.finishAttempt.from,
        to: status,
        now,
        set,
        remove: ["leaseUntil", ...remove],
        finishes: status !== "retrying",
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
      const error = expiredError;
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
              Key: keyOf(id),
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

    async requeue(id, now, options) {
      // Retry by id may repeat without end: keep the newest history entries and count what is dropped.
      const current = await getItem(id);
      if (!current) return {};
      // The workflow reference is written once with the task, so this read decides it.
      if (options?.outsideWorkflows && current.workflow !== undefined) return { current: toTask(current) };
      const history = (current.history as TaskTransition[] | undefined) ?? [];
      const keep = history.slice(-(historyLimit - 1));
      const dropped = history.length - keep.length;
      const result = await transition({
        id,
        from: statusChanges.requeue.from,
        to: "queued",
        now,
        set: {
          attempts: 0,
          ...(dropped > 0 ? { historyDropped: ((current.historyDropped as number) ?? 0) + dropped } : {}),
        },
        history: keep,
        // The history read above must still be the record's, or entries would be lost.
        condition: (builder) => `size(${builder.name("history")}) = ${builder.value(history.length)}`,
        remove: [
          "finishedAt",
          ttlAttribute,
          "error",
          "resultJson",
          "resultPayload",
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
            Key: keyOf(id),
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
          Key: keyOf(id),
          ProjectionExpression: "#cancel, #status",
          ExpressionAttributeNames: { "#cancel": "cancelRequestedAt", "#status": "status" },
        }),
      );
      return typeof Item?.cancelRequestedAt === "string" || Item?.status === "cancelled";
    },

    /**
     * Newest first across the shards of each month bucket, month by month back
     * to the records' horizon. Filters (status, type, tag) are applied as the
     * shards are read: each costs the reads of the records it skips, bounded
     * per page by `maxQueryRoundsPerPage` rounds of one Query per shard (a page
     * may then come back short, with a cursor to go on).
     */
    async list(filter, limit, cursorText): Promise<TaskPage> {
      const buckets = bucketsNewestFirst(new Date(), horizonDays);
      const cursor = cursorText ? decodeCursor(cursorText, namespace) : undefined;
      const cursorBucket = cursor ? buckets.indexOf(cursor.bucket) : 0;
      // A bucket that fell past the horizon since the cursor was made has nothing left to show.
      let bucketIndex = cursorBucket < 0 ? buckets.length : cursorBucket;
      // Per shard: 0 = start at the newest, string = continue below that sort key, null = done.
      let starts: (string | null | 0)[] = cursor ? [...cursor.starts] : Array(taskShards).fill(0);
      const items: Item[] = [];
      for (let round = 0; round < maxQueryRoundsPerPage && bucketIndex < buckets.length; round++) {
        if (items.length >= limit) break;
        const bucket = buckets[bucketIndex]!;
        const wanted = limit - items.length;
        const results = await Promise.all(
          starts.map(async (start, shard) => {
            if (start === null) return { matches: [] as Item[], last: null as string | null };
            const builder = new ExpressionBuilder();
            const pk = taskPartition(namespace, bucket, shard);
            const keyCondition =
              start === 0
                ? `${builder.name("pk")} = ${builder.value(pk)}`
                : `${builder.name("pk")} = ${builder.value(pk)} AND ${builder.name("sk")} < ${builder.value(start)}`;
            const filterExpression = listFilter(filter, builder);
            const page = await client.send(
              new QueryCommand({
                TableName: tableName,
                KeyConditionExpression: keyCondition,
                ...(filterExpression ? { FilterExpression: filterExpression } : {}),
                ...builder.attributes(),
                ScanIndexForward: false,
                // Without a filter each read item is a match; with one, read further per round.
                Limit: filterExpression ? Math.max(wanted, 100) : wanted,
              }),
            );
            const last = page.LastEvaluatedKey ? String(page.LastEvaluatedKey.sk) : null;
            return { matches: page.Items ?? [], last };
          }),
        );
        // A match is safe to return when no shard that still has unread items could hold a newer one.
        const frontier = results.reduce<string | undefined>(
          (highest, result) =>
            result.last !== null && (highest === undefined || result.last > highest) ? result.last : highest,
          undefined,
        );
        const safe = results
          .flatMap((result, shard) => result.matches.map((item) => ({ item, shard })))
          .filter(({ item }) => frontier === undefined || String(item.sk) > frontier)
          .sort((a, b) => (String(a.item.sk) < String(b.item.sk) ? 1 : -1))
          .slice(0, wanted);
        items.push(...safe.map(({ item }) => item));
        // The oldest row returned so far: every shard's rows above it have been read and either returned or filtered out.
        const passed = items.length > 0 ? String(items.at(-1)!.sk) : undefined;
        starts = starts.map((start, shard) => {
          if (start === null) return null;
          const taken = safe.filter((entry) => entry.shard === shard);
          const result = results[shard]!;
          const untaken = result.matches.length - taken.length;
          if (untaken > 0) {
            if (taken.length > 0) return String(taken.at(-1)!.item.sk);
            // Its matches are all older than `passed`: go on below it, so tasks added meanwhile stay out.
            return passed !== undefined && (start === 0 || start > passed) ? passed : start;
          }
          if (result.last === null) return null;
          // Everything matched above the frontier was taken; read on from the shard's frontier or its last key.
          return result.last;
        });
        if (starts.every((start) => start === null)) {
          bucketIndex += 1;
          starts = Array(taskShards).fill(0);
        }
      }
      const more = bucketIndex < buckets.length;
      return {
        items: items.map(toTask),
        nextCursor: more ? encodeCursor({ bucket: buckets[bucketIndex]!, starts }) : null,
      };
    },

    counts: () => counters.counts(namespace),

    namespaces: () => counters.namespaces(),

    activity: (now, minutes) => counters.activity(now, minutes, namespace),

    async findSubmittedBetween(status, createdAfter, createdBefore, limit) {
      const items = await findCreatedBetween(status, createdAfter, createdBefore, limit);
      return items.map(
        (item): StoredTask => ({
          task: toTask(item),
          ...(typeof item.leaseUntil === "string" ? { leaseUntil: item.leaseUntil } : {}),
        }),
      );
    },

    async findExpired(now, limit) {
      // Expiry is set at finish, which is after creation: an expired record was created a whole TTL ago.
      // Only the window TTL may not have reached yet (it lags up to 48 h) is read: older ones are TTL's.
      const createdBefore = new Date(now.getTime() - resultTtlSeconds * 1000);
      const createdAfter = new Date(createdBefore.getTime() - 2 * 86_400_000);
      const nowEpoch = Math.floor(now.getTime() / 1000);
      const found: Item[] = [];
      for (const status of terminalStatuses) {
        if (found.length >= limit) break;
        found.push(
          ...(await findCreatedBetween(status, createdAfter, createdBefore, limit - found.length, {
            expression: `${ttlAttribute} < :nowEpoch`,
            values: { ":nowEpoch": nowEpoch },
          })),
        );
      }
      return found.sort((a, b) => String(a.sk).localeCompare(String(b.sk))).map((item) => item.id as string);
    },

    async deleteExpired(id, now) {
      try {
        await client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keyOf(id),
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
  };
}
