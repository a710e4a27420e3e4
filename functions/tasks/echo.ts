/**
 * `echo`: the diagnostic task used by smoke tests and benchmarks.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { permanentFailure, TaskFailure } from "../core/task-failure.ts";
import type { TaskHandler } from "../core/task-handler.ts";

export const echo: TaskHandler<"echo"> = async (input, context) => {
  const steps = Math.max(1, input.progressSteps);
  for (let step = 1; step <= steps && input.sleepMs > 0; step++) {
    // ignoreAbort stands for a task that does not honour its AbortSignal (the hard limit still ends it).
    await sleep(input.sleepMs / steps, undefined, input.ignoreAbort ? {} : { signal: context.signal });
    if (input.progressSteps > 0) {
      await context.reportProgress({
        percent: Math.round((step / steps) * 100),
        message: `step ${step} of ${steps}`,
      });
    }
  }
  // Stands for a worker killed mid-task (out of memory, a runtime crash): the process ends, nothing is recorded.
  if (context.attempt <= input.crashTimes) process.exit(1);
  if (input.fail === "permanent")
    throw permanentFailure("echo_failure", "failed on request (fail: permanent)");
  if (context.attempt <= input.failTimes) {
    throw new TaskFailure(
      "echo_failure",
      `failed on request (attempt ${context.attempt} of failTimes ${input.failTimes})`,
      { retryable: true },
    );
  }
  return input.value ?? null;
};
