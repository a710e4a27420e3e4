/**
 * Integration tier, local (`npm test`): starts the local runtime once per
 * test run (emulators, provisioning from the synthesized template,
 * functions, pollers, gateway) and hands the tests its URL and key, and its
 * insides for the `*.local.test.ts` files. Function logs go to
 * .local/integration-functions.log.
 */
import { createWriteStream, mkdirSync } from "node:fs";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import { buildClientBundles } from "../../clients/typescript/build.ts";
import type { LogSink } from "../../local/function-host.ts";
import { type LocalRuntime, startLocalRuntime } from "../../local/runtime.ts";
import { projectRoot } from "../../local/synthesize.ts";
import "./target.ts";

/**
 * Shorter waits than in AWS, so the long paths run in seconds: a delay
 * longer than 2 s (not 15 min) goes through a one-time schedule instead of
 * an SQS delay and rate-limited deliveries wait at most 2 s at a time,
 * running tasks look for cancel requests every 200 ms, workers re-read
 * rate-limit changes every 200 ms instead of 5 s, API instances re-read keys
 * every 100 ms instead of 60 s (so revocation tests are quick), and a crashed
 * attempt's lease ends 1 s after its hard limit instead of 30 s.
 */
export const testFunctionEnvironment = {
  MAX_SQS_DELAY_SECONDS: "2",
  CANCEL_POLL_MS: "200",
  RATE_LIMIT_REFRESH_MS: "200",
  API_KEY_CACHE_MS: "100",
  LEASE_MARGIN_SECONDS: "1",
  // The suites (fuzz, load) send far more than a client would with the shared test key; throttling has its own test.
  API_KEY_RATE_PER_SECOND: "10000",
  API_KEY_BURST: "20000",
};

/** Queue visibility in tests: a crashed delivery comes back after 20 s instead of 6x the function timeout. */
export const testVisibilityTimeoutSeconds = 20;

/**
 * The scheduler's clock runs 60x faster for cron and rate schedules: a
 * rate(1 minute) schedule fires every second. One-time at() schedules (a
 * delayed task's delivery) fire on the real clock (local/scheduler-service.ts).
 */
const schedulerTimeScale = 60;

/**
 * Function logs to `.local/<name>`, raw, through a write stream: a synchronous
 * append per line would stall the runtime's main thread (gateway, pollers, fauxqs).
 */
export function functionLogFile(name: string): { path: string; sink: LogSink; close(): Promise<void> } {
  const logFile = path.join(projectRoot, ".local", name);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const stream = createWriteStream(logFile);
  return {
    path: logFile,
    sink: (functionName, line) => void stream.write(`[${functionName}] ${line}\n`),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

/** Hands the tests the runtime's URL and key, and its insides for the `*.local.test.ts` files. */
export function provideRuntime(
  project: TestProject,
  runtime: LocalRuntime,
  schedulerTimeScale: number,
  functionLog: string,
): void {
  const { url, apiKey, region, endpoints, credentials, queues, faultProxies, outputs, apiKeyTableName, iam } =
    runtime;
  project.provide("clawTasks", {
    kind: "local",
    url,
    apiKey,
    patience: 1,
    local: {
      region,
      endpoints,
      credentials,
      queues,
      faultProxies,
      outputs,
      apiKeyTableName,
      schedulerTimeScale,
      iam,
      functionLog,
      // The runtime runs in this process (vitest's main one); its emulators are children of it.
      pid: process.pid,
    },
  });
}

export default async function setup(project: TestProject) {
  // The claw-tasks bin is built JavaScript (clients/typescript/build.ts); build it from the current source.
  await buildClientBundles();
  const logs = functionLogFile("integration-functions.log");
  const runtime = await startLocalRuntime({
    port: 0,
    functionEnvironment: testFunctionEnvironment,
    faultInjection: true,
    // The notification tests create topics named notify-*; a deployment lists the topics it may publish to.
    // Priority queues as prod has them (dev shares one queue per lane; test:remote against `npm start` covers that).
    stageOverrides: { notificationTopicArns: ["arn:aws:sns:*:*:notify-*"], priorityQueues: true },
    visibilityTimeoutSeconds: testVisibilityTimeoutSeconds,
    // Counts follow the records within about half a second instead of the stack's 5 s batching window.
    streamBatchingWindowMs: 500,
    schedulerTimeScale,
    // A quiet runtime: the stack's health check (every 5 s at this time scale) and cleanup would run in the
    // `default` lane the tests count; the housekeeping tests submit those tasks themselves.
    stackSchedulesEnabled: false,
    logSink: logs.sink,
  });
  provideRuntime(project, runtime, schedulerTimeScale, logs.path);
  return async () => {
    await runtime.stop();
    await logs.close();
  };
}
