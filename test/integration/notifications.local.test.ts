/**
 * Integration tier, through HTTP against the local runtime: send_notification
 * delivers Standard Webhooks-signed webhooks to a real local receiver
 * (loopback is allowed locally), sends each delivery id once, retries per
 * policy, refuses private, link-local and metadata targets, redacts webhook
 * URLs in task views and errors, and publishes to SNS (fauxqs). Completion
 * callbacks are verified by a receiver built on the `standardwebhooks`
 * library, which refuses a forged and a replayed one.
 * Local only: it reaches the local runtime's own endpoints (see localRuntime()).
 */

import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signWebhook, verifyWebhook, webhookHeaders } from "../../functions/core/webhook-signature.ts";
import { api, eventually, localRuntime, submit, waitForStatus } from "./api-client.ts";

const runtime = localRuntime();

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const received: Received[] = [];
/** Status codes to answer per path, in turn; 200 once a path's list is used up. */
const scripted = new Map<string, number[]>();
let receiver: Server;
let receiverUrl: string;
/** The secret of the notifications API callers send. */
let signingSecret: string;
/** The secret of the system's completion callbacks. */
let callbackSecret: string;

const clientConfig = { region: runtime.region, credentials: runtime.credentials };
const sns = new SNSClient({ ...clientConfig, endpoint: runtime.endpoints.sns });
const sqs = new SQSClient({ ...clientConfig, endpoint: runtime.endpoints.sqs });

beforeAll(async () => {
  receiver = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = request.url ?? "/";
    received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
    const status = scripted.get(path)?.shift() ?? 200;
    response.writeHead(status, { "content-type": "text/plain" });
    response.end(status < 300 ? "thanks" : "not now");
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  const address = receiver.address() as { port: number };
  receiverUrl = `http://127.0.0.1:${address.port}`;

  const secrets = new SecretsManagerClient({ ...clientConfig, endpoint: runtime.endpoints.secretsManager });
  const secretOf = async (arn: string | undefined) =>
    (await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString!;
  signingSecret = await secretOf(runtime.outputs.WebhookSigningSecretArn);
  callbackSecret = await secretOf(runtime.outputs.CallbackSigningSecretArn);
  secrets.destroy();
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  sns.destroy();
  sqs.destroy();
});

const requestsTo = (path: string) => received.filter((request) => request.path === path);

async function notify(input: Record<string, unknown>, timeoutMs = 15_000) {
  const accepted = await submit({ type: "send_notification", input });
  return waitForStatus(accepted.id, ["succeeded", "failed"], timeoutMs);
}

describe("send_notification: webhooks", () => {
  it("delivers a webhook signed with the notification secret, as Standard Webhooks verifiers check it", async () => {
    const path = `/hooks/${randomUUID()}`;
    const done = await notify({
      url: `${receiverUrl}${path}`,
      event: "report.ready",
      payload: { reportId: 7 },
    });
    expect(done.status).toBe("succeeded");
    expect(done.result).toMatchObject({
      deliveryId: done.id,
      channel: "webhook",
      status: 200,
      alreadyDelivered: false,
    });

    const [request] = requestsTo(path);
    expect(request).toBeDefined();
    expect(request!.headers[webhookHeaders.id]).toBe(done.id);
    expect(request!.headers[webhookHeaders.signature]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const signed = {
      id: request!.headers[webhookHeaders.id] as string,
      timestamp: request!.headers[webhookHeaders.timestamp] as string,
      signature: request!.headers[webhookHeaders.signature] as string,
    };
    expect(verifyWebhook(signingSecret, signed, request!.body, new Date())).toBe(true);
    expect(verifyWebhook(signingSecret, signed, request!.body.replace("7", "8"), new Date())).toBe(false);
    // The library every language has agrees; the callback secret does not verify a caller's notification.
    const sent = request!.headers as Record<string, string>;
    expect(new Webhook(signingSecret).verify(request!.body, sent)).toMatchObject({ event: "report.ready" });
    expect(() => new Webhook(callbackSecret).verify(request!.body, sent)).toThrow(/signature/i);
    expect(JSON.parse(request!.body)).toEqual({
      id: done.id,
      event: "report.ready",
      createdAt: done.createdAt,
      data: { reportId: 7 },
    });
  });

  it("sends a delivery id once, even when two tasks carry it", async () => {
    const path = `/hooks/${randomUUID()}`;
    const deliveryId = `delivery-${randomUUID()}`;
    const input = { url: `${receiverUrl}${path}`, event: "order.paid", payload: {}, deliveryId };
    const first = await notify(input);
    const second = await notify(input);
    expect(first.result).toMatchObject({ deliveryId, alreadyDelivered: false });
    expect(second.status).toBe("succeeded");
    expect(second.result).toMatchObject({ deliveryId, alreadyDelivered: true, status: 200 });
    expect(requestsTo(path)).toHaveLength(1);
  });

  it("retries a 503 with the same delivery id, then succeeds", async () => {
    const path = `/hooks/${randomUUID()}`;
    scripted.set(path, [503]);
    const done = await notify({ url: `${receiverUrl}${path}`, event: "flaky", payload: {} }, 30_000);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(2);
    expect(done.history.find((entry) => entry.status === "retrying")?.error?.type).toBe("webhook_failed");
    const requests = requestsTo(path);
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((request) => request.headers[webhookHeaders.id]))).toEqual(
      new Set([done.id]),
    );
  });

  it("fails at once on a 410, without retrying", async () => {
    const path = `/hooks/${randomUUID()}`;
    scripted.set(path, [410]);
    const done = await notify({ url: `${receiverUrl}${path}`, event: "gone", payload: {} });
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ type: "webhook_rejected", retryable: false });
    expect(done.attempts).toBe(1);
  });

  it.each([
    ["cloud metadata", "http://169.254.169.254/latest/meta-data/", "metadata"],
    ["metadata through IPv4-mapped IPv6", "http://[::ffff:169.254.169.254]/", "metadata"],
    ["a private address", "http://10.1.2.3/hook", "private"],
    ["link-local", "http://169.254.10.20/hook", "link-local"],
    ["IPv6 unique local", "http://[fd12:3456::1]/hook", "private"],
  ])("refuses %s without sending, and does not retry", async (_, url, reason) => {
    const done = await notify({ url, event: "ssrf.probe", payload: {} });
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ type: "webhook_target_blocked", retryable: false });
    expect(done.error!.message).toContain(reason);
  });
});

describe("webhook URLs in views and errors", () => {
  it("delivers to the full URL but shows it without query and credentials, in the task and its error", async () => {
    const path = `/hooks/${randomUUID()}`;
    scripted.set(`${path}?token=s3cret-token`, [410]);
    const done = await notify({
      url: `${receiverUrl}${path}?token=s3cret-token`,
      event: "gone",
      payload: {},
    });
    expect(requestsTo(path)).toHaveLength(0);
    expect(received.some((request) => request.path === `${path}?token=s3cret-token`)).toBe(true);
    expect(done.status).toBe("failed");
    expect((done.input as { url: string }).url).toBe(`${receiverUrl}${path}?redacted`);
    expect(done.error!.message).toContain(`${receiverUrl}${path}?redacted answered 410`);
    expect(JSON.stringify(done)).not.toContain("s3cret-token");
    const listed = await api<{ items: { id: string; input: unknown }[] }>(
      "GET",
      "/v1/tasks?type=send_notification&limit=20",
    );
    expect(JSON.stringify(listed.body.items.find((task) => task.id === done.id))).not.toContain(
      "s3cret-token",
    );
  });

  it("shows a callbackUrl redacted too", async () => {
    const accepted = await submit({
      type: "echo",
      input: { value: 1 },
      callbackUrl: "https://user:pw@hooks.example.com/claw?sig=abc",
    });
    expect(accepted.callbackUrl).toBe("https://redacted@hooks.example.com/claw?redacted");
    const read = await api<{ callbackUrl: string }>("GET", `/v1/tasks/${accepted.id}`);
    expect(read.body.callbackUrl).toBe("https://redacted@hooks.example.com/claw?redacted");
  });
});

interface Verdict {
  readonly status: number;
  readonly reason: string;
}

/**
 * A callback receiver as docs/security.md describes one: the `standardwebhooks`
 * library verifies each request with the callback secret (signature and a
 * 5-minute timestamp tolerance), a webhook-id seen before is a replay, and a
 * callback about a task this receiver did not submit is refused.
 */
async function startCallbackReceiver(secret: () => string) {
  const seenIds = new Set<string>();
  const ownTasks = new Set<string>();
  const deliveries: { headers: Record<string, string>; body: string; verdict: Verdict }[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const headers = request.headers as Record<string, string>;
    let verdict: Verdict;
    try {
      const event = new Webhook(secret()).verify(body, headers) as { data: { taskId: string } };
      if (seenIds.has(headers["webhook-id"]!)) verdict = { status: 409, reason: "replayed" };
      else if (!ownTasks.has(event.data.taskId)) verdict = { status: 403, reason: "not my task" };
      else {
        seenIds.add(headers["webhook-id"]!);
        verdict = { status: 204, reason: "accepted" };
      }
    } catch (error) {
      verdict = { status: 401, reason: (error as Error).message };
    }
    deliveries.push({ headers, body, verdict });
    response.writeHead(verdict.status).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/callbacks`;
  return {
    url,
    deliveries,
    own: (taskId: string) => ownTasks.add(taskId),
    /** Sends a captured request again, as an attacker who saw it would. */
    replay: async (captured: { headers: Record<string, string>; body: string }) => {
      const {
        "content-length": _length,
        host: _host,
        connection: _connection,
        ...headers
      } = captured.headers;
      await fetch(url, { method: "POST", headers, body: captured.body });
      return deliveries.at(-1)!.verdict;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe("completion callbacks: verified by a Standard Webhooks receiver, unforgeable and not replayable", () => {
  it("accepts the real callback, and refuses a caller's forgery and every replay", async () => {
    const receiver = await startCallbackReceiver(() => callbackSecret);
    const elsewhere = await startCallbackReceiver(() => callbackSecret);
    const later = await startCallbackReceiver(() => callbackSecret);
    try {
      // The real one: a task with a callbackUrl ends, the system signs its callback with the callback secret.
      const task = await submit({ type: "echo", input: { value: 42 }, callbackUrl: receiver.url });
      receiver.own(task.id);
      await waitForStatus(task.id, ["succeeded"]);
      await eventually(
        async () => receiver.deliveries.length,
        (count) => count > 0,
        30_000,
      );
      const [real] = receiver.deliveries;
      expect(real!.verdict).toEqual({ status: 204, reason: "accepted" });
      expect(JSON.parse(real!.body)).toMatchObject({
        event: "task.succeeded",
        data: { taskId: task.id, status: "succeeded", result: 42 },
      });

      // A caller cannot send a task.* event at all ...
      const reserved = await api<{ error: { details: { issues: { path: string }[] } } }>(
        "POST",
        "/v1/tasks",
        {
          body: {
            type: "send_notification",
            input: {
              url: receiver.url,
              event: "task.succeeded",
              payload: { taskId: task.id, status: "succeeded" },
            },
          },
        },
      );
      expect(reserved.status).toBe(400);
      expect(reserved.body.error.details.issues.map((issue) => issue.path)).toEqual(["input.event"]);
      // ... and what it can send is signed with the notification secret, which the receiver's check refuses.
      const forged = await notify({
        url: receiver.url,
        event: "task-succeeded",
        payload: { taskId: task.id, status: "succeeded", result: "forged" },
      });
      expect(forged.status).toBe("failed");
      expect(forged.error).toMatchObject({ type: "webhook_rejected", retryable: false });
      expect(receiver.deliveries.at(-1)!.verdict).toMatchObject({ status: 401 });
      // Nor does a request signed with any other secret pass.
      const now = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ id: "x", event: "task.succeeded", data: { taskId: task.id } });
      const otherSecret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
      expect(
        await receiver.replay({
          headers: {
            "content-type": "application/json",
            "webhook-id": "msg_forged",
            "webhook-timestamp": String(now),
            "webhook-signature": signWebhook(otherSecret, "msg_forged", now, body),
          },
          body,
        }),
      ).toMatchObject({ status: 401 });

      // Replays of the real delivery: to the same receiver (the id was seen) ...
      expect(await receiver.replay(real!)).toEqual({ status: 409, reason: "replayed" });
      // ... to another receiver (the task is not one it submitted) ...
      expect(await elsewhere.replay(real!)).toEqual({ status: 403, reason: "not my task" });
      // ... and after the tolerance, even to a receiver that never saw it.
      later.own(task.id);
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 6 * 60_000 });
      try {
        expect(await later.replay(real!)).toMatchObject({
          status: 401,
          reason: expect.stringMatching(/too old/i),
        });
      } finally {
        vi.useRealTimers();
      }
    } finally {
      await Promise.all([receiver.close(), elsewhere.close(), later.close()]);
    }
  }, 60_000);
});

describe("send_notification: SNS", () => {
  it("publishes to a topic, with the delivery id as a message attribute", async () => {
    const name = `notify-${randomUUID().slice(0, 8)}`;
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: Attributes!.QueueArn,
        Attributes: { RawMessageDelivery: "true" },
      }),
    );

    const done = await notify({
      channel: "sns",
      topicArn: TopicArn,
      event: "invoice.sent",
      payload: { n: 1 },
    });
    expect(done.status).toBe("succeeded");
    expect(done.result).toMatchObject({ channel: "sns", deliveryId: done.id });
    expect((done.result as { messageId: string }).messageId).not.toBe("");

    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MessageAttributeNames: ["All"] }),
    );
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages![0]!.Body!)).toMatchObject({
      id: done.id,
      event: "invoice.sent",
      data: { n: 1 },
    });
    expect(Messages![0]!.MessageAttributes?.deliveryId?.StringValue).toBe(done.id);
  });

  it("answers 400 naming topicArn when the sns channel has none", async () => {
    const response = await api<{ error: { details: { issues: { path: string }[] } } }>("POST", "/v1/tasks", {
      body: { type: "send_notification", input: { channel: "sns", event: "x" } },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details.issues.map((issue) => issue.path)).toContain("input.topicArn");
  });
});
