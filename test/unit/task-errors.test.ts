/**
 * Unit tier: what a failed task's record shows every `read` key, and what
 * only the worker's log gets (functions/core/task-failure.ts): the model
 * adapters against a real local HTTP server and a failing Bedrock client,
 * the S3 document source, and the worker's failure log line.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBedrockChatModel } from "../../functions/adapters/bedrock-models.ts";
import { createOpenAiChatModel } from "../../functions/adapters/openai-models.ts";
import { createS3DocumentSource } from "../../functions/adapters/s3-document-source.ts";
import { envelopeOf } from "../../functions/core/envelope.ts";
import { runDelivery } from "../../functions/core/run-task.ts";
import { submitTask } from "../../functions/core/submit-task.ts";
import { describeFailure, TaskFailure } from "../../functions/core/task-failure.ts";
import { corePorts } from "../support/core-ports.ts";

/** Throws what `run` rejects with, or fails the test when it resolves. */
async function failureOf(run: () => Promise<unknown>): Promise<TaskFailure> {
  const outcome = await run().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(TaskFailure);
  return outcome as TaskFailure;
}

/** The record's view of a failure, as JSON: what any `read` key would see. */
const recorded = (failure: TaskFailure) => JSON.stringify(describeFailure(failure, []));

let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(503, { "content-type": "text/plain" });
    response.end("pool db-internal-7.corp.example (10.1.2.3) exhausted; org-key sk-live-123");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1?api-version=secret-tenant`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const chatRequest = {
  messages: [{ role: "user" as const, content: "hi" }],
  signal: AbortSignal.timeout(5_000),
};

describe("model provider errors", () => {
  it("records an OpenAI-compatible endpoint's status, not its URL or response body, which the detail keeps", async () => {
    const model = createOpenAiChatModel({ baseUrl, model: "m" });
    const failure = await failureOf(() => model.chat(chatRequest));
    expect(failure).toMatchObject({ type: "model_unavailable", retryable: true });
    expect(failure.message).toBe("the model endpoint answered 503");
    for (const secret of ["127.0.0.1", "secret-tenant", "10.1.2.3", "sk-live-123", "corp.example"]) {
      expect(recorded(failure)).not.toContain(secret);
    }
    expect(failure.detail).toContain("secret-tenant");
    expect(failure.detail).toContain("sk-live-123");
  });

  it("records an unreachable endpoint without naming it", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const model = createOpenAiChatModel({ baseUrl: `http://127.0.0.1:${port}/private-gateway`, model: "m" });
    const failure = await failureOf(() => model.chat(chatRequest));
    expect(failure.message).toBe("the model endpoint is unreachable");
    expect(recorded(failure)).not.toContain("private-gateway");
    expect(failure.detail).toContain("private-gateway");
  });

  it("records Bedrock's error name, not its message with ARNs", async () => {
    const arn = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-lite-v1:0";
    const client = {
      send: async () => {
        throw Object.assign(new Error(`User is not authorized to perform bedrock:InvokeModel on ${arn}`), {
          name: "AccessDeniedException",
        });
      },
    } as unknown as BedrockRuntimeClient;
    const failure = await failureOf(() =>
      createBedrockChatModel(client, "eu.amazon.nova-lite-v1:0").chat(chatRequest),
    );
    expect(failure).toMatchObject({ type: "model_request_rejected", retryable: false });
    expect(failure.message).toBe("the model refused the request (AccessDeniedException)");
    expect(recorded(failure)).not.toContain("123456789012");
    expect(failure.detail).toContain(arn);
  });
});

describe("S3 document errors", () => {
  const failingClient = (name: string, message: string) =>
    ({
      send: async () => {
        throw Object.assign(new Error(message), { name });
      },
    }) as unknown as S3Client;

  it.each([
    ["NoSuchKey", "The specified key does not exist.", "document_unavailable", false],
    ["SlowDown", "Please reduce your request rate for tenant-a-private-bucket", "document_unavailable", true],
  ] as const)("names neither bucket nor key on %s", async (name, message, type, retryable) => {
    const source = createS3DocumentSource(failingClient(name, message), "tenant-a-private-bucket");
    const failure = await failureOf(() =>
      source.readText({ key: "contracts/acme-merger.txt" }, AbortSignal.timeout(5_000)),
    );
    expect(failure).toMatchObject({ type, retryable });
    expect(recorded(failure)).not.toContain("tenant-a-private-bucket");
    expect(recorded(failure)).not.toContain("acme-merger");
    expect(failure.detail).toContain("s3://tenant-a-private-bucket/contracts/acme-merger.txt");
  });
});

describe("the worker's failure log", () => {
  it("records the safe message on the task and logs the detail with the task id", async () => {
    const ports = corePorts();
    const { task } = await submitTask(
      { type: "echo", input: { value: 1 }, priority: "normal", maxAttempts: 1 },
      ports.deps,
    );
    const leaky = async () => {
      throw new TaskFailure("model_unavailable", "the model endpoint answered 503", {
        retryable: true,
        detail: "https://llm.internal.example/v1 answered 503: sk-live-123",
      });
    };
    await runDelivery(envelopeOf(task), ports.delivery(leaky));
    const failed = await ports.store.get(task.id);
    expect(failed?.error).toEqual({
      type: "model_unavailable",
      message: "the model endpoint answered 503",
      retryable: true,
    });
    expect(JSON.stringify(failed)).not.toContain("sk-live-123");
    const line = ports.logged.find((entry) => entry.message === "attempt failed");
    expect(line?.details).toMatchObject({
      taskId: task.id,
      errorType: "model_unavailable",
      detail: "https://llm.internal.example/v1 answered 503: sk-live-123",
    });
  });

  it("records an unexpected error by its name only, and logs its message", async () => {
    const ports = corePorts();
    const { task } = await submitTask(
      { type: "echo", input: { value: 1 }, priority: "normal", maxAttempts: 1 },
      ports.deps,
    );
    const crashing = async () => {
      throw new RangeError("bucket tenant-b-exports is over quota");
    };
    await runDelivery(envelopeOf(task), ports.delivery(crashing));
    const failed = await ports.store.get(task.id);
    expect(failed?.error?.message).toBe(
      "unexpected error (RangeError); the worker's log has the details under this task's id",
    );
    expect(JSON.stringify(failed)).not.toContain("tenant-b-exports");
    const line = ports.logged.find((entry) => entry.message === "attempt failed");
    expect(line?.details).toMatchObject({
      taskId: task.id,
      error: "RangeError: bucket tenant-b-exports is over quota",
    });
  });
});
