/**
 * The workflow builders (the JSON of docs/workflows.md, typed from the
 * catalog) and the client's workflow methods, against a loopback HTTP server
 * that plays the workflow routes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  ClawTasksApiError,
  ClawTasksClient,
  ClawTasksWorkflowTimeoutError,
  chain,
  chord,
  dag,
  group,
  map,
  task,
  type Workflow,
} from "../src/index.ts";

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  readonly idempotencyKey: string | undefined;
}

type Route = (method: string, url: URL, body: unknown) => [status: number, body: unknown];

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server that answers each request with `route(...)`, recording each. */
async function fakeApi(route: Route): Promise<{ client: ClawTasksClient; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      seen.push({
        method: request.method!,
        url: request.url!,
        body,
        idempotencyKey: request.headers["idempotency-key"] as string | undefined,
      });
      const [status, answer] = route(request.method!, new URL(request.url!, "http://fake"), body);
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    client: new ClawTasksClient({ url, apiKey: "k", retry: { baseDelayMs: 5, maxDelayMs: 20 } }),
    seen,
  };
}

const counts = { waiting: 0, active: 0, succeeded: 0, failed: 0, cancelled: 0, expired: 0, skipped: 0 };
const workflow = (status: Workflow["status"], fields: Partial<Workflow> = {}): Workflow => ({
  id: "wf1",
  namespace: "default",
  status,
  failurePolicy: { mode: "fail_fast" },
  nodeCount: 3,
  counts,
  createdAt: "2026-11-30T10:00:00.000Z",
  updatedAt: "2026-11-30T10:00:00.000Z",
  ...fields,
});

describe("builders", () => {
  it("make the contract's JSON: chain, group, chord with resultInto, map, dag", () => {
    const header = Array.from({ length: 100 }, (_, value) => task("echo", { value }));
    expect(chord(header, task("echo", {}, { resultInto: "value" }))).toEqual({
      chord: {
        header: Array.from({ length: 100 }, (_, value) => ({ type: "echo", input: { value } })),
        body: { type: "echo", input: {}, resultInto: "value" },
      },
    });
    expect(
      chain(
        task("echo", { value: 1 }, { id: "first", priority: "high", maxAttempts: 2 }),
        group(task("echo", {}, { resultInto: "value" }), task("echo", { value: 2 })),
        map("echo", { itemInto: "value", items: [1, 2, 3], input: { sleepMs: 10 }, priority: "low" }),
      ),
    ).toEqual({
      chain: [
        { type: "echo", input: { value: 1 }, id: "first", priority: "high", maxAttempts: 2 },
        {
          group: [
            { type: "echo", input: {}, resultInto: "value" },
            { type: "echo", input: { value: 2 } },
          ],
        },
        {
          map: {
            items: [1, 2, 3],
            itemInto: "value",
            task: { type: "echo", input: { sleepMs: 10 }, priority: "low" },
          },
        },
      ],
    });
    expect(
      dag([
        { ...task("echo", { value: 1 }), id: "a" },
        { ...task("echo", { value: 2 }), id: "b" },
        { ...task("echo", {}, { resultInto: "value" }), id: "c", after: ["a", "b"] },
      ]),
    ).toEqual({
      nodes: [
        { type: "echo", input: { value: 1 }, id: "a" },
        { type: "echo", input: { value: 2 }, id: "b" },
        { type: "echo", input: {}, resultInto: "value", id: "c", after: ["a", "b"] },
      ],
    });
  });

  it("type inputs from the catalog (checked by the typecheck)", () => {
    // resultInto names an input field, which may then be left out of the input.
    const body = task("generate_ai_response", { conversationId: "c1" }, { resultInto: "userMessage" });
    // @ts-expect-error without resultInto, userMessage is required
    task("generate_ai_response", { conversationId: "c1" });
    // @ts-expect-error echo has no field `nope`
    task("echo", {}, { resultInto: "nope" });
    // @ts-expect-error echo's input is strict
    task("echo", { nope: 1 });
    // @ts-expect-error sleepMs takes numbers, so items must be numbers
    map("echo", { itemInto: "sleepMs", items: ["soon"] });
    expect(body).toEqual({
      type: "generate_ai_response",
      input: { conversationId: "c1" },
      resultInto: "userMessage",
    });
  });
});

describe("workflow methods", () => {
  it("submitWorkflow posts the body with an Idempotency-Key (the caller's or a random one)", async () => {
    const api = await fakeApi(() => [202, workflow("running")]);
    const canvas = group(task("echo", { value: 1 }), task("echo", { value: 2 }));
    const onError = task("echo", {}, { resultInto: "value" });
    expect(
      await api.client.submitWorkflow(canvas, {
        failurePolicy: { mode: "allow_failures", maxFailures: 1 },
        onError,
        tags: { team: "search" },
        idempotencyKey: "order-42",
      }),
    ).toMatchObject({ id: "wf1", status: "running" });
    await api.client.submitWorkflow(canvas);
    expect(api.seen[0]).toEqual({
      method: "POST",
      url: "/v1/workflows",
      idempotencyKey: "order-42",
      body: {
        workflow: canvas,
        failurePolicy: { mode: "allow_failures", maxFailures: 1 },
        onError,
        tags: { team: "search" },
      },
    });
    expect(api.seen[1]!.idempotencyKey).toMatch(/^ct-client-[0-9a-f-]{36}$/);
    expect(api.seen[1]!.body).toEqual({ workflow: canvas });
  });

  it("getWorkflow, listWorkflows, listWorkflowNodes and cancelWorkflow call their routes", async () => {
    const api = await fakeApi((method, url) => {
      if (url.pathname === "/v1/workflows") return [200, { items: [workflow("running")], nextCursor: "c2" }];
      if (url.pathname.endsWith("/nodes")) return [200, { items: [], nextCursor: null }];
      return [200, workflow(method === "POST" ? "cancelled" : "running")];
    });
    expect(await api.client.getWorkflow("wf 1")).toMatchObject({ status: "running" });
    expect(await api.client.listWorkflows({ status: "running", limit: 5 })).toMatchObject({
      nextCursor: "c2",
    });
    expect(await api.client.listWorkflowNodes("wf1", { limit: 2, cursor: "c1" })).toEqual({
      items: [],
      nextCursor: null,
    });
    expect(await api.client.cancelWorkflow("wf1")).toMatchObject({ status: "cancelled" });
    expect(api.seen.map((request) => `${request.method} ${request.url}`)).toEqual([
      "GET /v1/workflows/wf%201",
      "GET /v1/workflows?status=running&limit=5",
      "GET /v1/workflows/wf1/nodes?limit=2&cursor=c1",
      "POST /v1/workflows/wf1/cancel",
    ]);
  });

  it("waitForWorkflow reads until the workflow ends, reporting each change", async () => {
    let reads = 0;
    const api = await fakeApi(() => {
      reads += 1;
      if (reads < 3) return [200, workflow("running", { counts: { ...counts, active: 3 - reads } })];
      return [200, workflow("succeeded", { result: [1, 2] })];
    });
    const seen: Workflow[] = [];
    const done = await api.client.waitForWorkflow("wf1", { interval: 5, onProgress: (w) => seen.push(w) });
    expect(done).toMatchObject({ status: "succeeded", result: [1, 2] });
    expect(seen.map((w) => [w.status, w.counts.active])).toEqual([
      ["running", 2],
      ["running", 1],
      ["succeeded", 0],
    ]);
  });

  it("waitForWorkflow gives up after its timeout with the workflow as last read", async () => {
    const api = await fakeApi(() => [200, workflow("running")]);
    const waiting = api.client.waitForWorkflow("wf1", { timeout: 50, interval: 20 });
    await expect(waiting).rejects.toBeInstanceOf(ClawTasksWorkflowTimeoutError);
    await expect(waiting).rejects.toMatchObject({ workflow: { id: "wf1", status: "running" } });
  });

  it("a bad node is the API's validation error, its path included", async () => {
    const issue = { path: "workflow.chord.header[3].input.value", message: "bad" };
    const api = await fakeApi(() => [
      400,
      { error: { code: "validation_error", message: "bad request", details: { issues: [issue] } } },
    ]);
    const error = await api.client.submitWorkflow(chain(task("echo", {}))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClawTasksApiError);
    expect((error as ClawTasksApiError).issues).toEqual([issue]);
  });
});
