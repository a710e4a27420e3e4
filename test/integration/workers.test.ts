/**
 * Integration tier, any endpoint (local runtime or test:remote): worker
 * management through the API (locally, on the local Lambda control plane). Pausing a lane leaves its tasks queued until it is resumed;
 * a new MaximumConcurrency holds at once (measured: tasks running at the same
 * time never exceed what that many batches can hold).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { ClawTasksClient } from "../../clients/typescript/src/index.ts";
import type { WorkerView } from "../../functions/core/manage-workers.ts";
import type { Task } from "../../functions/core/task.ts";
import { laneNames, lanes } from "../../functions/tasks/lanes.ts";
import { api, submit, target, waitForStatus } from "./api-client.ts";
import { cli } from "./cli-runner.ts";

interface ErrorBody {
  error: { code: string; details?: { issues: { path: string }[] } };
}

const lane = "default";
const defaultConcurrency = lanes[lane].maxConcurrency;

afterAll(async () => {
  await api("PATCH", `/v1/workers/${lane}`, { body: { enabled: true, maxConcurrency: defaultConcurrency } });
});

async function worker(name: string): Promise<WorkerView> {
  const response = await api<{ items: WorkerView[] }>("GET", "/v1/workers");
  const found = response.body.items.find((item) => item.lane === name);
  if (!found) throw new Error(`no worker for lane ${name}`);
  return found;
}

async function waitForWorker(name: string, done: (view: WorkerView) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let view = await worker(name);
  while (!done(view)) {
    if (Date.now() > deadline) throw new Error(`worker ${name} not as expected: ${JSON.stringify(view)}`);
    await sleep(100);
    view = await worker(name);
  }
  return view;
}

async function pause(name: string): Promise<void> {
  const response = await api<WorkerView>("PATCH", `/v1/workers/${name}`, { body: { enabled: false } });
  expect(response.status).toBe(200);
  expect(response.body.enabled).toBe(false);
  // Polls already under way finish first (Lambda's "Disabling"), then nothing is taken.
  await waitForWorker(name, (view) => view.state === "disabled");
}

/** The most tasks running at one moment, from their recorded start and finish times. */
function peakOverlap(tasks: readonly Task[]): number {
  const events = tasks.flatMap((task) => [
    { at: Date.parse(task.startedAt!), change: 1 },
    { at: Date.parse(task.finishedAt!), change: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.change - b.change);
  let running = 0;
  let peak = 0;
  for (const event of events) {
    running += event.change;
    peak = Math.max(peak, running);
  }
  return peak;
}

describe("worker management", () => {
  it("lists every lane's worker with its mapping and queue depths", async () => {
    const response = await api<{ items: WorkerView[]; nextCursor: null }>("GET", "/v1/workers");
    expect(response.status).toBe(200);
    expect(response.body.items.map((item) => item.lane)).toEqual(laneNames);
    for (const item of response.body.items) {
      expect(item).toMatchObject({
        enabled: true,
        state: "enabled",
        maxConcurrency: lanes[item.lane].maxConcurrency,
        batchSize: lanes[item.lane].batchSize,
      });
      expect(item.function).toMatch(/Worker/);
      for (const depth of [item.backlog, item.inFlight, item.delayed, item.dlqDepth]) {
        expect(depth).toBeGreaterThanOrEqual(0);
      }
    }
    await waitForStatus((await submit({ type: "echo", input: {} })).id, ["succeeded"]);
    expect((await worker(lane)).lastActivityAt).not.toBeNull();
  });

  it("leaves a paused lane's tasks queued until it is resumed", async () => {
    await pause(lane);
    const accepted = await Promise.all([1, 2, 3].map((n) => submit({ type: "echo", input: { value: n } })));
    const paused = await waitForWorker(lane, (view) => view.backlog >= accepted.length);
    expect(paused.enabled).toBe(false);
    await sleep(1_500);
    for (const task of accepted) {
      const current = await api<Task>("GET", `/v1/tasks/${task.id}`);
      expect(current.body.status).toBe("queued");
    }
    expect((await worker(lane)).backlog).toBeGreaterThanOrEqual(accepted.length);

    const resumed = await api<WorkerView>("PATCH", `/v1/workers/${lane}`, { body: { enabled: true } });
    expect(resumed.body).toMatchObject({ enabled: true, state: "enabled" });
    for (const task of accepted) {
      expect((await waitForStatus(task.id, ["succeeded", "failed"])).status).toBe("succeeded");
    }
  });

  it("honours a new maximum concurrency at once", async () => {
    await pause(lane);
    const accepted = await Promise.all(
      Array.from({ length: 40 }, (_, n) => submit({ type: "echo", input: { value: n, sleepMs: 400 } })),
    );
    await waitForWorker(lane, (view) => view.backlog >= accepted.length);

    const limit = 2;
    const resized = await api<WorkerView>("PATCH", `/v1/workers/${lane}`, {
      body: { enabled: true, maxConcurrency: limit },
    });
    expect(resized.status).toBe(200);
    expect(resized.body).toMatchObject({ enabled: true, maxConcurrency: limit });

    // At most `limit` invocations, each a batch of up to batchSize messages.
    const ceiling = limit * lanes[lane].batchSize;
    const done: Task[] = [];
    for (const task of accepted) {
      expect((await worker(lane)).inFlight).toBeLessThanOrEqual(ceiling);
      done.push(await waitForStatus(task.id, ["succeeded", "failed"], 30_000));
    }
    expect(done.every((task) => task.status === "succeeded")).toBe(true);
    expect(peakOverlap(done)).toBeLessThanOrEqual(ceiling);
  });

  it.each([
    ["a concurrency below Lambda's minimum", { maxConcurrency: 1 }, ["maxConcurrency"]],
    [
      "a concurrency above the lane's reservation",
      { maxConcurrency: defaultConcurrency + 1 },
      ["maxConcurrency"],
    ],
    ["a non-boolean enabled", { enabled: "yes" }, ["enabled"]],
    ["an unknown field", { paused: true }, ["paused", ""]],
    ["no change at all", {}, [""]],
  ])("rejects %s with 400 naming the field", async (_, body, paths) => {
    const response = await api<ErrorBody>("PATCH", `/v1/workers/${lane}`, { body });
    expect(response.status).toBe(400);
    expect(response.body.error.details?.issues.map((issue) => issue.path)).toEqual(paths);
  });

  it("answers 404 for an unknown lane", async () => {
    const response = await api<ErrorBody>("PATCH", "/v1/workers/no_such_lane", { body: { enabled: true } });
    expect(response.status).toBe(404);
  });

  it("the client and the claw-tasks command line pause, resume and resize a lane", async () => {
    const client = new ClawTasksClient({ url: target.url, apiKey: target.apiKey });
    const paused = await cli(["workers", "pause", lane]);
    expect(paused).toMatchObject({ code: 0, stdout: `${lane} paused\n` });
    await waitForWorker(lane, (view) => view.state === "disabled");
    expect((await client.workers.list()).find((item) => item.lane === lane)?.enabled).toBe(false);

    const resized = await cli(["workers", "set", lane, "--concurrency", "3", "--json"]);
    expect(JSON.parse(resized.stdout)).toMatchObject({ lane, maxConcurrency: 3 });
    expect(await client.workers.setConcurrency(lane, defaultConcurrency)).toMatchObject({
      maxConcurrency: defaultConcurrency,
    });
    expect(await client.workers.resume(lane)).toMatchObject({ enabled: true });
    expect(await client.workers.pause(lane)).toMatchObject({ enabled: false });
    const resumed = await cli(["workers", "resume", lane]);
    expect(resumed).toMatchObject({ code: 0, stdout: `${lane} resumed\n` });
    expect(await worker(lane)).toMatchObject({ enabled: true, maxConcurrency: defaultConcurrency });

    const refused = await cli(["workers", "set", lane, "--concurrency", "1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ {2}maxConcurrency: /m);
  });
});
