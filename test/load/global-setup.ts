/**
 * Load tier (`npm run test:load`): its own local runtime, as deployed: the
 * stack's cache settings (API keys re-read every 60 s, rate limits every 5 s,
 * 15-minute SQS delays, the template's visibility timeouts and stream batching
 * window) and no fault-injecting proxy, since no load test injects faults.
 * Only the per-key throttle is raised: one test key sends the whole load
 * (100/s by default), above the stack's 50/s per key. Function logs go to
 * .local/load-functions.log.
 */
import type { TestProject } from "vitest/node";
import { startLocalRuntime } from "../../local/runtime.ts";
import { functionLogFile, provideRuntime } from "../integration/global-setup.ts";

export default async function setup(project: TestProject) {
  const logs = functionLogFile("load-functions.log");
  const runtime = await startLocalRuntime({
    port: 0,
    functionEnvironment: { API_KEY_RATE_PER_SECOND: "10000", API_KEY_BURST: "20000" },
    logSink: logs.sink,
  });
  provideRuntime(project, runtime, 1, logs.path);
  return async () => {
    await runtime.stop();
    await logs.close();
  };
}
