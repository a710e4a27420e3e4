/**
 * Unit tier: sendNotification (functions/core/send-notification.ts) on an
 * in-memory delivery ledger and a recording transport: which secret signs
 * what, and that no caller's notification can suppress a callback.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  type NotificationInput,
  sendNotification,
  type WebhookSigningSecrets,
} from "../../functions/core/send-notification.ts";
import { isSystemEvent } from "../../functions/core/system-events.ts";
import type { TaskFailure } from "../../functions/core/task-failure.ts";
import type { DeliveryLedger, DeliveryRecord, WebhookTransport } from "../../functions/core/task-ports.ts";

const callbackSecret = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
const notificationSecret = `whsec_${Buffer.alloc(32, 2).toString("base64")}`;
const secrets: WebhookSigningSecrets = {
  callbacks: async () => callbackSecret,
  notifications: async () => notificationSecret,
};

function memoryLedger(): DeliveryLedger {
  const delivered = new Map<string, DeliveryRecord>();
  return {
    async begin(deliveryId) {
      const record = delivered.get(deliveryId);
      return record ? { state: "delivered", record } : { state: "started" };
    },
    async complete(record) {
      delivered.set(record.deliveryId, record);
    },
    async release() {},
  };
}

function recordingTransport() {
  const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
  const transport: WebhookTransport = {
    async post(url, headers, body) {
      sent.push({ url, headers, body });
      return { status: 204, bodyExcerpt: "" };
    },
  };
  return { sent, transport };
}

function sender(signingSecrets = secrets) {
  const { sent, transport } = recordingTransport();
  const deps = { ledger: memoryLedger(), now: () => new Date(), webhook: { transport, signingSecrets } };
  /** Sends as the worker would; `systemCallback` as for a task with the system's callback tag. */
  const send = (
    input: Omit<NotificationInput, "channel">,
    taskId: string,
    systemCallback = isSystemEvent(input.event),
  ) =>
    sendNotification(
      { channel: "webhook", ...input },
      {
        taskId,
        attempt: 1,
        submittedAt: new Date().toISOString(),
        signal: AbortSignal.timeout(5_000),
        systemCallback,
      },
      deps,
    );
  return { sent, send };
}

describe("sendNotification", () => {
  it("signs callbacks with the callback secret and callers' notifications with the other", async () => {
    const { sent, send } = sender();
    await send(
      { url: "https://hooks.example.test/a", event: "task.succeeded", payload: { taskId: "t1" } },
      "cb1",
    );
    await send({ url: "https://hooks.example.test/a", event: "report.ready", payload: {} }, "n1");
    const [callback, notification] = sent;
    expect(new Webhook(callbackSecret).verify(callback!.body, callback!.headers)).toMatchObject({
      event: "task.succeeded",
    });
    expect(() => new Webhook(notificationSecret).verify(callback!.body, callback!.headers)).toThrow();
    expect(new Webhook(notificationSecret).verify(notification!.body, notification!.headers)).toMatchObject({
      event: "report.ready",
    });
    expect(() => new Webhook(callbackSecret).verify(notification!.body, notification!.headers)).toThrow();
    expect(callback!.headers["webhook-id"]).toBe("cb1");
  });

  it("signs a task.* event without the system's callback tag (stored by a caller before they were refused) as a notification", async () => {
    const { sent, send } = sender();
    await send(
      { url: "https://attacker.example.test/", event: "task.succeeded", payload: {} },
      "old1",
      false,
    );
    expect(() => new Webhook(callbackSecret).verify(sent[0]!.body, sent[0]!.headers)).toThrow();
    expect(new Webhook(notificationSecret).verify(sent[0]!.body, sent[0]!.headers)).toMatchObject({
      event: "task.succeeded",
    });
  });

  it("sends a callback even when a caller's notification already used its delivery id", async () => {
    const { sent, send } = sender();
    const squatted = await send(
      { url: "https://attacker.example.test/", event: "anything", payload: {}, deliveryId: "cb7" },
      "n7",
    );
    expect(squatted.alreadyDelivered).toBe(false);
    const callback = await send(
      { url: "https://hooks.example.test/mine", event: "task.failed", payload: { taskId: "t7" } },
      "cb7",
    );
    expect(callback).toMatchObject({ deliveryId: "cb7", alreadyDelivered: false, status: 204 });
    expect(sent.map((request) => request.url)).toEqual([
      "https://attacker.example.test/",
      "https://hooks.example.test/mine",
    ]);
    // The callback itself is still sent once.
    const again = await send(
      { url: "https://hooks.example.test/mine", event: "task.failed", payload: { taskId: "t7" } },
      "cb7",
    );
    expect(again.alreadyDelivered).toBe(true);
    expect(sent).toHaveLength(2);
  });

  it("records a refused delivery's status and redacted URL; the receiver's answer goes to the log only", async () => {
    const transport: WebhookTransport = {
      post: async () => ({ status: 500, bodyExcerpt: "stack trace at /srv/internal/app.py, db=10.0.0.9" }),
    };
    const deps = {
      ledger: memoryLedger(),
      now: () => new Date(),
      webhook: { transport, signingSecrets: secrets },
    };
    const failure = await sendNotification(
      { channel: "webhook", url: "https://hooks.example.test/in?token=abc", event: "x", payload: {} },
      {
        taskId: "n5",
        attempt: 1,
        submittedAt: new Date().toISOString(),
        signal: AbortSignal.timeout(5_000),
        systemCallback: false,
      },
      deps,
    ).then(
      () => undefined,
      (error: TaskFailure) => error,
    );
    expect(failure).toMatchObject({
      type: "webhook_failed",
      retryable: true,
      message: "webhook https://hooks.example.test/in?redacted answered 500",
    });
    expect(failure!.detail).toContain("10.0.0.9");
  });

  it("fails a delivery whose secret is not a Standard Webhooks key rather than sign with another key", async () => {
    const { sent, send } = sender({ ...secrets, notifications: async () => "not base64!" });
    await expect(send({ url: "https://hooks.example.test/", event: "x", payload: {} }, "n9")).rejects.toThrow(
      /base64/,
    );
    expect(sent).toHaveLength(0);
  });
});
