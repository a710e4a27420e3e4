/**
 * Integration tier, local only, over HTTP against the local runtime: lane
 * depths, and the dead-letter path and redrive. Local only because it
 * injects faults into the functions' AWS calls through the local runtime's
 * fault proxy. (Priority and rate limits: priority-and-rate-limits.test.ts,
 * which runs against any endpoint.)
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { WorkerView } from "../../functions/core/manage-workers.ts";
import type { Task } from "../../functions/core/task.ts";
import { api, eventually, injectFault, liftFaults, submit, waitForStatus } from "./api-client.ts";

interface LaneDepth {
  lane: string;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetters: number;
  queues: Record<string, { visible: number; inFlight: number; delayed: number }>;
}
const depthOf = async (lane: string) =>
  (await api<{ items: LaneDepth[] }>("GET", "/v1/queues")).body.items.find((item) => item.lane === lane)!;

describe("lanes", () => {
  it("lists every lane with its queue depths, which count the messages waiting", async () => {
    const response = await api<{ items: LaneDepth[] }>("GET", "/v1/queues");
    expect(response.status).toBe(200);
    expect(response.body.items.map((item) => item.lane).sort()).toEqual(
      ["ai_high_priority", "default", "knowledge_default", "notification_default"].sort(),
    );
    for (const item of response.body.items) {
      expect(Object.keys(item.queues).sort()).toEqual(["high", "low", "normal"]);
    }
    // A low-priority task's message waits in the default lane's low queue while the lane is paused, and shows
    // in the lane's total. (A long delay would not: it waits in a one-time schedule, not on the queue.)
    expect((await api("PATCH", "/v1/workers/default", { body: { enabled: false } })).status).toBe(200);
    // Paused once its pollers' last long polls have ended ("disabling" until then): a message sent earlier
    // could still be taken, as on Lambda.
    await eventually(
      async () => (await api<{ items: WorkerView[] }>("GET", "/v1/workers")).body.items,
      (workers) => workers.find((worker) => worker.lane === "default")?.state === "disabled",
    );
    const waiting = await submit({ type: "echo", priority: "low" });
    try {
      const depth = await eventually(
        () => depthOf("default"),
        (found) =>
          (found.queues.low?.delayed ?? 0) +
            (found.queues.low?.visible ?? 0) +
            (found.queues.low?.inFlight ?? 0) >=
          1,
      );
      const queues = Object.values(depth.queues);
      expect(depth.delayed).toBe(queues.reduce((sum, queue) => sum + queue.delayed, 0));
      expect(depth.visible).toBe(queues.reduce((sum, queue) => sum + queue.visible, 0));
    } finally {
      await api("PATCH", "/v1/workers/default", { body: { enabled: true } });
    }
    expect((await waitForStatus(waiting.id, ["succeeded", "failed"], 30_000)).status).toBe("succeeded");
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

    // Other dead letters may be there too, and this one may still be on its way (in flight): redrive until
    // this task has been queued again, which only a redrive of its own message does.
    await eventually(
      async () => {
        const redriven = await api<{ moved: number }>("POST", "/v1/queues/default/redrive");
        expect(redriven.status).toBe(200);
        return (await api<Task>("GET", `/v1/tasks/${accepted.id}`)).body;
      },
      (task) => task.status !== "failed",
      30_000,
    );
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
