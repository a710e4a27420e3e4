/**
 * Integration tier, through HTTP against the local runtime: send_notification
 * delivers signed webhooks to a real local receiver (loopback is allowed
 * locally), sends each delivery id once, retries per policy, refuses
 * private, link-local and metadata targets, and publishes to SNS (fauxqs).
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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhook, webhookHeaders } from "../../functions/core/webhook-signature.ts";
import { api, localRuntime, submit, waitForStatus } from "./api-client.ts";

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
let signingSecret: string;

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
  const { SecretString } = await secrets.send(
    new GetSecretValueCommand({ SecretId: runtime.outputs.WebhookSigningSecretArn }),
  );
  secrets.destroy();
  signingSecret = SecretString!;
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
  it("delivers a webhook signed over timestamp and body with the documented headers", async () => {
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
    expect(request!.headers[webhookHeaders.delivery]).toBe(done.id);
    expect(request!.headers[webhookHeaders.event]).toBe("report.ready");
    expect(request!.headers[webhookHeaders.signature]).toMatch(/^sha256=[0-9a-f]{64}$/);
    const signed = {
      timestamp: request!.headers[webhookHeaders.timestamp] as string,
      signature: request!.headers[webhookHeaders.signature] as string,
    };
    expect(verifyWebhook(signingSecret, signed, request!.body, new Date())).toBe(true);
    expect(verifyWebhook(signingSecret, signed, request!.body.replace("7", "8"), new Date())).toBe(false);
    expect(verifyWebhook("another secret", signed, request!.body, new Date())).toBe(false);
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
    expect(new Set(requests.map((request) => request.headers[webhookHeaders.delivery]))).toEqual(
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
