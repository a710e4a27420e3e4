/**
 * Integration tier, remote (`npm run test:remote`): starts nothing. The tests
 * run against CLAW_TASKS_API_URL with CLAW_TASKS_API_KEY: a deployed stack,
 * a LocalStack deployment, or a local runtime started by hand. Fails before
 * any test when either is unset, the URL does not answer health, or the key
 * is refused, so a misconfiguration reads as one clear error.
 */
import type { TestProject } from "vitest/node";
import "./target.ts";

const usage =
  "npm run test:remote needs CLAW_TASKS_API_URL (e.g. the stack's ApiUrl output, or http://127.0.0.1:3000 " +
  "for npm start) and CLAW_TASKS_API_KEY (a key of that deployment: npm run keys -- create --name tests)";

async function probe(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new Error(`test:remote: ${url} did not answer (${(error as Error).message}). ${usage}`);
  }
}

export default async function setup(project: TestProject) {
  const url = process.env.CLAW_TASKS_API_URL?.replace(/\/+$/, "");
  const apiKey = process.env.CLAW_TASKS_API_KEY;
  const missing = [!url && "CLAW_TASKS_API_URL", !apiKey && "CLAW_TASKS_API_KEY"].filter(Boolean);
  if (!url || !apiKey) throw new Error(`test:remote: ${missing.join(" and ")} not set. ${usage}`);

  const health = await probe(`${url}/v1/health`);
  if (health.status !== 200) {
    throw new Error(
      `test:remote: GET ${url}/v1/health answered ${health.status}, not 200; is it claw-tasks?`,
    );
  }
  // A task id that cannot exist: 404 means the key was accepted, 401 that it was not.
  const keyCheck = await probe(`${url}/v1/tasks/00000000-0000-4000-8000-000000000000`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  if (keyCheck.status === 401) throw new Error(`test:remote: ${url} refused CLAW_TASKS_API_KEY (401)`);

  const patience = Number(process.env.CLAW_TASKS_TEST_PATIENCE ?? 4);
  if (!(patience >= 1)) throw new Error("test:remote: CLAW_TASKS_TEST_PATIENCE must be a number >= 1");
  project.provide("clawTasks", { kind: "remote", url, apiKey, patience });
}
