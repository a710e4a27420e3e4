/**
 * Load tier (`npm run test:load`, run by CI after `npm test`): 10,000 echo
 * tasks submitted at a steady rate through the local runtime. Every one must
 * succeed, none may be lost, none may run twice. Reports submit latency,
 * queue wait and throughput (test-results/load.json); it asserts no timings.
 */

import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { api, eventually } from "../integration/api-client.ts";

const total = Number(process.env.LOAD_TASKS ?? 10_000);
const ratePerSecond = Number(process.env.LOAD_RATE ?? 100);
const maxInFlight = 64;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

async function listAll(run: string): Promise<Task[]> {
  const tasks: Task[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: Task[]; nextCursor: string | null } } = await api(
      "GET",
      `/v1/tasks?tag=load:${run}&limit=100${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(page.status).toBe(200);
    tasks.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return tasks;
}

it(
  `${total} echo tasks at ${ratePerSecond}/s: all succeed, none lost, none run twice`,
  async () => {
    const run = randomUUID();
    const submitLatencies: number[] = [];
    const accepted = new Set<string>();
    const failures: number[] = [];
    const started = performance.now();
    let inFlight = 0;
    const pending: Promise<void>[] = [];
    for (let index = 0; index < total; index++) {
      // Open model: each submission is due at its slot, whatever the previous ones are doing.
      const due = started + (index * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      while (inFlight >= maxInFlight) await sleep(1);
      inFlight++;
      pending.push(
        (async () => {
          const begin = performance.now();
          const response = await api<Task>("POST", "/v1/tasks", {
            body: { type: "echo", input: { value: index }, tags: { load: run } },
          });
          submitLatencies.push(performance.now() - begin);
          if (response.status === 202) accepted.add(response.body.id);
          else failures.push(response.status);
          inFlight--;
        })(),
      );
    }
    await Promise.all(pending);
    const submitSeconds = (performance.now() - started) / 1000;
    expect(failures).toEqual([]);
    expect(accepted.size).toBe(total);

    const stats = async () =>
      (await api<{ byType: { echo?: Record<string, number> } }>("GET", "/v1/stats")).body.byType.echo ?? {};
    await eventually(stats, (counts) => (counts.succeeded ?? 0) >= total, 15 * 60_000);

    const tasks = await listAll(run);
    expect(tasks.length).toBe(total);
    expect(new Set(tasks.map((task) => task.id))).toEqual(accepted);
    expect(tasks.filter((task) => task.status !== "succeeded")).toEqual([]);
    const ranTwice = tasks.filter(
      (task) =>
        task.attempts !== 1 || task.history.filter((entry) => entry.status === "running").length !== 1,
    );
    expect(ranTwice).toEqual([]);

    const queueWaits = tasks.map((task) => Date.parse(task.startedAt!) - Date.parse(task.createdAt));
    const firstCreated = Math.min(...tasks.map((task) => Date.parse(task.createdAt)));
    const lastFinished = Math.max(...tasks.map((task) => Date.parse(task.finishedAt!)));
    const report = {
      tasks: total,
      targetRatePerSecond: ratePerSecond,
      submitSeconds: Number(submitSeconds.toFixed(1)),
      submitMs: {
        p50: Number(percentile(submitLatencies, 50).toFixed(1)),
        p99: Number(percentile(submitLatencies, 99).toFixed(1)),
      },
      queueWaitMs: { p50: percentile(queueWaits, 50), p99: percentile(queueWaits, 99) },
      completedPerSecond: Number((total / ((lastFinished - firstCreated) / 1000)).toFixed(1)),
      lost: total - tasks.length,
      ranTwice: ranTwice.length,
    };
    mkdirSync("test-results", { recursive: true });
    writeFileSync("test-results/load.json", `${JSON.stringify(report, null, 2)}\n`);
    console.log(`load: ${JSON.stringify(report)}`);
  },
  30 * 60_000,
);
