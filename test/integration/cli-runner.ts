/**
 * Runs the `claw-tasks` command line through its real binary: the client
 * package's `bin`, built by the integration setup as `npm ci` builds it (prepare), with
 * plain node and the local runtime's URL and key in the environment.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { projectRoot } from "../../local/synthesize.ts";
import { target } from "./api-client.ts";

const clientPackage = path.join(projectRoot, "clients", "typescript");
const packageJson = JSON.parse(readFileSync(path.join(clientPackage, "package.json"), "utf8")) as {
  bin: Record<string, string>;
};
/** The `claw-tasks` binary of the client package. */
export const cliBin = path.join(clientPackage, packageJson.bin["claw-tasks"]!);
/** A home without a config file, and room for the tests' files. */
export const scratch = mkdtempSync(path.join(tmpdir(), "claw-tasks-cli-"));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `claw-tasks ...args`; `env` replaces the URL/key variables (undefined: unset). */
export function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 50_000,
): Promise<CliRun> {
  const variables: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: scratch,
    CLAW_TASKS_API_URL: target.url,
    CLAW_TASKS_API_KEY: target.apiKey,
    ...env,
  };
  const cleaned = Object.fromEntries(Object.entries(variables).filter(([, value]) => value !== undefined));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliBin, ...args],
      { env: cleaned, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
