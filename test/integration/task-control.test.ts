/**
 * Integration tier, any endpoint (local runtime or test:remote), over HTTP
 * only: cancel, retry by id, idempotency keys, listing with filters and
 * cursors, stats, callbacks.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { api, deliveryOutcomesOf, eventually, submit, target, waitForStatus } from "./api-client.ts";

interface ErrorBody {
  error: { code: string; details?: { issues?: { path: string }[] } };
}
interface Page {
  items: Task[];
  nextCursor: string | null;
}
const statuses = (task: Task) => task.history.map((entry) => entry.status);

describe("cancel", () => {
  it("cancels a waiting task at once; it never runs", async () => {
    // Within one SQS delay (the test runtime's MAX_SQS_DELAY_SECONDS is 2), so its message is on the queue:
    // a longer delay goes to a one-time schedule, which the cancel deletes (long-delays.local.test.ts).
    const accepted = await submit({ type: "echo", delaySeconds: 2 });
    // A twin due at the same time in the same queue: once it has run, the cancelled task's message was due too.
    const twin = await submit({ type: "echo", delaySeconds: 2 });
    const cancelled = await api<Task>("POST", `/v1/tasks/${accepted.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    const twinDone = await waitForStatus(twin.id, ["succeeded", "failed"], 30_000);
    expect(Date.parse(twinDone.startedAt!)).toBeGreaterThanOrEqual(Date.parse(accepted.runAt!));
    if (target.local) {
      // Locally the workers' log shows the delivery itself: it came when due and found nothing to run.
      const outcomes = await eventually(
        async () => deliveryOutcomesOf(accepted.id),
        (found) => found.some((entry) => entry.outcome === "skipped"),
      );
      const skipped = outcomes.find((entry) => entry.outcome === "skipped")!;
      expect(Date.parse(skipped.at)).toBeGreaterThanOrEqual(Date.parse(accepted.runAt!));
    }
    const after = (await api<Task>("GET", `/v1/tasks/${accepted.id}`)).body;
    expect(after.status).toBe("cancelled");
    expect(after.attempts).toBe(0);
    expect(statuses(after)).toEqual(["scheduled", "cancelled"]);
  });

  it("stops a running task through its AbortSignal; it ends cancelled", async () => {
    const accepted = await submit({ type: "echo", input: { sleepMs: 20_000 } });
    await waitForStatus(accepted.id, ["running"]);
    const requested = await api<Task>("POST", `/v1/tasks/${accepted.id}/cancel`);
    expect(requested.status).toBe(202);
    expect(requested.body.cancelRequestedAt).toBeDefined();
    const done = await waitForStatus(accepted.id, ["cancelled", "succeeded", "failed"], 10_000);
    expect(done.status).toBe("cancelled");
    expect(done.error).toMatchObject({ type: "cancelled", retryable: false });
    expect(Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)).toBeLessThan(20_000);
  });

  it("answers 409 for a finished task and 404 for an unknown one", async () => {
    const done = await waitForStatus((await submit({ type: "echo" })).id, ["succeeded"]);
    const conflict = await api<ErrorBody>("POST", `/v1/tasks/${done.id}/cancel`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("conflict");
    expect((await api("POST", `/v1/tasks/${randomUUID()}/cancel`)).status).toBe(404);
  });
});

describe("retry by id", () => {
  it("re-runs a cancelled task under the same id, its history kept", async () => {
    const accepted = await submit({ type: "echo", input: { value: "again" }, delaySeconds: 60 });
    await api("POST", `/v1/tasks/${accepted.id}/cancel`);
    const retried = await api<Task>("POST", `/v1/tasks/${accepted.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: accepted.id, status: "queued", attempts: 0 });
    expect(retried.body.runAt).toBeUndefined();
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.result).toBe("again");
    expect(statuses(done)).toEqual(["scheduled", "cancelled", "queued", "running", "succeeded"]);
  });

  it("re-runs a failed task and answers 409 for tasks that are not failed, cancelled or expired", async () => {
    const failed = await waitForStatus((await submit({ type: "echo", input: { fail: "permanent" } })).id, [
      "failed",
    ]);
    expect((await api("POST", `/v1/tasks/${failed.id}/retry`)).status).toBe(202);
    const again = await eventually(
      async () => (await api<Task>("GET", `/v1/tasks/${failed.id}`)).body,
      (task) =>
        task.status === "failed" && statuses(task).filter((status) => status === "running").length === 2,
    );
    expect(again.attempts).toBe(1);

    const succeeded = await waitForStatus((await submit({ type: "echo" })).id, ["succeeded"]);
    expect((await api<ErrorBody>("POST", `/v1/tasks/${succeeded.id}/retry`)).status).toBe(409);
    const waiting = await submit({ type: "echo", delaySeconds: 60 });
    expect((await api<ErrorBody>("POST", `/v1/tasks/${waiting.id}/retry`)).status).toBe(409);
    await api("POST", `/v1/tasks/${waiting.id}/cancel`);
  });
});

describe("idempotency keys", () => {
  it("returns the original task for the same key and body, 409 for another body", async () => {
    const key = `order-${randomUUID()}`;
    const body = {
      type: "echo",
      input: { value: { order: { id: 1, lines: [{ sku: "a", qty: 2 }] }, note: "n" } },
    };
    const first = await api<Task>("POST", "/v1/tasks", { body, headers: { "idempotency-key": key } });
    // The same request with its keys in another order, nested ones too (the parser normalises only the top level).
    const second = await api<Task>("POST", "/v1/tasks", {
      body: {
        input: { value: { note: "n", order: { lines: [{ qty: 2, sku: "a" }], id: 1 } } },
        type: "echo",
      },
      headers: { "idempotency-key": key },
    });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");

    const different = await api<ErrorBody>("POST", "/v1/tasks", {
      body: { type: "echo", input: { value: 2 } },
      headers: { "idempotency-key": key },
    });
    expect(different.status).toBe(409);

    const otherKey = await api<Task>("POST", "/v1/tasks", {
      body,
      headers: { "idempotency-key": `${key}-2` },
    });
    expect(otherKey.body.id).not.toBe(first.body.id);
    await waitForStatus(first.body.id, ["succeeded"]);
  });

  it("runs one task when the same key is sent many times at once", async () => {
    const key = `burst-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        api<Task>("POST", "/v1/tasks", { body: { type: "echo" }, headers: { "idempotency-key": key } }),
      ),
    );
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([202]));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
  });

  it("rejects a malformed key with 400 naming the header", async () => {
    const response = await api<ErrorBody>("POST", "/v1/tasks", {
      body: { type: "echo" },
      headers: { "idempotency-key": "x".repeat(300) },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details?.issues?.[0]?.path).toBe("Idempotency-Key");
  });
});

describe("listing", () => {
  it("pages newest first by tag, with a cursor that stays correct while tasks are added", async () => {
    const run = randomUUID();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push((await submit({ type: "echo", tags: { run } })).id);

    const first = await api<Page>("GET", `/v1/tasks?tag=run:${run}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((task) => task.id)).toEqual([ids[4], ids[3]]);
    // Newer tasks arrive meanwhile; later pages still continue where the first stopped.
    await submit({ type: "echo", tags: { run } });
    const second = await api<Page>("GET", `/v1/tasks?tag=run:${run}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((task) => task.id)).toEqual([ids[2], ids[1]]);
    const third = await api<Page>("GET", `/v1/tasks?tag=run:${run}&limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.items.map((task) => task.id)).toEqual([ids[0]]);
    expect(third.body.nextCursor).toBeNull();
  });

  it("filters by status and type", async () => {
    const run = randomUUID();
    const ok = await submit({ type: "echo", tags: { run } });
    const bad = await submit({ type: "echo", input: { fail: "permanent" }, tags: { run } });
    await waitForStatus(ok.id, ["succeeded"]);
    await waitForStatus(bad.id, ["failed"]);
    const failed = await api<Page>("GET", `/v1/tasks?status=failed&tag=run:${run}`);
    expect(failed.body.items.map((task) => task.id)).toEqual([bad.id]);
    const byType = await api<Page>("GET", `/v1/tasks?type=echo&status=succeeded&tag=run:${run}`);
    expect(byType.body.items.map((task) => task.id)).toEqual([ok.id]);
  });

  it.each([
    ["limit=101", "limit"],
    ["status=sleeping", "status"],
    ["type=nope", "type"],
    ["cursor=bm90LWEtY3Vyc29y", "cursor"],
    ["tag=novalue", "tag"],
  ])("rejects %s with 400 naming %s", async (query, path) => {
    const response = await api<ErrorBody>("GET", `/v1/tasks?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.details?.issues?.[0]?.path).toBe(path);
  });
});

describe("stats", () => {
  it("counts every task of concurrent submissions exactly, and shows lane depths", async () => {
    interface Stats {
      byType: Record<string, Record<string, number>>;
      lanes: { lane: string; visible: number; deadLetters: number }[];
    }
    // A type no other test submits, so its counts move only with this test.
    const type = "update_knowledge_base";
    const read = async () => (await api<Stats>("GET", "/v1/stats")).body;
    const total = (stats: Stats, ...wanted: string[]) =>
      wanted.reduce((sum, status) => sum + (stats.byType[type]?.[status] ?? 0), 0);
    const before = await read();
    const tasks = await Promise.all(
      Array.from({ length: 20 }, () =>
        submit({ type, input: { knowledgeBaseId: "stats-test", documents: [] } }),
      ),
    );
    await Promise.all(tasks.map((task) => waitForStatus(task.id, ["succeeded", "failed"], 60_000)));
    const after = await eventually(
      read,
      (stats) => total(stats, "succeeded", "failed") - total(before, "succeeded", "failed") >= 20,
    );
    expect(total(after, "succeeded", "failed") - total(before, "succeeded", "failed")).toBe(20);
    expect(total(after, "queued", "running", "retrying")).toBe(
      total(before, "queued", "running", "retrying"),
    );
    expect(after.lanes.map((lane) => lane.lane).sort()).toEqual(
      ["ai_high_priority", "default", "knowledge_default", "notification_default"].sort(),
    );
  }, 120_000);
});

describe("callbacks", () => {
  it("queues a send_notification task for the callbackUrl when the task ends", async () => {
    const callbackUrl = "https://hooks.example.com/claw";
    const accepted = await submit({ type: "echo", input: { value: 7 }, callbackUrl });
    await waitForStatus(accepted.id, ["succeeded"]);
    const page = await eventually(
      async () =>
        (await api<Page>("GET", `/v1/tasks?type=send_notification&tag=callbackFor:${accepted.id}`)).body,
      (found) => found.items.length > 0,
    );
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.input).toMatchObject({
      channel: "webhook",
      url: callbackUrl,
      event: "task.succeeded",
      payload: { taskId: accepted.id, status: "succeeded", result: 7 },
    });
  });
});
