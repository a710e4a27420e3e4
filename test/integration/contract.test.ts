/**
 * Integration tier, the contract: every route of the route table is called
 * against the local runtime (each documented success status and at least one
 * error), and every response body is validated against the OpenAPI document
 * the API serves, with a JSON Schema 2020-12 validator. A status the document
 * does not list for the route fails the test, and so does a field it does not
 * describe.
 */
import { randomUUID } from "node:crypto";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { apiRoutes, routeKeyOf } from "../../functions/api/routes.ts";
import type { Task } from "../../functions/core/task.ts";
import { lanes } from "../../functions/tasks/lanes.ts";
import { type ApiResponse, api, eventually, submit, waitForStatus } from "./api-client.ts";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
let document: OpenApiDocument;
/** `METHOD /path` -> statuses seen and validated. */
const seen = new Map<string, Set<number>>();

const pointer = (...parts: string[]) =>
  parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/** Calls a route and checks the answer against the document; `values` fill the path's `{params}`. */
async function call<T = unknown>(
  method: string,
  template: string,
  options: Parameters<typeof api>[2] & { values?: Record<string, string>; query?: string } = {},
): Promise<ApiResponse<T>> {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(options.values?.[name] ?? ""),
  );
  const response = await api<T>(method, `${path}${options.query ?? ""}`, options);
  const operation = document.paths[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is not in the document`).toBeDefined();
  const documented = operation!.responses[String(response.status)];
  expect(
    documented,
    `${method} ${template} answered ${response.status}, which the document does not list: ${JSON.stringify(response.body)}`,
  ).toBeDefined();
  if (documented!.content) {
    const validate = ajv.compile({
      $ref: `openapi.json#/${pointer("paths", template, method.toLowerCase(), "responses", String(response.status), "content", "application/json", "schema")}`,
    });
    const valid = validate(response.body);
    expect(valid, `${method} ${template} ${response.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  } else {
    expect(response.body).toBeUndefined();
  }
  const key = `${method} ${template}`;
  if (!seen.has(key)) seen.set(key, new Set());
  seen.get(key)!.add(response.status);
  return response;
}

beforeAll(async () => {
  const response = await api<OpenApiDocument & { openapi: string }>("GET", "/v1/openapi.json");
  expect(response.status).toBe(200);
  expect(response.body.openapi).toBe("3.1.0");
  document = response.body;
  ajv.addSchema(document as object, "openapi.json");
});

describe("the OpenAPI document", () => {
  it("describes every route of the route table, and nothing else", () => {
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(apiRoutes.map(routeKeyOf).sort());
  });

  it("is served only to authenticated callers", async () => {
    await call("GET", "/v1/openapi.json", { key: null });
    await call("GET", "/v1/openapi.json");
  });
});

describe("every route answers as documented", () => {
  it("health", async () => {
    await call("GET", "/v1/health", { key: null });
  });

  it("whoami", async () => {
    expect((await call("GET", "/v1/whoami")).status).toBe(200);
    expect((await call("GET", "/v1/whoami", { key: "ct_wrong" })).status).toBe(401);
  });

  it("submit, with and without idempotency, and its errors", async () => {
    const key = `contract-${randomUUID()}`;
    const body = { type: "echo", input: { value: { nested: [1, "two"] } }, tags: { suite: "contract" } };
    const first = await call<Task>("POST", "/v1/tasks", { body, headers: { "Idempotency-Key": key } });
    expect(first.status).toBe(202);
    expect((await call("POST", "/v1/tasks", { body, headers: { "Idempotency-Key": key } })).status).toBe(202);
    const reused = await call("POST", "/v1/tasks", {
      body: { ...body, input: { value: "other" } },
      headers: { "Idempotency-Key": key },
    });
    expect(reused.status).toBe(409);
    expect((await call("POST", "/v1/tasks", { body: { type: "echo", input: { sleepMs: -1 } } })).status).toBe(
      400,
    );
    expect((await call("POST", "/v1/tasks", { body, key: "ct_wrong" })).status).toBe(401);

    // A finished task carries result, history with attempts, timings: all described.
    await waitForStatus(first.body.id, ["succeeded"]);
    expect((await call("GET", "/v1/tasks/{id}", { values: { id: first.body.id } })).status).toBe(200);
    // A failed one carries an error.
    const failed = await submit({ type: "echo", input: { fail: "permanent" } });
    await waitForStatus(failed.id, ["failed"]);
    const read = await call<Task>("GET", "/v1/tasks/{id}", { values: { id: failed.id } });
    expect(read.body.error).toBeDefined();
  });

  it("the AI shortcut", async () => {
    const accepted = await call<Task>("POST", "/v1/tasks/ai/generate", {
      body: { conversationId: "c-1", userMessage: "hello", priority: "low", delaySeconds: 600 },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ type: "generate_ai_response", status: "scheduled" });
    await call("POST", "/v1/tasks/{id}/cancel", { values: { id: accepted.body.id } });
    expect((await call("POST", "/v1/tasks/ai/generate", { body: { userMessage: "no id" } })).status).toBe(
      400,
    );
  });

  it("list", async () => {
    expect((await call("GET", "/v1/tasks", { query: "?type=echo&limit=2" })).status).toBe(200);
    expect((await call("GET", "/v1/tasks", { query: "?limit=1000" })).status).toBe(400);
  });

  it("get: unknown task", async () => {
    expect((await call("GET", "/v1/tasks/{id}", { values: { id: randomUUID() } })).status).toBe(404);
  });

  it("cancel: waiting (200), running (202), finished (409), unknown (404)", async () => {
    const waiting = await submit({ type: "echo", delaySeconds: 600 });
    expect((await call("POST", "/v1/tasks/{id}/cancel", { values: { id: waiting.id } })).status).toBe(200);
    const running = await submit({ type: "echo", input: { sleepMs: 20_000 } });
    await waitForStatus(running.id, ["running"]);
    expect((await call("POST", "/v1/tasks/{id}/cancel", { values: { id: running.id } })).status).toBe(202);
    await waitForStatus(running.id, ["cancelled"]);
    expect((await call("POST", "/v1/tasks/{id}/cancel", { values: { id: running.id } })).status).toBe(409);
    expect((await call("POST", "/v1/tasks/{id}/cancel", { values: { id: randomUUID() } })).status).toBe(404);
  });

  it("retry: cancelled (202), queued again (409), unknown (404)", async () => {
    const waiting = await submit({ type: "echo", delaySeconds: 600 });
    await api("POST", `/v1/tasks/${waiting.id}/cancel`);
    expect((await call("POST", "/v1/tasks/{id}/retry", { values: { id: waiting.id } })).status).toBe(202);
    const again = await call("POST", "/v1/tasks/{id}/retry", { values: { id: waiting.id } });
    expect(again.status).toBe(409);
    expect((await call("POST", "/v1/tasks/{id}/retry", { values: { id: randomUUID() } })).status).toBe(404);
  });

  it("stats and queues", async () => {
    expect((await call("GET", "/v1/stats")).status).toBe(200);
    expect((await call("GET", "/v1/stats", { key: null })).status).toBe(401);
    expect((await call("GET", "/v1/stats/activity", { query: "?minutes=5" })).status).toBe(200);
    expect((await call("GET", "/v1/stats/activity", { query: "?minutes=0" })).status).toBe(400);
    expect((await call("GET", "/v1/queues")).status).toBe(200);
    expect((await call("GET", "/v1/queues", { key: null })).status).toBe(401);
  });

  it("redrive", async () => {
    // A lane no other test dead-letters, so its (empty) DLQ is nobody's fixture.
    const lane = "notification_default";
    expect((await call("POST", "/v1/queues/{lane}/redrive", { values: { lane } })).status).toBe(200);
    expect((await call("POST", "/v1/queues/{lane}/redrive", { values: { lane: "nope" } })).status).toBe(404);
  });

  it("rate limits", async () => {
    // A type no other test submits, so changing its limit disturbs nothing.
    const type = "delete_knowledge_vectors";
    expect((await call("GET", "/v1/rate-limits")).status).toBe(200);
    expect((await call("GET", "/v1/rate-limits", { key: null })).status).toBe(401);
    const set = await call("PUT", "/v1/rate-limits/{type}", { values: { type }, body: { perMinute: 7 } });
    expect(set.body).toMatchObject({ type, perMinute: 7, source: "override" });
    const bad = await call("PUT", "/v1/rate-limits/{type}", { values: { type }, body: { perMinute: 0 } });
    expect(bad.status).toBe(400);
    const unknown = { values: { type: "nope" }, body: { perMinute: 1 } };
    expect((await call("PUT", "/v1/rate-limits/{type}", unknown)).status).toBe(404);
    const reset = await call("DELETE", "/v1/rate-limits/{type}", { values: { type } });
    expect(reset.body).toMatchObject({ type, source: "catalog" });
    expect((await call("DELETE", "/v1/rate-limits/{type}", { values: { type: "nope" } })).status).toBe(404);
  });
});

describe("keys, scopes and throttling", () => {
  it("lists, creates and revokes keys; a key lacking the scope gets 403, one over its rate 429", async () => {
    expect((await call("GET", "/v1/keys")).status).toBe(200);
    const readOnly = await call<{ id: string; key: string }>("POST", "/v1/keys", {
      body: { name: `contract ${randomUUID()}`, scopes: ["read"] },
    });
    expect(readOnly.status).toBe(201);
    const forbidden = await call("POST", "/v1/tasks", { body: { type: "echo" }, key: readOnly.body.key });
    expect(forbidden.status).toBe(403);
    expect((await call("GET", "/v1/keys", { key: readOnly.body.key })).status).toBe(403);
    expect((await call("POST", "/v1/keys", { body: { name: "" } })).status).toBe(400);

    const slow = await call<{ key: string }>("POST", "/v1/keys", {
      body: { name: `contract slow ${randomUUID()}`, scopes: ["read"], ratePerSecond: 0.01 },
    });
    await call("GET", "/v1/stats", { key: slow.body.key });
    expect((await call("GET", "/v1/stats", { key: slow.body.key })).status).toBe(429);

    expect((await call("DELETE", "/v1/keys/{id}", { values: { id: readOnly.body.id } })).status).toBe(200);
    expect((await call("DELETE", "/v1/keys/{id}", { values: { id: "f".repeat(64) } })).status).toBe(404);
  });
});

describe("conversations and knowledge search", () => {
  it("a conversation's messages, and the errors", async () => {
    const conversationId = `contract-${randomUUID()}`;
    const task = await submit({ type: "generate_ai_response", input: { conversationId, userMessage: "hi" } });
    expect((await waitForStatus(task.id, ["succeeded", "failed"], 55_000)).status).toBe("succeeded");
    const page = await call<{ items: unknown[] }>("GET", "/v1/conversations/{id}", {
      values: { id: conversationId },
    });
    expect(page.body.items).toHaveLength(2);
    expect(
      (await call("GET", "/v1/conversations/{id}", { values: { id: `never-${randomUUID()}` } })).status,
    ).toBe(404);
    const badLimit = { values: { id: conversationId }, query: "?limit=0" };
    expect((await call("GET", "/v1/conversations/{id}", badLimit)).status).toBe(400);
  });

  it("search, and its errors", async () => {
    const kb = `contract-${randomUUID().slice(0, 8)}`;
    const found = await call("GET", "/v1/knowledge-bases/{kb}/search", {
      values: { kb },
      query: "?q=hello&k=3",
    });
    expect(found.status).toBe(200);
    expect((await call("GET", "/v1/knowledge-bases/{kb}/search", { values: { kb } })).status).toBe(400);
  });
});

describe("schedules and workers", () => {
  it("create, list, read, change and delete a schedule, and the errors", async () => {
    const name = `contract-${randomUUID().slice(0, 8)}`;
    const values = { name };
    const body = { name, expression: "rate(1 hour)", task: { type: "echo", input: { value: 1 } } };
    expect((await call("POST", "/v1/schedules", { body })).status).toBe(201);
    expect((await call("POST", "/v1/schedules", { body })).status).toBe(409);
    const badExpression = { body: { ...body, name: `${name}-x`, expression: "sometimes" } };
    expect((await call("POST", "/v1/schedules", badExpression)).status).toBe(400);
    expect((await call("GET", "/v1/schedules", { query: "?limit=100" })).status).toBe(200);
    expect((await call("GET", "/v1/schedules", { query: "?limit=0" })).status).toBe(400);
    expect((await call("GET", "/v1/schedules/{name}", { values })).status).toBe(200);
    expect((await call("PATCH", "/v1/schedules/{name}", { values, body: { enabled: false } })).status).toBe(
      200,
    );
    expect((await call("PATCH", "/v1/schedules/{name}", { values, body: {} })).status).toBe(400);
    expect((await call("DELETE", "/v1/schedules/{name}", { values })).status).toBe(204);
    expect((await call("DELETE", "/v1/schedules/{name}", { values })).status).toBe(404);
    expect((await call("GET", "/v1/schedules/{name}", { values })).status).toBe(404);
    const gone = { values, body: { enabled: true } };
    expect((await call("PATCH", "/v1/schedules/{name}", gone)).status).toBe(404);
  });

  it("list workers; change one (to what it is, so no other test notices)", async () => {
    expect((await call("GET", "/v1/workers")).status).toBe(200);
    expect((await call("GET", "/v1/workers", { key: null })).status).toBe(401);
    const lane = "notification_default";
    const same = { enabled: true, maxConcurrency: lanes[lane].maxConcurrency };
    expect((await call("PATCH", "/v1/workers/{lane}", { values: { lane }, body: same })).status).toBe(200);
    const tooSmall = { values: { lane }, body: { maxConcurrency: 1 } };
    expect((await call("PATCH", "/v1/workers/{lane}", tooSmall)).status).toBe(400);
    const unknown = { values: { lane: "nope" }, body: same };
    expect((await call("PATCH", "/v1/workers/{lane}", unknown)).status).toBe(404);
  });
});

describe("the original Celery service's routes (/api/v1) answer as documented", () => {
  it("submit, status, list, cancel, retry", async () => {
    const generated = await call<{ task_id: string }>("POST", "/api/v1/tasks/ai/generate", {
      body: { conversation_id: "contract", user_message: "hi", priority: 8 },
    });
    expect(generated.status).toBe(200);
    expect((await call("POST", "/api/v1/tasks/ai/generate", { body: { conversation_id: "c" } })).status).toBe(
      400,
    );
    const sent = await call<{ task_id: string }>("POST", "/api/v1/tasks/send", {
      body: { name: "echo", kwargs: { value: 1 }, countdown: 600 },
    });
    expect(sent.status).toBe(200);
    expect((await call("POST", "/api/v1/tasks/send", { body: { name: "echo", queue: "x" } })).status).toBe(
      400,
    );
    const values = { task_id: sent.body.task_id };
    expect((await call("GET", "/api/v1/tasks/status/{task_id}", { values })).status).toBe(200);
    const missing = { values: { task_id: "no-such-task" } };
    expect((await call("GET", "/api/v1/tasks/status/{task_id}", missing)).status).toBe(404);
    expect((await call("GET", "/api/v1/tasks", { query: "?status=PENDING&limit=5" })).status).toBe(200);
    expect((await call("GET", "/api/v1/tasks", { query: "?status=pending" })).status).toBe(400);
    expect((await call("POST", "/api/v1/tasks/cancel/{task_id}", { values })).status).toBe(200);
    expect((await call("POST", "/api/v1/tasks/cancel/{task_id}", { values })).status).toBe(409);
    expect((await call("POST", "/api/v1/tasks/retry/{task_id}", { values })).status).toBe(200);
    expect((await call("POST", "/api/v1/tasks/retry/{task_id}", missing)).status).toBe(404);
    await call("POST", "/api/v1/tasks/cancel/{task_id}", { values });
  });

  it("stats and workers (a pause undone at once)", async () => {
    expect((await call("GET", "/api/v1/tasks/stats")).status).toBe(200);
    expect((await call("GET", "/api/v1/tasks/stats", { key: null })).status).toBe(401);
    expect((await call("GET", "/api/v1/tasks/workers")).status).toBe(200);
    expect((await call("GET", "/api/v1/tasks/workers", { key: null })).status).toBe(401);
    const queue = { values: { queue: "notification_default" } };
    try {
      expect((await call("POST", "/api/v1/tasks/workers/{queue}/pause", queue)).status).toBe(200);
    } finally {
      expect((await call("POST", "/api/v1/tasks/workers/{queue}/resume", queue)).status).toBe(200);
    }
    const unknown = { values: { queue: "nope" } };
    expect((await call("POST", "/api/v1/tasks/workers/{queue}/pause", unknown)).status).toBe(404);
    expect((await call("POST", "/api/v1/tasks/workers/{queue}/resume", unknown)).status).toBe(404);
  });
});

describe("workflows", () => {
  it("submit, list, read, nodes, cancel and retry, and their errors", async () => {
    const body = {
      workflow: {
        chain: [
          { type: "echo", input: { value: 1, sleepMs: 20_000 } },
          { type: "echo", input: {}, resultInto: "value" },
        ],
      },
    };
    const submitted = await call<{ id: string }>("POST", "/v1/workflows", { body });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    expect((await call("POST", "/v1/workflows", { body: { workflow: { chain: [] } } })).status).toBe(400);
    expect((await call("GET", "/v1/workflows", { query: "?limit=5" })).status).toBe(200);
    expect((await call("GET", "/v1/workflows", { query: "?cursor=not-ours" })).status).toBe(400);
    expect((await call("GET", "/v1/workflows/{id}", { values: { id } })).status).toBe(200);
    expect(
      (await call("GET", "/v1/workflows/{id}", { values: { id: "01ARZ3NDEKTSV4RRFFQ69G5FAV" } })).status,
    ).toBe(404);
    expect(
      (await call("GET", "/v1/workflows/{id}/nodes", { values: { id }, query: "?limit=1" })).status,
    ).toBe(200);
    expect(
      (await call("GET", "/v1/workflows/{id}/nodes", { values: { id }, query: "?cursor=x" })).status,
    ).toBe(400);
    // Not ended yet: nothing to retry.
    expect((await call("POST", "/v1/workflows/{id}/retry", { values: { id } })).status).toBe(409);
    expect((await call("POST", "/v1/workflows/{id}/cancel", { values: { id } })).status).toBe(200);
    expect((await call("POST", "/v1/workflows/{id}/cancel", { values: { id } })).status).toBe(409);
    expect(
      (await call("POST", "/v1/workflows/{id}/cancel", { values: { id: "01ARZ3NDEKTSV4RRFFQ69G5FAV" } }))
        .status,
    ).toBe(404);
    await waitForStatus(`${id}.n0`, ["cancelled"]);
    // Once the cancelled node's end is counted, the failed part runs again.
    const retried = await eventually(
      () => call("POST", "/v1/workflows/{id}/retry", { values: { id } }),
      (response) => response.status === 202,
    );
    expect(retried.status).toBe(202);
    expect(
      (await call("POST", "/v1/workflows/{id}/retry", { values: { id: "01ARZ3NDEKTSV4RRFFQ69G5FAV" } }))
        .status,
    ).toBe(404);
    await call("POST", "/v1/workflows/{id}/cancel", { values: { id } });
  });
});

describe("coverage", () => {
  it("called every route with each documented success status and at least one documented error", () => {
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const key = `${method.toUpperCase()} ${path}`;
        const statuses = seen.get(key) ?? new Set<number>();
        const documented = Object.keys(operation.responses).map(Number);
        for (const status of documented.filter((status) => status < 300)) {
          if (!statuses.has(status)) missing.push(`${key} ${status}`);
        }
        const clientErrors = documented.filter((status) => status >= 400 && status < 500);
        if (clientErrors.length > 0 && !clientErrors.some((status) => statuses.has(status)))
          missing.push(`${key} (no error)`);
      }
    }
    expect(missing).toEqual([]);
  });
});
