/**
 * Integration tier, any endpoint (local runtime or test:remote), over HTTP
 * only: delays, expiry, soft and hard time limits, progress.
 */
import { describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { api, eventually, submit, waitForStatus } from "./api-client.ts";

const statuses = (task: Task) => task.history.map((entry) => entry.status);

describe("delays", () => {
  // Delays beyond the longest SQS delay go to one-time schedules: proven locally in long-delays.local.test.ts.
  it("keeps a delayed task scheduled until due, then runs it once", async () => {
    const submittedAt = Date.now();
    const accepted = await submit({ type: "echo", input: { value: "later" }, delaySeconds: 5 });
    expect(accepted.status).toBe("scheduled");
    expect(Date.parse(accepted.runAt!)).toBeGreaterThanOrEqual(submittedAt + 4_000);

    const waiting = await api<Task>("GET", `/v1/tasks/${accepted.id}`);
    expect(waiting.body.status).toBe("scheduled");

    const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 20_000);
    expect(done.status).toBe("succeeded");
    expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(accepted.runAt!));
    expect(statuses(done)).toEqual(["scheduled", "running", "succeeded"]);
    expect(done.attempts).toBe(1);
  });

  it("runs a task whose runAt has passed at once, and rejects delays past 365 days", async () => {
    const past = await submit({ type: "echo", runAt: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe("queued");
    expect((await waitForStatus(past.id, ["succeeded"])).status).toBe("succeeded");

    const tooFar = await api<{ error: { details: { issues: { path: string }[] } } }>("POST", "/v1/tasks", {
      body: { type: "echo", delaySeconds: 366 * 86_400 },
    });
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.details.issues[0]?.path).toBe("delaySeconds");
  });
});

describe("expiry", () => {
  it("expires a task not started by expiresAt; it never runs", async () => {
    // One start per minute for this type: the first task takes it, the second waits past its expiry.
    const type = "delete_knowledge_vectors";
    await api("PUT", `/v1/rate-limits/${type}`, { body: { perMinute: 1 } });
    // Workers re-read limits every 200 ms in tests: let every one see it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    try {
      const first = await submit({ type, input: { knowledgeBaseId: "expiry-test" } });
      await waitForStatus(first.id, ["running", "succeeded", "failed"]);
      const waiting = await submit({
        type,
        input: { knowledgeBaseId: "expiry-test" },
        expiresAt: new Date(Date.now() + 3_000).toISOString(),
      });
      const ended = await waitForStatus(waiting.id, ["expired", "succeeded", "failed"], 20_000);
      expect(ended.status).toBe("expired");
      expect(ended.attempts).toBe(0);
      expect(statuses(ended)).not.toContain("running");
      expect(ended.error?.type).toBe("expired");
    } finally {
      await api("DELETE", `/v1/rate-limits/${type}`);
    }
  });

  it("rejects an expiresAt that is not after the time the task is due", async () => {
    const response = await api<{ error: { details: { issues: { path: string }[] } } }>("POST", "/v1/tasks", {
      body: { type: "echo", delaySeconds: 60, expiresAt: new Date(Date.now() + 30_000).toISOString() },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details.issues[0]?.path).toBe("expiresAt");
  });
});

describe("time limits", () => {
  it("fires the AbortSignal at the soft limit and records soft_time_limit", async () => {
    const accepted = await submit({
      type: "echo",
      input: { sleepMs: 10_000 },
      timeLimits: { softSeconds: 1, hardSeconds: 3 },
      maxAttempts: 1,
    });
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 10_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ type: "soft_time_limit", retryable: true });
  });

  it("gives up on a task that ignores its signal at the hard limit, as a retryable timeout", async () => {
    const accepted = await submit({
      type: "echo",
      input: { sleepMs: 10_000, ignoreAbort: true },
      timeLimits: { softSeconds: 1, hardSeconds: 2 },
      maxAttempts: 2,
    });
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 20_000);
    expect(done.status).toBe("failed");
    expect(done.attempts).toBe(2);
    expect(done.error).toMatchObject({ type: "timeout", retryable: true });
    expect(statuses(done)).toEqual(["queued", "running", "retrying", "running", "failed"]);
  });

  it("rejects limits above the type's own", async () => {
    const response = await api<{ error: { details: { issues: { path: string }[] } } }>("POST", "/v1/tasks", {
      body: { type: "echo", timeLimits: { hardSeconds: 3_600 } },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details.issues[0]?.path).toBe("timeLimits.hardSeconds");
  });
});

describe("progress", () => {
  it("shows a running task's progress, and the last one after it ends", async () => {
    const accepted = await submit({ type: "echo", input: { sleepMs: 4_000, progressSteps: 4 } });
    const midway = await eventually(
      async () => (await api<Task>("GET", `/v1/tasks/${accepted.id}`)).body,
      (task) => task.status === "running" && (task.progress?.percent ?? 0) >= 25,
    );
    expect(midway.progress?.message).toMatch(/^step \d of 4$/);
    const done = await waitForStatus(accepted.id, ["succeeded"], 10_000);
    expect(done.progress).toEqual({ percent: 100, message: "step 4 of 4" });
  });
});

describe("large payloads", () => {
  it("keeps inputs and results over the inline limit (8 KB) in S3 and reads them back whole", async () => {
    const big = "x".repeat(300 * 1024);
    const accepted = await submit({ type: "echo", input: { value: big } });
    expect(accepted.input).toMatchObject({ $payload: { key: `inputs/${accepted.id}.json` } });
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.input).toMatchObject({ value: big });
    expect(done.result).toBe(big);

    const listed = await api<{ items: Task[] }>("GET", `/v1/tasks?type=echo&limit=100`);
    const summary = listed.body.items.find((task) => task.id === accepted.id);
    expect(summary?.result).toMatchObject({ $payload: { bytes: big.length + 2 } });
  });

  it("answers 413 for a body over 10 MB", async () => {
    const response = await api<{ error?: { code: string } }>("POST", "/v1/tasks", {
      body: { type: "echo", input: { value: "y".repeat(10 * 1024 * 1024 + 1) } },
    });
    expect(response.status).toBe(413);
  });
});
