/**
 * Integration tier, local only: the TaskStore contract
 * (test/support/task-store-contract.ts) on the DynamoDB store, against the
 * local runtime's DynamoDB Local. Each case gets its own empty copy of the
 * stack's task table (task-table-copy.ts), so counts start from zero and no
 * worker or schedule touches the records. The same cases run in memory in
 * test/unit/task-store.test.ts.
 */
import { afterAll } from "vitest";
import { createDynamoTaskStore } from "../../functions/adapters/dynamodb-task-store.ts";
import { contractResultTtlSeconds, describeTaskStoreContract } from "../support/task-store-contract.ts";
import { copyTaskTable, type TaskTableCopy } from "./task-table-copy.ts";

const copies: TaskTableCopy[] = [];
afterAll(async () => {
  await Promise.all(copies.map((copy) => copy.drop()));
});

describeTaskStoreContract("DynamoDB Local", async () => {
  const copy = await copyTaskTable();
  copies.push(copy);
  const storeIn = (namespace?: string) =>
    createDynamoTaskStore(copy.client, {
      tableName: copy.tableName,
      resultTtlSeconds: contractResultTtlSeconds,
      ...(namespace ? { namespace } : {}),
    });
  return {
    store: storeIn(),
    inNamespace: storeIn,
    // Counters may move to an aggregator off the hot path: allow them a few seconds.
    countsLagMs: 10_000,
  };
});
