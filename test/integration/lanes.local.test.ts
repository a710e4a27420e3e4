/**
 * Integration tier, local only, over HTTP against the local runtime: lane
 * depths, the dead-letter path and redrive, priority, and global rate limits.
 * Local only because it injects faults into the functions' AWS calls through
 * the local runtime's fault proxy.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { lanes } from "../../functions/tasks/lanes.ts";
import { api, eventually, injectFault, liftFaults, submit, waitForStatus } from "./api-client.ts";

interface LaneDepth {
  lane: string;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetters: number;
  queues: Record<string, { visible: number; inFlight: number }>;
}
const depthOf = async (lane: string) =>
  (await api<{ items: LaneDepth[] }>("GET", "/v1/queues")).body.items.find((item) => item.lane === lane)!;

describe("lanes", () => {
  it("lists every lane with its queue depths", async () => {
    const response = await api<{ items: LaneDepth[] }>("GET", "/v1/queues");
    expect(response.status).toBe(200);
    expect(response.body.items.map((item) => item.lane).sort()).toEqual(
      ["ai_high_priority", "default", "knowledge_default", "notification_default"].sort(),
    );
    for (const item of response.body.items) {
      expect(Object.keys(item.queues).sort()).toEqual(["high", "low", "normal"]);
      for (const count of [item.visible, item.inFlight, item.delayed, item.deadLetters]) {
        expect(count).toBeGreaterThanOrEqual(0);
      }
    }
    expect((await api("POST", "/v1/queues/no_such_lane/redrive")).status).toBe(404);
  });

  it("parks a message that keeps failing in the DLQ, records it on the task, and redrives it", async () => {
    const marker = randomUUID();
    // Every claim of this task fails until the rule is lifted, so each delivery fails before recording anything.
    await injectFault("dynamodb", {
      target: "DynamoDB_20120810.UpdateItem",
      bodyIncludes: [marker, "startedAt"],
      times: 1_000,
    });
    const accepted = await submit({
      type: "echo",
      input: { value: "survivor" },
      priority: "low",
      tags: { marker },
    });
    const parked = await waitForStatus(accepted.id, ["failed", "succeeded"], 40_000);
    expect(parked.status).toBe("failed");
    expect(parked.error).toMatchObject({ type: "dead_lettered", retryable: true });
    expect(parked.attempts).toBe(0);
    await eventually(
      () => depthOf("default"),
      (depth) => depth.deadLetters >= 1,
    );
    await liftFaults("dynamodb", marker);

    const redriven = await api<{ moved: number }>("POST", "/v1/queues/default/redrive");
    expect(redriven.status).toBe(200);
    expect(redriven.body.moved).toBeGreaterThanOrEqual(1);
    const done = await waitForStatus(accepted.id, ["succeeded"], 15_000);
    expect(done.result).toBe("survivor");
    expect(done.history.map((entry) => entry.status)).toEqual([
      "queued",
      "failed",
      "queued",
      "running",
      "succeeded",
    ]);
  }, 90_000);
});

describe("priority", () => {
  it("starts a high task submitted behind a backlog of 200 normal ones before at least 90% of them", async () => {
    const run = randomUUID();
    // Occupy every normal-priority worker of the lane, so the 200 really wait; cancelled once the high one started.
    const blockers = await Promise.all(
      Array.from({ length: 50 }, () => submit({ type: "echo", input: { sleepMs: 60_000 }, tags: { run } })),
    );
    const cancelBlockers = () =>
      Promise.all(blockers.map((task) => api("POST", `/v1/tasks/${task.id}/cancel`)));
    let highDone: Task;
    const normal: Task[] = [];
    try {
      await eventually(
        () => depthOf("default"),
        (depth) => (depth.queues.normal?.inFlight ?? 0) >= lanes.default.maxConcurrency,
        10_000,
      );
      for (let batch = 0; batch < 10; batch++) {
        normal.push(
          ...(await Promise.all(
            Array.from({ length: 20 }, () => submit({ type: "echo", input: { sleepMs: 50 }, tags: { run } })),
          )),
        );
      }
      const high = await submit({ type: "echo", input: { sleepMs: 50 }, priority: "high", tags: { run } });
      highDone = await waitForStatus(high.id, ["succeeded"], 30_000);
    } finally {
      await cancelBlockers();
    }
    const normalDone = await Promise.all(normal.map((task) => waitForStatus(task.id, ["succeeded"], 60_000)));
    const overtaken = normalDone.filter(
      (task) => Date.parse(task.startedAt!) > Date.parse(highDone.startedAt!),
    );
    expect(overtaken.length / normal.length).toBeGreaterThanOrEqual(0.9);
    await Promise.all(blockers.map((task) => waitForStatus(task.id, ["cancelled"], 30_000)));
  }, 120_000);
});

describe("global rate limits", () => {
  it("lets no more than N start in 60 s; the rest wait without failing or using attempts", async () => {
    const type = "cleanup_expired_results";
    const set = await api<{ perMinute: number; source: string }>("PUT", `/v1/rate-limits/${type}`, {
      body: { perMinute: 3 },
    });
    expect(set.body).toMatchObject({ perMinute: 3, source: "override" });
    // Workers re-read limits every 200 ms in tests: let every one see it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    try {
      const run = randomUUID();
      const tasks = await Promise.all(Array.from({ length: 6 }, () => submit({ type, tags: { run } })));
      const read = () =>
        Promise.all(tasks.map(async (task) => (await api<Task>("GET", `/v1/tasks/${task.id}`)).body));
      await eventually(read, (current) => current.filter((task) => task.startedAt).length >= 3);
      // Several hops (every 2 s here) later, still only three have started.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const current = await read();
      expect(current.filter((task) => task.startedAt)).toHaveLength(3);
      const waiting = current.filter((task) => !task.startedAt);
      expect(waiting.map((task) => [task.status, task.attempts])).toEqual([
        ["queued", 0],
        ["queued", 0],
        ["queued", 0],
      ]);

      // Lifting the limit lets the waiting ones run.
      await api("DELETE", `/v1/rate-limits/${type}`);
      await Promise.all(waiting.map((task) => waitForStatus(task.id, ["succeeded", "failed"], 20_000)));
    } finally {
      await api("DELETE", `/v1/rate-limits/${type}`);
    }
    const reset = await api<{ items: { type: string; source: string }[] }>("GET", "/v1/rate-limits");
    expect(reset.body.items.find((item) => item.type === type)?.source).toBe("catalog");
  }, 60_000);

  it("rejects a bad limit with 400 and an unknown type with 404", async () => {
    expect((await api("PUT", "/v1/rate-limits/echo", { body: { perMinute: 0 } })).status).toBe(400);
    expect((await api("PUT", "/v1/rate-limits/nope", { body: { perMinute: 5 } })).status).toBe(404);
  });
});
