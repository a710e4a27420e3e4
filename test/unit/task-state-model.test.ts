/**
 * Unit tier: the model-based test of the task state machine
 * (test/support/task-model.ts) on the in-memory store, with the use cases
 * (submitTask, runDelivery, retryTask, redriveLane) on their ports. Prints
 * its run count and time; a failure prints fast-check's seed and paths:
 * replay with MODEL_SEED=<seed> MODEL_PATH=<path> MODEL_REPLAY_PATH=<replayPath>.
 * The same model runs on DynamoDB Local in
 * test/integration/task-state-model.local.test.ts.
 */
import { expect, it } from "vitest";
import { createMemoryTaskStore } from "../support/memory-task-store.ts";
import { checkTaskModel, modelReplayFromEnvironment, tally } from "../support/task-model.ts";

it("keeps every task's state, history, result and counts true to the model over random interleavings", async () => {
  const replay = modelReplayFromEnvironment();
  await checkTaskModel(() => createMemoryTaskStore({ resultTtlSeconds: 7 * 86_400 }), {
    numRuns: 500,
    maxCommands: 60,
    ...replay,
    // A fresh store per run: its counts are exactly the model's tally.
    afterRun: async (model, real) => {
      const { byStatus } = await real.store.counts();
      const counted = Object.fromEntries(
        Object.keys(tally(model)).map((status) => [status, byStatus[status as keyof typeof byStatus] ?? 0]),
      );
      expect(counted).toEqual(tally(model));
    },
  });
}, 120_000);
