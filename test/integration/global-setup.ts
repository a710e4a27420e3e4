/**
 * Integration tier: starts the local runtime once per test run (emulators,
 * provisioning from the synthesized template, functions, pollers, gateway)
 * and hands its URL, key and endpoints to the tests. Function logs go to
 * .local/integration-functions.log.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import { type LocalRuntime, startLocalRuntime } from "../../local/runtime.ts";
import { projectRoot } from "../../local/synthesize.ts";

export interface LocalRuntimeInfo {
  readonly url: string;
  readonly apiKey: string;
  readonly region: string;
  readonly endpoints: LocalRuntime["endpoints"];
  readonly credentials: LocalRuntime["credentials"];
  readonly lanes: LocalRuntime["lanes"];
}

declare module "vitest" {
  export interface ProvidedContext {
    clawTasks: LocalRuntimeInfo;
  }
}

export default async function setup(project: TestProject) {
  const logFile = path.join(projectRoot, ".local", "integration-functions.log");
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, "");
  const runtime = await startLocalRuntime({
    port: 0,
    apiKey: undefined,
    logSink: (name, line) => appendFileSync(logFile, `[${name}] ${line}\n`),
  });
  const { url, apiKey, region, endpoints, credentials, lanes } = runtime;
  project.provide("clawTasks", { url, apiKey, region, endpoints, credentials, lanes });
  return async () => {
    await runtime.stop();
  };
}
