/**
 * Integration tier, any endpoint (local runtime or test:remote), through
 * HTTP only: a task goes from submit to its recorded outcome on its lane's
 * worker, with retries for retryable failures.
 */
import { describe, expect, it } from "vitest";
import { taskCatalog } from "../../functions/tasks/catalog.ts";
import { api, submit, waitForStatus } from "./api-client.ts";

describe("submitting and running tasks", () => {
  it("answers health without a key", async () => {
    const response = await api<{ status: string }>("GET", "/v1/health", { key: null });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe("ok");
  });

  it("runs an echo task to succeeded with its result", async () => {
    const value = { greeting: "hello", n: 42, nested: [1, "two", null] };
    const accepted = await submit({ type: "echo", input: { value }, tags: { suite: "integration" } });
    expect(accepted).toMatchObject({
      type: "echo",
      status: "queued",
      lane: "default",
      priority: "normal",
      attempts: 0,
    });
    expect(accepted.maxAttempts).toBe(taskCatalog.echo.retry.maxAttempts);

    const done = await waitForStatus(accepted.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual(value);
    expect(done.attempts).toBe(1);
    expect(done.tags).toEqual({ suite: "integration" });
    expect(done.history.map((entry) => entry.status)).toEqual(["queued", "running", "succeeded"]);
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));
    expect(done.error).toBeUndefined();
  });

  it("retries a retryable failure and then succeeds", async () => {
    const accepted = await submit({ type: "echo", input: { value: "second time lucky", failTimes: 1 } });
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 20_000);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(2);
    expect(done.history.map((entry) => entry.status)).toEqual([
      "queued",
      "running",
      "retrying",
      "running",
      "succeeded",
    ]);
    expect(done.history[2]?.error?.type).toBe("echo_failure");
  });

  it("fails a permanent failure at once, with the error recorded", async () => {
    const accepted = await submit({ type: "echo", input: { fail: "permanent" } });
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"]);
    expect(done.status).toBe("failed");
    expect(done.attempts).toBe(1);
    expect(done.error).toMatchObject({ type: "echo_failure", retryable: false });
  });

  it("routes a task to its catalog lane and priority", async () => {
    const accepted = await submit({
      type: "generate_ai_response",
      input: { conversationId: "c-1", userMessage: "hi" },
      priority: "high",
    });
    expect(accepted.lane).toBe("ai_high_priority");
    expect(accepted.priority).toBe("high");
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.lane).toBe("ai_high_priority");
  });
});
