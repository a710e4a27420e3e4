/**
 * Integration tier: the Python example of the docs (standard library only)
 * runs against the API under test (any endpoint): it submits generate_ai_response, waits,
 * and prints the result of the task, which succeeds, exiting 0.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { expect, it } from "vitest";
import { ClawTasksClient } from "../../clients/typescript/src/index.ts";
import { projectRoot } from "../../local/synthesize.ts";
import { target } from "./api-client.ts";

const example = path.join(projectRoot, "docs", "examples", "generate_ai_response.py");

it("the Python example submits generate_ai_response, waits for it and reports its outcome", async () => {
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "python3",
      [example, "What is claw-tasks?"],
      {
        env: { PATH: process.env.PATH, CLAW_TASKS_API_URL: target.url, CLAW_TASKS_API_KEY: target.apiKey },
        timeout: 50_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
  const id = /^submitted (\S+)$/m.exec(run.stderr)?.[1];
  expect(id, run.stderr).toBeDefined();
  const task = await new ClawTasksClient({ url: target.url, apiKey: target.apiKey }).get(id!);
  expect(task).toMatchObject({ type: "generate_ai_response", priority: "high" });
  expect(task.input).toMatchObject({ userMessage: "What is claw-tasks?" });
  // The example waited for the end: the task succeeded and the example printed its result.
  expect(task.status, JSON.stringify(task.error)).toBe("succeeded");
  expect(run.code, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual(task.result);
});
