/**
 * The client's retries and idempotency, against a loopback HTTP server that
 * plays the API: 429 with Retry-After, 503, answers lost on the way back,
 * and a submission the API recorded but could not queue.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ClawTasksApiError, ClawTasksClient, ClawTasksConnectionError, retryAfterMs } from "../src/index.ts";

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly idempotencyKey: string | undefined;
}

type Answer = (request: IncomingMessage, response: ServerResponse, body: string) => void;

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server that answers the n-th request with `answers[n]` (the last one from then on), recording each. */
async function fakeApi(answers: readonly Answer[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      seen.push({
        method: request.method!,
        url: request.url!,
        idempotencyKey: request.headers["idempotency-key"] as string | undefined,
      });
      answers[Math.min(seen.length, answers.length) - 1]!(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (_request, response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(body));
  };
/** The request arrives and is handled, but the answer never reaches the client. */
const lostAnswer: Answer = (request) => request.socket.destroy();

const task = (id: string, status = "queued") => ({ id, type: "echo", status });
const fast = { baseDelayMs: 5, maxDelayMs: 20 };

describe("retries", () => {
  it("waits out a 429's Retry-After, then succeeds", async () => {
    const api = await fakeApi([
      json(429, { error: { code: "throttled", message: "slow down" } }, { "retry-after": "1" }),
      json(200, task("t1")),
    ]);
    const client = new ClawTasksClient({ url: api.url, apiKey: "k", retry: fast });
    const started = Date.now();
    expect(await client.get("t1")).toMatchObject({ id: "t1" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(api.seen).toHaveLength(2);
  });

  it("retries 503 and lost answers of reads with backoff", async () => {
    const api = await fakeApi([
      json(503, { message: "Service Unavailable" }),
      lostAnswer,
      json(200, task("t1", "running")),
    ]);
    const client = new ClawTasksClient({ url: api.url, apiKey: "k", retry: fast });
    expect(await client.get("t1")).toMatchObject({ status: "running" });
    expect(api.seen.map((request) => request.url)).toEqual(["/v1/tasks/t1", "/v1/tasks/t1", "/v1/tasks/t1"]);
  });

  it("gives up after the configured retries, and at once when retries are off", async () => {
    const api = await fakeApi([json(503, { message: "Service Unavailable" })]);
    const retrying = new ClawTasksClient({ url: api.url, apiKey: "k", retry: { ...fast, retries: 2 } });
    await expect(retrying.stats()).rejects.toMatchObject({ status: 503 });
    expect(api.seen).toHaveLength(3);
    const once = new ClawTasksClient({ url: api.url, apiKey: "k", retry: false });
    await expect(once.stats()).rejects.toBeInstanceOf(ClawTasksApiError);
    expect(api.seen).toHaveLength(4);
  });

  it("does not wait for a Retry-After longer than maxRetryAfterMs", async () => {
    const api = await fakeApi([json(429, { message: "Too Many Requests" }, { "retry-after": "3600" })]);
    const client = new ClawTasksClient({ url: api.url, apiKey: "k", retry: fast });
    await expect(client.stats()).rejects.toMatchObject({ status: 429, retryAfterMs: 3_600_000 });
    expect(api.seen).toHaveLength(1);
  });

  it("does not resend a cancel whose answer was lost (it is not idempotent)", async () => {
    const api = await fakeApi([lostAnswer, json(200, task("t1", "cancelled"))]);
    const client = new ClawTasksClient({ url: api.url, apiKey: "k", retry: fast });
    await expect(client.cancel("t1")).rejects.toBeInstanceOf(ClawTasksConnectionError);
    expect(api.seen).toHaveLength(1);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs("2")).toBe(2_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs("soon")).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe("submit", () => {
  it("sends the same Idempotency-Key again after a lost answer, so the API returns the first task", async () => {
    // Prepare: the fake API keeps tasks by key, as the real one does.
    const byKey = new Map<string, string>();
    const created = (request: IncomingMessage) => {
      const key = request.headers["idempotency-key"] as string;
      if (!byKey.has(key)) byKey.set(key, `t${byKey.size + 1}`);
      return task(byKey.get(key)!);
    };
    const api = await fakeApi([
      // The task is made, then the connection drops before the answer goes out.
      (request) => {
        created(request);
        request.socket.destroy();
      },
      (request, response, body) => json(202, created(request))(request, response, body),
    ]);
    const client = new ClawTasksClient({ url: api.url, apiKey: "k", retry: fast });

    // Act
    const submitted = await client.submit("echo", { value: 1 });

    // Assess: two requests, one key (generated, since none was given), one task.
    expect(api.seen).toHaveLength(2);
    expect(api.seen[0]!.idempotencyKey).toMatch(/^ct-client-[0-9a-f-]{36}$/);
    expect(api.seen[1]!.idempotencyKey).toBe(api.seen[0]!.idempotencyKey);
    expect(byKey.size).toBe(1);
    expect(submitted.id).toBe("t1");
  });

  it("keeps the caller's Idempotency-Key", async () => {
    const api = await fakeApi([json(202, task("t1"))]);
    await new ClawTasksClient({ url: api.url, apiKey: "k" }).submit(
      "echo",
      {},
      { idempotencyKey: "order-42" },
    );
    expect(api.seen[0]!.idempotencyKey).toBe("order-42");
  });

  it("sends no key with idempotencyKey: false, and then does not resend after a lost answer", async () => {
    const api = await fakeApi([lostAnswer, json(202, task("t2"))]);
    const client = new ClawTasksClient({ url: api.url, apiKey: "k", retry: fast });
    await expect(client.submit("echo", {}, { idempotencyKey: false })).rejects.toBeInstanceOf(
      ClawTasksConnectionError,
    );
    expect(api.seen).toEqual([{ method: "POST", url: "/v1/tasks", idempotencyKey: undefined }]);
  });

  it("re-sends a task the API recorded but could not queue by id, never as a second submission", async () => {
    const api = await fakeApi([
      json(503, {
        error: { code: "service_unavailable", message: "could not queue", details: { taskId: "t7" } },
      }),
      json(202, task("t7")),
    ]);
    const client = new ClawTasksClient({ url: api.url, apiKey: "k", retry: fast });
    expect(await client.submit("echo", {})).toMatchObject({ id: "t7" });
    expect(api.seen.map((request) => `${request.method} ${request.url}`)).toEqual([
      "POST /v1/tasks",
      "POST /v1/tasks/t7/retry",
    ]);
  });
});
