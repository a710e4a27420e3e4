/**
 * Integration tier, local only: a failure between writing the task record and
 * sending its message never leaves the task stuck in `queued`. Faults are
 * injected into the functions' SQS and DynamoDB calls by the local runtime's
 * fault proxy, which only the local runtime has.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { api, faultsFired, injectFault, waitForStatus } from "./api-client.ts";

describe("nothing lost between record and message", () => {
  it("marks the task failed (retryable by id) when its message cannot be sent, and answers 503", async () => {
    const marker = randomUUID();
    await injectFault("sqs", { target: "AmazonSQS.SendMessage", bodyIncludes: [marker], times: 3 });
    const response = await api<{ error: { code: string; details: { taskId: string } } }>(
      "POST",
      "/v1/tasks",
      {
        body: { type: "echo", input: { value: "eventually" }, tags: { marker } },
      },
    );
    expect(response.status).toBe(503);
    // The fault fired on every try the SDK made: the message really was never sent.
    expect(await faultsFired("sqs", marker)).toBe(3);
    const { taskId } = response.body.error.details;

    const stuck = (await api<Task>("GET", `/v1/tasks/${taskId}`)).body;
    expect(stuck.status).toBe("failed");
    expect(stuck.error).toMatchObject({ type: "enqueue_failed", retryable: true });

    expect((await api("POST", `/v1/tasks/${taskId}/retry`)).status).toBe(202);
    expect((await waitForStatus(taskId, ["succeeded"])).result).toBe("eventually");
  });

  it("still runs the task when the record write fails after the message went out", async () => {
    const marker = randomUUID();
    await injectFault("dynamodb", { target: "DynamoDB_20120810.PutItem", bodyIncludes: [marker], times: 3 });
    const response = await api<Task>("POST", "/v1/tasks", {
      body: { type: "echo", input: { value: "created by the worker" }, tags: { marker } },
    });
    expect(response.status).toBe(202);
    // Every try of the record write failed (the SDK makes three) ...
    expect(await faultsFired("dynamodb", marker)).toBe(3);
    const done = await waitForStatus(response.body.id, ["succeeded"]);
    expect(done.result).toBe("created by the worker");
    expect(done.tags).toEqual({ marker });
    // ... so the record is the one the worker's claim made from the message.
    expect(done.history[0]?.note).toMatch(/^recorded by the worker/);
  });
});
