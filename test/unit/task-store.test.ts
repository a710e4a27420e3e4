/**
 * Unit tier: the TaskStore contract (test/support/task-store-contract.ts) on
 * the in-memory store. The same cases run on DynamoDB Local in
 * test/integration/task-store.local.test.ts.
 */
import { createMemoryTaskStore } from "../support/memory-task-store.ts";
import { contractResultTtlSeconds, describeTaskStoreContract } from "../support/task-store-contract.ts";

describeTaskStoreContract("in memory", async () => {
  const store = createMemoryTaskStore({ resultTtlSeconds: contractResultTtlSeconds });
  return { store, inNamespace: (namespace) => store.inNamespace(namespace), countsLagMs: 0 };
});
