/**
 * Unit tier: the submit use case (functions/core/submit-task.ts) on its
 * ports: the in-memory store, a recording queue that can fail, a fixed clock.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../functions/core/api-error.ts";
import { submitTask } from "../../functions/core/submit-task.ts";
import { corePorts, echoSubmission } from "../support/core-ports.ts";

const submission = echoSubmission;

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

describe("submitTask", () => {
  it("records a queued task and sends its whole envelope at once", async () => {
    const ports = corePorts();
    const { task, replayed } = await submitTask(submission({ tags: { team: "a" } }), ports.deps);
    expect(replayed).toBe(false);
    expect(await ports.store.get(task.id)).toEqual(task);
    expect(task).toMatchObject({
      status: "queued",
      attempts: 0,
      lane: "default",
      createdAt: ports.now().toISOString(),
    });
    expect(task.history).toEqual([{ status: "queued", at: ports.now().toISOString() }]);
    expect(ports.sent).toEqual([
      {
        envelope: expect.objectContaining({
          id: task.id,
          type: "echo",
          input: { value: "hello" },
          tags: { team: "a" },
        }),
        delaySeconds: 0,
      },
    ]);
  });

  it("sends a task due within one SQS delay with that delay, and hands a later one to the scheduler", async () => {
    const ports = corePorts();
    const soon = new Date(ports.now().getTime() + 10_000).toISOString();
    const later = new Date(ports.now().getTime() + 2 * 3_600_000).toISOString();
    const near = await submitTask(submission({ runAt: soon }), ports.deps);
    const far = await submitTask(submission({ runAt: later }), ports.deps);
    expect(near.task).toMatchObject({ status: "scheduled", runAt: soon });
    expect(ports.sent.map((message) => message.delaySeconds)).toEqual([10]);
    expect(ports.scheduled).toEqual([
      { envelope: expect.objectContaining({ id: far.task.id, runAt: later }), at: later },
    ]);
  });

  it("offloads a large input to the payload store and keeps a reference in the record and the message", async () => {
    const ports = corePorts();
    const big = "x".repeat(300 * 1024);
    const { task } = await submitTask(submission({ input: { value: big } }), ports.deps);
    expect(task.input).toMatchObject({ $payload: { key: `inputs/${task.id}.json` } });
    expect(JSON.parse(ports.payloads.get(`inputs/${task.id}.json`)!)).toEqual({ value: big });
    expect(ports.sent[0]?.envelope.input).toEqual(task.input);
  });

  it("answers 503 and ends the record failed when the message cannot be sent", async () => {
    const ports = corePorts();
    ports.failSends(1);
    const error = await rejection(submitTask(submission(), ports.deps));
    expect(error.status).toBe(503);
    const taskId = (error.details as { taskId: string }).taskId;
    expect(await ports.store.get(taskId)).toMatchObject({
      status: "failed",
      error: { type: "enqueue_failed" },
    });
  });

  it("returns the task when only the record write failed: the message carries it to the worker", async () => {
    const ports = corePorts();
    const create = ports.store.create;
    ports.deps.store.create = async () => {
      throw new Error("DynamoDB is down (injected)");
    };
    const { task } = await submitTask(submission(), ports.deps);
    ports.deps.store.create = create;
    expect(ports.sent.map((message) => message.envelope.id)).toEqual([task.id]);
    expect(ports.logged.map((entry) => entry.message)).toContain(
      "record write failed after enqueue; the worker will create it",
    );
  });
});

describe("submitTask with an Idempotency-Key", () => {
  const key = { scope: "client-a", key: "order-42" };

  it("returns the first task for the same request, and sends one message", async () => {
    const ports = corePorts();
    const first = await submitTask(submission(), ports.deps, key);
    ports.advance(60);
    const again = await submitTask(submission(), ports.deps, key);
    expect(again).toEqual({ task: first.task, replayed: true });
    expect(ports.sent).toHaveLength(1);
  });

  it("treats the same body with its nested keys in another order as the same request", async () => {
    const ports = corePorts();
    const input = { value: { order: { id: 42, lines: [{ sku: "a", qty: 1 }] }, note: "n" } };
    const reordered = { value: { note: "n", order: { lines: [{ qty: 1, sku: "a" }], id: 42 } } };
    const first = await submitTask(submission({ input }), ports.deps, key);
    const again = await submitTask(submission({ input: reordered }), ports.deps, key);
    expect(again).toEqual({ task: first.task, replayed: true });
  });

  it("answers 409 naming the first task for another body under the same key", async () => {
    const ports = corePorts();
    const first = await submitTask(submission(), ports.deps, key);
    const error = await rejection(submitTask(submission({ input: { value: "other" } }), ports.deps, key));
    expect(error.status).toBe(409);
    expect(error.details).toEqual({ taskId: first.task.id });
  });

  it("keeps each caller's keys apart", async () => {
    const ports = corePorts();
    const ours = await submitTask(submission(), ports.deps, key);
    const theirs = await submitTask(submission(), ports.deps, { ...key, scope: "client-b" });
    expect(theirs.replayed).toBe(false);
    expect(theirs.task.id).not.toBe(ours.task.id);
  });

  it("creates a new task once the 24 h window has passed", async () => {
    const ports = corePorts();
    const first = await submitTask(submission(), ports.deps, key);
    ports.advance(24 * 3600 + 1);
    const later = await submitTask(submission(), ports.deps, key);
    expect(later.replayed).toBe(false);
    expect(later.task.id).not.toBe(first.task.id);
  });

  it("frees the key after a 503, so the resubmission creates and queues a new task", async () => {
    const ports = corePorts();
    ports.failSends(1);
    const error = await rejection(submitTask(submission(), ports.deps, key));
    expect(error.status).toBe(503);
    const failedId = (error.details as { taskId: string }).taskId;
    const retried = await submitTask(submission(), ports.deps, key);
    expect(retried.replayed).toBe(false);
    expect(retried.task.id).not.toBe(failedId);
    expect(ports.sent.map((message) => message.envelope.id)).toEqual([retried.task.id]);
  });
});
