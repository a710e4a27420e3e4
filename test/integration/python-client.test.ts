/**
 * Integration tier: the Python client (clients/python, standard library
 * only) runs its own test suite, `python3 -m unittest`, against the API
 * under test: Celery's send_task / AsyncResult calls, the original's
 * apply_async example among them, its retries on 429/503, and Celery's
 * canvas over the workflow routes (tests/test_workflows_api.py: a chain of 3,
 * a group of 50 and a chord of 100 echo tasks; it fails, never skips, when the
 * routes are missing).
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { expect, it } from "vitest";
import { projectRoot } from "../../local/synthesize.ts";
import { target } from "./api-client.ts";

const clientDir = path.join(projectRoot, "clients", "python");

it("the Python client's unittest suite passes against the API", async () => {
  const run = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      "python3",
      ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."],
      {
        cwd: clientDir,
        env: {
          PATH: process.env.PATH,
          CLAW_TASKS_API_URL: target.url,
          CLAW_TASKS_API_KEY: target.apiKey,
          PYTHONDONTWRITEBYTECODE: "1",
        },
        // The chord of 100 and the group of 50 take their time on a busy machine.
        timeout: 360_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
    );
  });
  expect(run.code, run.output).toBe(0);
  expect(run.output).toMatch(
    /test_the_original_apply_async_call_runs_and_get_returns_the_reply .* \.\.\. ok/,
  );
  expect(run.output).toMatch(/test_a_wrong_queue_names_the_right_lane .* \.\.\. ok/);
  for (const shape of [
    "test_a_chain_of_three_echo_tasks",
    "test_a_group_of_fifty",
    "test_a_chord_of_a_hundred_whose_body_gets_the_header_values_in_order",
  ]) {
    expect(run.output).toMatch(new RegExp(`${shape} .* \\.\\.\\. ok`));
  }
  expect(run.output).not.toMatch(/skipped/);
  const ran = Number(/^Ran (\d+) tests?/m.exec(run.output)?.[1]);
  expect(ran).toBeGreaterThanOrEqual(40);
}, 380_000);
