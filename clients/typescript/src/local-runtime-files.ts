/**
 * The files `npm start` leaves in .local/ for other commands (see
 * local/runtime-state.ts and local/main.ts): the runtime's state (URL,
 * region, emulator endpoints) and the functions' raw log. The command line
 * finds them from the current directory upwards, so it works anywhere in
 * the checkout.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** What .local/runtime.json holds that the command line reads. */
export interface LocalRuntimeState {
  readonly url: string;
  readonly region: string;
  readonly endpoints: Readonly<Record<string, string>>;
  readonly logFile?: string;
}

/** `relative` in `from` or the nearest directory above it that has it. */
export function findUp(relative: string, from: string): string | undefined {
  let directory = path.resolve(from);
  while (true) {
    const candidate = path.join(directory, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

export function readLocalRuntimeState(cwd: string): LocalRuntimeState | undefined {
  const file = findUp(path.join(".local", "runtime.json"), cwd);
  return file ? (JSON.parse(readFileSync(file, "utf8")) as LocalRuntimeState) : undefined;
}

/** The local runtime's raw function log: `given` (--file, CLAW_TASKS_LOG_FILE), else .local/functions.log. */
export function localLogFile(given: string | undefined, cwd: string): string {
  if (given) return given;
  const found = readLocalRuntimeState(cwd)?.logFile ?? findUp(path.join(".local", "functions.log"), cwd);
  if (!found) {
    throw new Error(
      "no local log found (.local/functions.log, written by npm start, looked for from here upwards): give --file PATH, or --stage STAGE for a deployed stage",
    );
  }
  return found;
}
