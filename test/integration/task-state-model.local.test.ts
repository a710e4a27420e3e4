/**
 * Integration tier, local only: the model-based test of the task state
 * machine (test/support/task-model.ts) on the DynamoDB store, against the
 * local runtime's DynamoDB Local, in an empty copy of the stack's task
 * table (task-table-copy.ts) that no worker touches. Prints its run count
 * and time (at most 100 runs, at most a minute); a failure prints fast-check's seed and
 * paths: replay with MODEL_SEED=<seed> MODEL_PATH=<path>
 * MODEL_REPLAY_PATH=<replayPath>.
 */
import { afterAll, beforeAll, it } from "vitest";
import { createDynamoTaskStore } from "../../functions/adapters/dynamodb-task-store.ts";
import type { TaskStatus } from "../../functions/core/task.ts";
import { checkTaskModel, modelReplayFromEnvironment, tally } from "../support/task-model.ts";
import { expectCounts } from "../support/task-store-contract.ts";
import { copyTaskTable, type TaskTableCopy } from "./task-table-copy.ts";

let table: TaskTableCopy;
beforeAll(async () => {
  table = await copyTaskTable();
});
afterAll(async () => {
  await table.drop();
});

it("keeps every task's state, history, result and counts true to the model over random interleavings", async () => {
  const store = createDynamoTaskStore(table.client, {
    tableName: table.tableName,
    resultTtlSeconds: 7 * 86_400,
  });
  // Every run writes to the one table: its counts are the sum of the runs' tallies.
  const total: Partial<Record<TaskStatus, number>> = {};
  await checkTaskModel(() => store, {
    numRuns: 100,
    // CI cost: on a busy machine 100 runs take longer; the runs done by then are printed and must all pass.
    timeLimitMs: 60_000,
    maxCommands: 40,
    ...modelReplayFromEnvironment(),
    afterRun: async (model) => {
      for (const [status, count] of Object.entries(tally(model))) {
        total[status as TaskStatus] = (total[status as TaskStatus] ?? 0) + count;
      }
    },
  });
  // Counters may be aggregated off the hot path: they may lag a few seconds.
  await expectCounts(store, 15_000, total);
}, 120_000);
