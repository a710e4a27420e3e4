/**
 * WorkflowStore on DynamoDB, in the task table beside the tasks
 * (task-item-layout.ts has the keys):
 *
 * - `workflow#<ns>#<id>` / `meta`: what was asked (JSON), written once;
 * - `workflow#<ns>#<id>` / `state`: status, the settled and created node
 *   sets, the waiting count per waiting node, counts per outcome. Every
 *   node's end is one conditional UpdateItem of this small item;
 * - `workflow#<ns>#<id>` / `node#<index>`: each node (JSON), written once;
 * - `workflows#<ns>#<yyyy-mm>` / `<created>#<id>`: the listing, written once.
 *
 * A node's task is written in one transaction with the state (the node is
 * added to `created` only while the workflow runs and the node is not
 * settled), so no node starts after its workflow ended.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { InvalidCursor } from "../core/ports.ts";
import type { Task } from "../core/task.ts";
import { nodeTaskId, type WorkflowError } from "../core/workflow.ts";
import type {
  NodeStart,
  StoredNode,
  WorkflowMeta,
  WorkflowPage,
  WorkflowState,
  WorkflowStore,
} from "../core/workflow-ports.ts";
import {
  bucketsNewestFirst,
  defaultNamespace,
  type Item,
  monthOf,
  recordHorizonDays,
  taskKeyOf,
  toItem,
  toTask,
  ttlAttribute,
  workflowKeys,
} from "./task-item-layout.ts";

export interface DynamoWorkflowStoreOptions {
  readonly tableName: string;
  /** How long an ended workflow is kept (as a finished task's result). */
  readonly resultTtlSeconds: number;
  readonly namespace?: string;
}

const batchGetLimit = 100;
/** Meta and node items a store keeps in memory (they never change), oldest out first. */
const rememberedItems = 20_000;
/** Item writes of a new workflow in flight at once. */
const parallelPuts = 25;

function stateOf(item: Item): WorkflowState {
  const numbers = (value: unknown) => new Set<number>(value instanceof Set ? [...value].map(Number) : []);
  return {
    id: item.id as string,
    status: item.status as WorkflowState["status"],
    nodeCount: Number(item.nodeCount),
    settled: numbers(item.settled),
    created: numbers(item.created),
    waiting: Object.fromEntries(
      Object.entries((item.waiting as Record<string, number> | undefined) ?? {}).map(([key, value]) => [
        Number(key),
        Number(value),
      ]),
    ),
    counts: (item.counts as WorkflowState["counts"] | undefined) ?? {},
    failures: Number(item.failures ?? 0),
    ...(item.firstFailure ? { firstFailure: item.firstFailure as WorkflowError } : {}),
    ...(item.error ? { error: item.error as WorkflowError } : {}),
    ...(item.cascaded ? { cascaded: true } : {}),
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    ...(item.finishedAt ? { finishedAt: item.finishedAt as string } : {}),
  };
}

export function createDynamoWorkflowStore(
  client: DynamoDBDocumentClient,
  options: DynamoWorkflowStoreOptions,
): WorkflowStore {
  const { tableName, resultTtlSeconds } = options;
  const namespace = options.namespace ?? defaultNamespace;
  const keys = workflowKeys(namespace);
  const horizonDays = recordHorizonDays(Math.ceil(resultTtlSeconds / 86_400));

  async function getItem(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  // Meta and nodes are written once and never change: a warm function reads each once.
  const written = new Map<string, WorkflowMeta | StoredNode>();
  function remember<T extends WorkflowMeta | StoredNode>(key: string, value: T): T {
    if (written.size >= rememberedItems) written.delete(written.keys().next().value!);
    written.set(key, value);
    return value;
  }

  async function readMeta(id: string): Promise<WorkflowMeta | undefined> {
    const known = written.get(`meta ${id}`);
    if (known) return known as WorkflowMeta;
    const item = await getItem(keys.meta(id));
    if (!item) return undefined;
    return remember(`meta ${id}`, JSON.parse(item.metaJson as string) as WorkflowMeta);
  }

  async function readState(id: string): Promise<WorkflowState | undefined> {
    const item = await getItem(keys.state(id));
    return item ? stateOf(item) : undefined;
  }

  return {
    async create(meta, nodes, waiting) {
      const created = new Date(meta.createdAt);
      // Meta, nodes and listing entry outlive the longest a workflow may take, then go by TTL.
      const expires = Math.floor(created.getTime() / 1000) + horizonDays * 86_400;
      const items: Item[] = [
        {
          ...keys.state(meta.id),
          id: meta.id,
          status: "running",
          nodeCount: meta.nodeCount,
          waiting: Object.fromEntries(Object.entries(waiting).map(([key, value]) => [String(key), value])),
          counts: {},
          failures: 0,
          createdAt: meta.createdAt,
          updatedAt: meta.createdAt,
          [ttlAttribute]: expires,
        },
        { ...keys.meta(meta.id), metaJson: JSON.stringify(meta), [ttlAttribute]: expires },
        { ...keys.listing(meta.id, meta.createdAt, monthOf(created)), id: meta.id, [ttlAttribute]: expires },
        ...nodes.map((node) => ({
          ...keys.node(meta.id, node.index),
          nodeJson: JSON.stringify(node),
          [ttlAttribute]: expires,
        })),
      ];
      // PutItem each, not BatchWriteItem: that permission would let the API delete items too.
      for (let start = 0; start < items.length; start += parallelPuts) {
        await Promise.all(
          items
            .slice(start, start + parallelPuts)
            .map((item) => client.send(new PutCommand({ TableName: tableName, Item: item }))),
        );
      }
    },

    meta: readMeta,

    state: readState,

    async nodes(id, fromIndex, limit) {
      const nodes: StoredNode[] = [];
      let exclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const { Items, LastEvaluatedKey } = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues: {
              ":pk": keys.node(id, 0).pk,
              ":from": keys.node(id, fromIndex).sk,
              ":to": keys.node(id, 99_999).sk,
            },
            Limit: limit - nodes.length,
            ConsistentRead: true,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        for (const item of Items ?? []) nodes.push(JSON.parse(item.nodeJson as string) as StoredNode);
        exclusiveStartKey = LastEvaluatedKey;
      } while (exclusiveStartKey && nodes.length < limit);
      return nodes;
    },

    async node(id, index) {
      const known = written.get(`node ${id} ${index}`);
      if (known) return known as StoredNode;
      const item = await getItem(keys.node(id, index));
      if (!item) return undefined;
      return remember(`node ${id} ${index}`, JSON.parse(item.nodeJson as string) as StoredNode);
    },

    async nodeTasks(id, nodeIds) {
      const tasks = new Map<string, Task>();
      for (let start = 0; start < nodeIds.length; start += batchGetLimit) {
        let pending = nodeIds
          .slice(start, start + batchGetLimit)
          .map((nodeId) => taskKeyOf(nodeTaskId(id, nodeId), namespace));
        for (let round = 0; pending.length > 0; round++) {
          if (round === 8) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
          const { Responses, UnprocessedKeys } = await client.send(
            new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
          );
          for (const item of Responses?.[tableName] ?? []) {
            const task = toTask(item);
            if (task.workflow) tasks.set(task.workflow.node, task);
          }
          pending = (UnprocessedKeys?.[tableName]?.Keys ?? []) as typeof pending;
        }
      }
      return tasks;
    },

    async settle(id, node, outcome, failure, now) {
      const names: Record<string, string> = {
        "#settled": "settled",
        "#counts": "counts",
        "#outcome": outcome,
        "#updatedAt": "updatedAt",
      };
      const values: Record<string, unknown> = {
        ":index": node.index,
        ":indexSet": new Set([node.index]),
        ":zero": 0,
        ":one": 1,
        ":now": now.toISOString(),
      };
      const sets = ["#counts.#outcome = if_not_exists(#counts.#outcome, :zero) + :one", "#updatedAt = :now"];
      const adds = ["#settled :indexSet"];
      if (node.next.length > 0) names["#waiting"] = "waiting";
      node.next.forEach((next, position) => {
        names[`#w${position}`] = String(next);
        sets.push(`#waiting.#w${position} = #waiting.#w${position} - :one`);
      });
      if (failure) {
        adds.push("#failures :one");
        sets.push("#firstFailure = if_not_exists(#firstFailure, :failure)");
        names["#failures"] = "failures";
        names["#firstFailure"] = "firstFailure";
        values[":failure"] = failure;
      }
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.state(id),
            UpdateExpression: `SET ${sets.join(", ")} ADD ${adds.join(", ")}`,
            ConditionExpression: "attribute_exists(pk) AND NOT contains(#settled, :index)",
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { applied: true, state: stateOf(Attributes!) };
      } catch (error) {
        const current =
          (error as { name?: string }).name === "ConditionalCheckFailedException"
            ? (error as { Item?: Record<string, never> }).Item
            : undefined;
        if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
        const state = current ? stateOf(unmarshall(current)) : await readState(id);
        if (!state) throw new Error(`workflow ${id} has no state`);
        return { applied: false, state };
      }
    },

    async startNode(id, index, task): Promise<NodeStart> {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: keys.state(id),
                  UpdateExpression: "ADD #created :indexSet",
                  ConditionExpression: "#status = :running AND NOT contains(#settled, :index)",
                  ExpressionAttributeNames: {
                    "#created": "created",
                    "#status": "status",
                    "#settled": "settled",
                  },
                  ExpressionAttributeValues: {
                    ":indexSet": new Set([index]),
                    ":index": index,
                    ":running": "running",
                  },
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: toItem(task, namespace),
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
          }),
        );
        return { outcome: "created" };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [stateReason, taskReason] = error.CancellationReasons ?? [];
        if (taskReason?.Code === "ConditionalCheckFailed") {
          const existing = await getItem(taskKeyOf(task.id, namespace));
          if (existing) return { outcome: "exists", task: toTask(existing) };
        }
        if (stateReason?.Code === "ConditionalCheckFailed") return { outcome: "stopped" };
        throw error;
      }
    },

    async end(id, status, now, error) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.state(id),
            // Status last: moto applies actions one by one while serving reads (ExpressionBuilder.setLast).
            UpdateExpression: `SET finishedAt = :now, updatedAt = :now, #ttl = :ttl${error ? ", #error = :error" : ""}, #status = :status`,
            ConditionExpression: "#status = :running",
            ExpressionAttributeNames: {
              "#status": "status",
              "#ttl": ttlAttribute,
              ...(error ? { "#error": "error" } : {}),
            },
            ExpressionAttributeValues: {
              ":status": status,
              ":now": now.toISOString(),
              ":running": "running",
              ":ttl": Math.floor(now.getTime() / 1000) + resultTtlSeconds,
              ...(error ? { ":error": error } : {}),
            },
          }),
        );
        return true;
      } catch (failure) {
        if ((failure as { name?: string }).name === "ConditionalCheckFailedException") return false;
        throw failure;
      }
    },

    async restart(id, seen, state, now) {
      const meta = await readMeta(id);
      if (!meta) return false;
      const expires = Math.floor(Date.parse(meta.createdAt) / 1000) + horizonDays * 86_400;
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keys.state(id),
              id,
              status: "running",
              nodeCount: meta.nodeCount,
              // DynamoDB keeps no empty set: an empty one is left out.
              ...(state.settled.size > 0 ? { settled: new Set(state.settled) } : {}),
              ...(state.created.size > 0 ? { created: new Set(state.created) } : {}),
              waiting: Object.fromEntries(
                Object.entries(state.waiting).map(([key, value]) => [String(key), value]),
              ),
              counts: state.counts,
              failures: 0,
              createdAt: meta.createdAt,
              updatedAt: now.toISOString(),
              [ttlAttribute]: expires,
            },
            ConditionExpression: "#status = :status AND updatedAt = :updatedAt",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":status": seen.status, ":updatedAt": seen.updatedAt },
          }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === "ConditionalCheckFailedException") return false;
        throw error;
      }
    },

    async markCascaded(id) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.state(id),
          UpdateExpression: "SET #cascaded = :yes",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#cascaded": "cascaded" },
          ExpressionAttributeValues: { ":yes": true },
        }),
      );
    },

    async list(limit, cursor, since): Promise<WorkflowPage> {
      // Newest first, so the months from `since` on are a prefix: a cursor's bucket index holds either way.
      const firstMonth = since ? monthOf(since) : "";
      const buckets = bucketsNewestFirst(new Date(), horizonDays).filter(
        (bucket) => bucket !== "undated" && bucket >= firstMonth,
      );
      let position: { bucket: number; after?: Record<string, unknown> } = { bucket: 0 };
      if (cursor !== undefined) {
        try {
          position = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
          if (typeof position.bucket !== "number") throw new Error("no bucket");
        } catch {
          throw new InvalidCursor();
        }
      }
      const ids: string[] = [];
      let bucket = position.bucket;
      let after = position.after;
      while (bucket < buckets.length && ids.length < limit) {
        const { Items, LastEvaluatedKey } = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": keys.listing("", "", buckets[bucket]!).pk },
            ScanIndexForward: false,
            Limit: limit - ids.length,
            ExclusiveStartKey: after,
          }),
        );
        for (const item of Items ?? []) ids.push(item.id as string);
        if (LastEvaluatedKey) after = LastEvaluatedKey;
        else {
          bucket += 1;
          after = undefined;
        }
      }
      const more = bucket < buckets.length;
      return {
        ids,
        nextCursor: more
          ? Buffer.from(JSON.stringify({ bucket, after }), "utf8").toString("base64url")
          : null,
      };
    },
  };
}
