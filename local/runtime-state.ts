/**
 * What `npm start` tells other commands about the runtime it runs (the key
 * command's `--local`): a small JSON file in .local/, written at start and
 * removed at stop. No secrets: the emulators take any credentials.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { AwsEndpoints } from "./emulators.ts";
import type { LocalRuntime } from "./runtime.ts";
import { projectRoot } from "./synthesize.ts";

export const runtimeStateFile = path.join(projectRoot, ".local", "runtime.json");

export interface RuntimeState {
  readonly pid: number;
  readonly url: string;
  readonly region: string;
  readonly stackName: string;
  readonly apiKeyTableName: string;
  readonly endpoints: AwsEndpoints;
  /** The raw log of every function (`claw-tasks logs` reads it). */
  readonly logFile?: string;
}

export function writeRuntimeState(runtime: LocalRuntime, file = runtimeStateFile, logFile?: string): void {
  const { url, region, stackName, apiKeyTableName, endpoints } = runtime;
  const state: RuntimeState = {
    pid: process.pid,
    url,
    region,
    stackName,
    apiKeyTableName,
    endpoints,
    ...(logFile ? { logFile } : {}),
  };
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

export function removeRuntimeState(file = runtimeStateFile): void {
  rmSync(file, { force: true });
}

/** The running runtime's state; a clear error when none runs. */
export function readRuntimeState(file = runtimeStateFile): RuntimeState {
  const notRunning = new Error(`no local runtime is running (start one with npm start); looked in ${file}`);
  if (!existsSync(file)) throw notRunning;
  const state = JSON.parse(readFileSync(file, "utf8")) as RuntimeState;
  try {
    process.kill(state.pid, 0);
  } catch {
    throw notRunning;
  }
  return state;
}
