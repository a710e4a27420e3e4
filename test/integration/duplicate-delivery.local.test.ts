/**
 * Integration tier, local only: SQS delivers at least once. The same task
 * message delivered twice, at once or after the task finished, records one
 * attempt and one outcome. With the deferred claim (run-task.ts) a copy's
 * handler may start before its claim or its one write is refused: echo is
 * idempotent, as every type that defers its claim must be. Local only because
 * it sends to a lane queue directly, through the local runtime's SQS endpoint.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { envelopeOf } from "../../functions/core/envelope.ts";
import type { Task } from "../../functions/core/task.ts";
import {
  deliveryOutcomesOf,
  eventually,
  laneQueueUrl,
  localRuntime,
  submit,
  waitForStatus,
} from "./api-client.ts";

const runtime = localRuntime();

const sqs = new SQSClient({
  region: runtime.region,
  endpoint: runtime.endpoints.sqs,
  credentials: runtime.credentials,
});
afterAll(() => sqs.destroy());

async function deliver(task: Task): Promise<void> {
  const queueUrl = laneQueueUrl(task.lane, task.priority);
  await sqs.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(envelopeOf(task)) }),
  );
}

/** Waits until the lane's normal queue holds no message, visible or in flight: every delivery has been handled. */
async function waitForLaneIdle(lane: string, timeoutMs = 15_000): Promise<void> {
  const queueUrl = laneQueueUrl(lane, "normal");
  const deadline = Date.now() + timeoutMs;
  let idleChecks = 0;
  while (Date.now() < deadline) {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    const busy =
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
    idleChecks = busy === 0 ? idleChecks + 1 : 0;
    if (idleChecks >= 2) return;
    await sleep(100);
  }
  throw new Error(`lane ${lane} did not become idle in ${timeoutMs} ms`);
}

const runningEntries = (task: Task) => task.history.filter((entry) => entry.status === "running").length;

describe("duplicate delivery", () => {
  const echoTask = (value: string, sleepMs: number): Task => {
    const now = new Date().toISOString();
    return {
      id: randomUUID(),
      type: "echo",
      status: "queued",
      lane: "default",
      priority: "normal",
      input: { value, sleepMs, failTimes: 0, progressSteps: 0, ignoreAbort: false },
      attempts: 0,
      maxAttempts: 3,
      createdAt: now,
      updatedAt: now,
      history: [],
    };
  };

  it("records one attempt when its message arrives twice at the same time", async () => {
    // Longer than the claim threshold (1 s): both copies start the handler, one claims, the other is refused and stops.
    const task = echoTask("once", 3_000);
    await Promise.all([deliver(task), deliver(task)]);

    const done = await waitForStatus(task.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(1);
    expect(runningEntries(done)).toBe(1);
    // Both copies were delivered, and the second while the first attempt ran: the deliveries overlapped.
    const outcomes = await eventually(
      async () => deliveryOutcomesOf(task.id),
      (found) => found.length >= 2,
    );
    expect(outcomes.map((entry) => entry.outcome).sort()).toEqual(["skipped", "succeeded"]);
    const skipped = outcomes.find((entry) => entry.outcome === "skipped")!;
    expect(Date.parse(skipped.at)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));
    expect(Date.parse(skipped.at)).toBeLessThan(Date.parse(done.finishedAt!));
  });

  it("records one attempt when its message arrives again while it runs", async () => {
    const task = echoTask("still once", 3_000);
    await deliver(task);
    await waitForStatus(task.id, ["running"]);
    await deliver(task);
    const skipped = await eventually(
      async () => deliveryOutcomesOf(task.id),
      (found) => found.some((entry) => entry.outcome === "skipped"),
    );
    const done = await waitForStatus(task.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(runningEntries(done)).toBe(1);
    const at = Date.parse(skipped.find((entry) => entry.outcome === "skipped")!.at);
    expect(at).toBeLessThan(Date.parse(done.finishedAt!));
  });

  it("records nothing more when a succeeded task's message comes back", async () => {
    const accepted = await submit({ type: "echo", input: { value: "done already" } });
    const done = await waitForStatus(accepted.id, ["succeeded"]);

    await deliver(done);
    await waitForLaneIdle(done.lane);
    // The copy was delivered, and its one write found the task ended: nothing recorded.
    const outcomes = await eventually(
      async () => deliveryOutcomesOf(accepted.id),
      (found) => found.length >= 2,
    );
    expect(outcomes.map((entry) => entry.outcome)).toEqual(["succeeded", "skipped"]);

    const after = await waitForStatus(accepted.id, ["succeeded"]);
    expect(after.attempts).toBe(1);
    expect(after.updatedAt).toBe(done.updatedAt);
    expect(runningEntries(after)).toBe(1);
  });
});
