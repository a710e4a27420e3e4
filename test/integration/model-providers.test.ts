/**
 * Integration tier: the model adapters over real HTTP. The OpenAI-compatible
 * adapter talks to a local server that speaks the OpenAI protocol (chat
 * completions, embeddings, error answers); the Bedrock adapter goes through
 * the real AWS SDK to a local endpoint that checks the requests against the
 * shapes Bedrock documents and answers with recorded Bedrock responses.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttp2Server } from "node:http2";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBedrockChatModel,
  createBedrockTitanEmbeddingModel,
} from "../../functions/adapters/bedrock-models.ts";
import { createOpenAiChatModel, createOpenAiEmbeddingModel } from "../../functions/adapters/openai-models.ts";
import { TaskFailure } from "../../functions/core/task-failure.ts";

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Record<string, unknown>;
}

type Responder = (seen: Seen, response: ServerResponse) => void;

/** A local HTTP server; `http2` (cleartext) for the Bedrock Runtime client, which speaks HTTP/2. */
async function startServer(
  respond: Responder,
  http2 = false,
): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const entry = {
      method: request.method!,
      path: request.url!,
      headers: request.headers,
      body: text ? JSON.parse(text) : {},
    };
    seen.push(entry);
    respond(entry, response);
  };
  const server = (http2 ? createHttp2Server(handle as never) : createServer(handle)) as unknown as Server;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

const sendJson = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
};

const signal = () => AbortSignal.timeout(10_000);

describe("OpenAI-compatible adapter", () => {
  let openai: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    openai = await startServer((seen, response) => {
      if (seen.headers.authorization !== "Bearer sk-local-test") {
        return sendJson(response, 401, {
          error: { message: "Incorrect API key provided", type: "invalid_request_error" },
        });
      }
      const model = seen.body.model as string;
      if (seen.path === "/v1/chat/completions") {
        if (model === "busy-model")
          return sendJson(response, 429, { error: { message: "Rate limit reached" } });
        if (model === "slow-model") return; // never answers: the caller's signal must end the wait
        const messages = seen.body.messages as { role: string; content: string }[];
        return sendJson(response, 200, {
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 1_700_000_000,
          model: `${model}-2025-01-01`,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: `echo: ${messages.at(-1)!.content}` },
              finish_reason: "stop",
            },
          ],
          usage: { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 },
        });
      }
      if (seen.path === "/v1/embeddings") {
        const input = seen.body.input as string[];
        // Answered out of order: the adapter must order by index.
        const data = input
          .map((text, index) => ({ object: "embedding", index, embedding: [text.length, index, 1] }))
          .reverse();
        return sendJson(response, 200, {
          object: "list",
          data,
          model,
          usage: { prompt_tokens: 9, total_tokens: 9 },
        });
      }
      sendJson(response, 404, { error: { message: "unknown path" } });
    });
  });
  afterAll(async () => {
    openai.server.closeAllConnections();
    await new Promise((resolve) => openai.server.close(resolve));
  });

  const options = (model: string) => ({
    baseUrl: `${openai.url}/v1/`,
    model,
    apiKey: async () => "sk-local-test",
  });

  it("sends the system prompt, history and limits, and reads the reply, model and usage", async () => {
    const chat = createOpenAiChatModel(options("gpt-test"));
    const reply = await chat.chat({
      system: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "How are tides made?" },
      ],
      temperature: 0.2,
      maxTokens: 64,
      signal: signal(),
    });
    expect(reply).toEqual({
      content: "echo: How are tides made?",
      model: { provider: "openai", id: "gpt-test-2025-01-01" },
      usage: { inputTokens: 21, outputTokens: 5 },
      stopReason: "stop",
    });
    const request = openai.seen.at(-1)!;
    expect(request.body).toMatchObject({
      model: "gpt-test",
      temperature: 0.2,
      max_tokens: 64,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "How are tides made?" },
      ],
    });
  });

  it("embeds a batch in one request and returns the vectors in input order", async () => {
    const embeddings = createOpenAiEmbeddingModel({ ...options("text-embedding-test"), dimensions: 3 });
    const result = await embeddings.embed(["a", "bbb", "cc"], signal());
    expect(result.vectors).toEqual([
      [1, 0, 1],
      [3, 1, 1],
      [2, 2, 1],
    ]);
    expect(result).toMatchObject({
      model: { provider: "openai", id: "text-embedding-test" },
      inputTokens: 9,
    });
    expect(openai.seen.at(-1)!.body).toMatchObject({ input: ["a", "bbb", "cc"], dimensions: 3 });
  });

  it("types failures for the retry policy: 429 retryable, 401 not", async () => {
    const busy = createOpenAiChatModel(options("busy-model"));
    const rejected = createOpenAiChatModel({ ...options("gpt-test"), apiKey: async () => "wrong" });
    const request = { messages: [{ role: "user" as const, content: "x" }], signal: signal() };
    await expect(busy.chat(request)).rejects.toMatchObject({ type: "model_unavailable", retryable: true });
    await expect(rejected.chat(request)).rejects.toMatchObject({
      type: "model_request_rejected",
      retryable: false,
    });
  });

  it("stops waiting when the task's signal fires", async () => {
    const slow = createOpenAiChatModel(options("slow-model"));
    const controller = new AbortController();
    const reply = slow.chat({ messages: [{ role: "user", content: "x" }], signal: controller.signal });
    await once(openai.server, "request");
    controller.abort(new TaskFailure("soft_time_limit", "soft limit", { retryable: true }));
    await expect(reply).rejects.toMatchObject({ type: "soft_time_limit" });
  });
});

/** Recorded Bedrock Runtime responses (Converse; InvokeModel with Titan Text Embeddings v2). */
const recordedConverse = {
  output: { message: { role: "assistant", content: [{ text: "Tides come from the Moon's pull [1]." }] } },
  stopReason: "end_turn",
  usage: { inputTokens: 412, outputTokens: 11, totalTokens: 423 },
  metrics: { latencyMs: 611 },
};
const recordedTitan = (dimensions: number) => ({
  embedding: Array.from({ length: dimensions }, (_, index) => (index % 7) / 10),
  embeddingsByType: { float: [] },
  inputTextTokenCount: 6,
});

describe("Bedrock adapter (recorded shapes)", () => {
  let bedrock: Awaited<ReturnType<typeof startServer>>;
  let client: BedrockRuntimeClient;
  beforeAll(async () => {
    bedrock = await startServer((seen, response) => {
      const converse = /^\/model\/([^/]+)\/converse$/.exec(seen.path);
      const invoke = /^\/model\/([^/]+)\/invoke$/.exec(seen.path);
      if (converse && decodeURIComponent(converse[1]!) === "throttled.model-v1:0") {
        return sendJson(
          response,
          429,
          { message: "Too many requests" },
          { "x-amzn-errortype": "ThrottlingException" },
        );
      }
      if (converse) return sendJson(response, 200, recordedConverse);
      if (invoke) return sendJson(response, 200, recordedTitan((seen.body.dimensions as number) ?? 1024));
      sendJson(response, 404, { message: "unknown" }, { "x-amzn-errortype": "ResourceNotFoundException" });
    }, true);
    client = new BedrockRuntimeClient({
      endpoint: bedrock.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => bedrock.server.close(resolve));
  });

  it("sends a Converse request of the documented shape, signed, and reads the reply", async () => {
    const chat = createBedrockChatModel(client, "amazon.nova-lite-v1:0");
    const reply = await chat.chat({
      system: "Use the sources.",
      messages: [{ role: "user", content: "Why are there tides?" }],
      temperature: 0.3,
      maxTokens: 200,
      signal: signal(),
    });
    expect(reply).toEqual({
      content: "Tides come from the Moon's pull [1].",
      model: { provider: "bedrock", id: "amazon.nova-lite-v1:0" },
      usage: { inputTokens: 412, outputTokens: 11 },
      stopReason: "end_turn",
    });
    const request = bedrock.seen.at(-1)!;
    expect(request.method).toBe("POST");
    expect(decodeURIComponent(request.path)).toBe("/model/amazon.nova-lite-v1:0/converse");
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/us-east-1\/bedrock\//,
    );
    expect(request.body).toEqual({
      system: [{ text: "Use the sources." }],
      messages: [{ role: "user", content: [{ text: "Why are there tides?" }] }],
      inferenceConfig: { temperature: 0.3, maxTokens: 200 },
    });
  });

  it("embeds each text with Titan v2 (inputText, dimensions, normalize) and sums the tokens", async () => {
    const embeddings = createBedrockTitanEmbeddingModel(client, { dimensions: 256 });
    const result = await embeddings.embed(["first text", "second text"], signal());
    expect(result.vectors).toHaveLength(2);
    expect(result.vectors[0]).toHaveLength(256);
    expect(result).toMatchObject({
      model: { provider: "bedrock", id: "amazon.titan-embed-text-v2:0" },
      inputTokens: 12,
    });
    const invokes = bedrock.seen.filter((seen) => seen.path.endsWith("/invoke")).slice(-2);
    expect(
      invokes.map((seen) => seen.body).sort((a, b) => String(a.inputText).localeCompare(String(b.inputText))),
    ).toEqual([
      { inputText: "first text", dimensions: 256, normalize: true },
      { inputText: "second text", dimensions: 256, normalize: true },
    ]);
    expect(decodeURIComponent(invokes[0]!.path)).toBe("/model/amazon.titan-embed-text-v2:0/invoke");
  });

  it("turns throttling into a retryable failure", async () => {
    const chat = createBedrockChatModel(client, "throttled.model-v1:0");
    await expect(
      chat.chat({ messages: [{ role: "user", content: "x" }], signal: signal() }),
    ).rejects.toMatchObject({
      type: "model_unavailable",
      retryable: true,
    });
  });
});
