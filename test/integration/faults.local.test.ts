/**
 * Integration tier, fault paths: a worker killed mid-task, throttling and 5xx
 * from SQS and DynamoDB. Nothing is lost, nothing is stuck, nothing runs twice.
 * The local runtime shortens visibility (20 s) and lease margins (1 s) so a
 * crashed attempt comes back within the test. Local only: faults are injected
 * through the local runtime's fault proxy.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { api, faultsFired, injectFault, submit, waitForStatus } from "./api-client.ts";

const statuses = (task: Task) => task.history.map((entry) => entry.status);

describe("a worker killed mid-task", () => {
  it("finishes the task on redelivery, once", async () => {
    const accepted = await submit({
      type: "echo",
      input: { value: "after the crash", sleepMs: 200, crashTimes: 1 },
      timeLimits: { softSeconds: 1, hardSeconds: 2 },
    });
    // Three deliveries, each after the crashed one's visibility (20 s here).
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 100_000);
    expect(done.status).toBe("succeeded");
    expect(done.result).toBe("after the crash");
    // The first delivery's handler crashed before any write (the deferred claim): nothing recorded or
    // counted. Its message came back and was claimed first (attempt 1), which crashed too; its lease
    // ran out and the next delivery claimed the task again.
    expect(done.attempts).toBe(2);
    expect(statuses(done)).toEqual(["queued", "running", "running", "succeeded"]);
  }, 120_000);

  it("fails a task whose last attempt crashed, saying so", async () => {
    const accepted = await submit({
      type: "echo",
      input: { crashTimes: 5 },
      timeLimits: { softSeconds: 1, hardSeconds: 2 },
      maxAttempts: 1,
    });
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 100_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ type: "attempts_exhausted", retryable: false });
  }, 120_000);
});

describe("throttling and 5xx from AWS", () => {
  it("loses no task and leaves none stuck when SQS and DynamoDB calls fail for a while", async () => {
    const marker = randomUUID();
    // Within the SDK's own retries (3 tries a call) ...
    await injectFault("sqs", {
      target: "AmazonSQS.SendMessage",
      bodyIncludes: [marker],
      times: 6,
      status: 400,
      code: "ThrottlingException",
    });
    await injectFault("dynamodb", { target: "DynamoDB_20120810.PutItem", bodyIncludes: [marker], times: 6 });
    // ... and beyond them: these claims fail outright, the messages come back and are claimed later.
    await injectFault("dynamodb", {
      target: "DynamoDB_20120810.UpdateItem",
      bodyIncludes: [marker, "startedAt"],
      times: 12,
      status: 400,
      code: "ProvisionedThroughputExceededException",
    });

    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        api<Task & { error?: { details: { taskId: string } } }>("POST", "/v1/tasks", {
          body: { type: "echo", input: { value: index }, tags: { marker } },
        }),
      ),
    );
    const accepted = responses.filter((response) => response.status === 202).map((response) => response.body);
    const refused = responses.filter((response) => response.status !== 202);
    // A refused submission is a 503: either no record was written (the client was told, nothing to run),
    // or the record says failed and can be retried by id. Never stuck `queued`.
    for (const response of refused) {
      expect(response.status).toBe(503);
      const id = (response.body as unknown as { error: { details: { taskId: string } } }).error.details
        .taskId;
      const record = await api<Task>("GET", `/v1/tasks/${id}`);
      if (record.status === 200) expect(record.body.status).toBe("failed");
      else expect(record.status).toBe(404);
    }
    const done = await Promise.all(
      accepted.map((task) => waitForStatus(task.id, ["succeeded", "failed"], 60_000)),
    );
    expect(done.map((task) => task.status)).toEqual(accepted.map(() => "succeeded"));
    expect(done.map((task) => statuses(task).filter((status) => status === "running").length)).toEqual(
      accepted.map(() => 1),
    );
    expect(accepted.length).toBeGreaterThan(0);
    // Every injected fault fired: 6 sends, 6 record writes and 12 claims failed on the way.
    expect(await faultsFired("sqs", marker)).toBe(6);
    const dynamoFired = await faultsFired("dynamodb", marker);
    expect(dynamoFired).toBe(6 + 12);
  }, 90_000);
});
