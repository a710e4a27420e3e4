/**
 * `echo`: the diagnostic task used by smoke tests and benchmarks.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { permanentFailure, TaskFailure } from "../core/task-failure.ts";
import type { TaskHandler } from "../core/task-handler.ts";

export const echo: TaskHandler<"echo"> = async (input, context) => {
  if (input.sleepMs > 0) await sleep(input.sleepMs, undefined, { signal: context.signal });
  if (input.fail === "permanent")
    throw permanentFailure("echo_failure", "failed on request (fail: permanent)");
  if (context.attempt <= input.failTimes) {
    throw new TaskFailure(
      "echo_failure",
      `failed on request (attempt ${context.attempt} of failTimes ${input.failTimes})`,
      {
        retryable: true,
      },
    );
  }
  return input.value ?? null;
};
