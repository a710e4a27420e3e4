/**
 * Integration tier: the Python client (clients/python, standard library
 * only) runs its own test suite, `python3 -m unittest`, against the API
 * under test: Celery's send_task / AsyncResult calls, the original's
 * apply_async example among them, and its retries on 429/503.
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
        timeout: 120_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
    );
  });
  expect(run.code, run.output).toBe(0);
  expect(run.output).toMatch(
    /test_the_original_apply_async_call_runs_and_get_returns_the_reply .* \.\.\. ok/,
  );
  expect(run.output).toMatch(/test_a_wrong_queue_names_the_right_lane .* \.\.\. ok/);
  expect(run.output).not.toMatch(/skipped/);
  const ran = Number(/^Ran (\d+) tests?/m.exec(run.output)?.[1]);
  expect(ran).toBeGreaterThanOrEqual(10);
}, 150_000);
