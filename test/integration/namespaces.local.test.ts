/**
 * Integration tier, local only: namespaces through HTTP. Keys of two fresh
 * namespaces (made with POST /v1/keys) each see only their own tasks,
 * conversations, knowledge bases and schedules: every route answers the
 * other namespace's id as it answers an id that does not exist (404, or an
 * empty search), and nothing the other namespace tries changes anything.
 * An admin key reaches another namespace only by naming it (`?namespace=`).
 * Stats are per namespace; idempotency keys do not collide across
 * namespaces; a task names the key that submitted it. Local only: the
 * offline models and the fast scheduler clock (a rate(1 minute) schedule
 * fires every second).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClawTasksClient } from "../../clients/typescript/src/index.ts";
import { createDynamoRateLimiter } from "../../functions/adapters/dynamodb-rate-limits.ts";
import type { ScheduleView } from "../../functions/core/manage-schedules.ts";
import type { Task, TaskStatus } from "../../functions/core/task.ts";
import { type ApiResponse, api, eventually, localRuntime, target } from "./api-client.ts";

interface CreatedKey {
  readonly key: string;
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
}

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

const suffix = randomBytes(3).toString("hex");
const namespaceA = `it-a-${suffix}`;
const namespaceB = `it-b-${suffix}`;

async function createKey(name: string, namespace: string, scopes: string[]): Promise<CreatedKey> {
  const response = await api<CreatedKey>("POST", "/v1/keys", { body: { name, namespace, scopes } });
  if (response.status !== 201) throw new Error(`key create answered ${response.status}`);
  return response.body;
}

/** A request with `key`; `asNamespace` adds `?namespace=`. */
function as<T>(
  key: CreatedKey,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; asNamespace?: string } = {},
): Promise<ApiResponse<T>> {
  const separator = path.includes("?") ? "&" : "?";
  const url = options.asNamespace ? `${path}${separator}namespace=${options.asNamespace}` : path;
  return api<T>(method, url, {
    key: key.key,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

async function submitAs(key: CreatedKey, body: unknown, headers?: Record<string, string>): Promise<Task> {
  const response = await as<Task>(key, "POST", "/v1/tasks", { body, ...(headers ? { headers } : {}) });
  if (response.status !== 202)
    throw new Error(`submit answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

function waitAs(key: CreatedKey, id: string, statuses: readonly TaskStatus[]): Promise<Task> {
  return eventually(
    async () => (await as<Task>(key, "GET", `/v1/tasks/${id}`)).body,
    (task) => statuses.includes(task.status),
    30_000,
  );
}

async function runAs(key: CreatedKey, type: string, input: unknown): Promise<Task> {
  const task = await submitAs(key, { type, input });
  const done = await waitAs(key, task.id, ["succeeded", "failed"]);
  if (done.status !== "succeeded") throw new Error(`${type} failed: ${JSON.stringify(done.error)}`);
  return done;
}

/** What the API answers for an id nobody has, with the id swapped for the asked one: the bar a hidden record must meet. */
async function expectHiddenLikeMissing(
  key: CreatedKey,
  method: string,
  path: (id: string) => string,
  hiddenId: string,
  body?: unknown,
): Promise<void> {
  const missingId = `${hiddenId.slice(0, -6)}000000`;
  const hidden = await as<ErrorBody>(key, method, path(hiddenId), { body });
  const missing = await as<ErrorBody>(key, method, path(missingId), { body });
  expect(hidden.status, `${method} ${path(hiddenId)}`).toBe(404);
  expect(missing.status).toBe(404);
  expect(hidden.body.error.code).toBe(missing.body.error.code);
  expect(hidden.body.error.message.replace(hiddenId, "ID")).toBe(
    missing.body.error.message.replace(missingId, "ID"),
  );
}

let adminA: CreatedKey;
let userA: CreatedKey;
let userB: CreatedKey;
let adminB: CreatedKey;

beforeAll(async () => {
  [adminA, userA, userB, adminB] = await Promise.all([
    createKey(`admin a ${suffix}`, namespaceA, ["submit", "read", "admin"]),
    createKey(`user a ${suffix}`, namespaceA, ["submit", "read"]),
    createKey(`user b ${suffix}`, namespaceB, ["submit", "read"]),
    createKey(`admin b ${suffix}`, namespaceB, ["submit", "read", "admin"]),
  ]);
});

const schedulesToDelete: { key: () => CreatedKey; name: string }[] = [];
afterAll(async () => {
  for (const { key, name } of schedulesToDelete) await as(key(), "DELETE", `/v1/schedules/${name}`);
});

describe("namespaces", () => {
  it("keys carry their namespace: whoami and the key listing show it", async () => {
    const whoami = await as<{ namespace: string; name: string }>(userB, "GET", "/v1/whoami");
    expect(whoami.body).toMatchObject({ namespace: namespaceB, name: userB.name });
    const listed = await api<{ items: { id: string; namespace: string }[] }>("GET", "/v1/keys");
    expect(listed.body.items.find((item) => item.id === userA.id)?.namespace).toBe(namespaceA);
    // A key made without a namespace is in the default one.
    const plain = await api<CreatedKey>("POST", "/v1/keys", {
      body: { name: `plain ${suffix}`, scopes: ["read"] },
    });
    expect(plain.body.namespace).toBe("default");
    const bad = await api<{ error: { details: { issues: { path: string }[] } } }>("POST", "/v1/keys", {
      body: { name: "bad", namespace: "Not/A#Namespace" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((issue) => issue.path)).toEqual(["namespace"]);
  });

  it("a task is another namespace's 404 on every task route, native and Celery-compatible, and stays as it was", async () => {
    // Delayed, so it waits (scheduled) while the other namespace tries everything on it.
    const waiting = await submitAs(userA, { type: "echo", input: { value: "a" }, delaySeconds: 600 });
    const failing = await submitAs(userA, { type: "echo", input: { value: "x", fail: "permanent" } });
    const failed = await waitAs(userA, failing.id, ["failed"]);

    for (const id of [waiting.id, failed.id]) {
      await expectHiddenLikeMissing(userB, "GET", (x) => `/v1/tasks/${x}`, id);
      await expectHiddenLikeMissing(userB, "POST", (x) => `/v1/tasks/${x}/cancel`, id);
      await expectHiddenLikeMissing(userB, "POST", (x) => `/v1/tasks/${x}/retry`, id);
      expect((await as(userB, "GET", `/api/v1/tasks/status/${id}`)).status).toBe(404);
      expect((await as(userB, "POST", `/api/v1/tasks/cancel/${id}`)).status).toBe(404);
      expect((await as(userB, "POST", `/api/v1/tasks/retry/${id}`)).status).toBe(404);
      // An admin key of another namespace, not naming this one, gets the same 404.
      await expectHiddenLikeMissing(adminB, "GET", (x) => `/v1/tasks/${x}`, id);
      await expectHiddenLikeMissing(adminB, "POST", (x) => `/v1/tasks/${x}/cancel`, id);
    }
    const listedB = await as<{ items: Task[] }>(userB, "GET", "/v1/tasks?limit=100");
    expect(listedB.body.items.map((task) => task.id)).not.toContain(waiting.id);
    const celeryListB = await as<{ tasks: { task_id: string }[] }>(userB, "GET", "/api/v1/tasks");
    expect(celeryListB.body.tasks.map((task) => task.task_id)).not.toContain(waiting.id);

    // Nothing B tried changed A's tasks.
    expect((await as<Task>(userA, "GET", `/v1/tasks/${waiting.id}`)).body.status).toBe("scheduled");
    expect((await as<Task>(userA, "GET", `/v1/tasks/${failed.id}`)).body.status).toBe("failed");
    const listedA = await as<{ items: Task[] }>(userA, "GET", "/v1/tasks?limit=100");
    expect(listedA.body.items.map((task) => task.id)).toContain(waiting.id);
    // Its own namespace may cancel it.
    expect((await as<Task>(userA, "POST", `/v1/tasks/${waiting.id}/cancel`)).status).toBe(200);
  });

  it("an admin key reaches another namespace only by naming it; other keys may not name one", async () => {
    const task = await submitAs(userA, { type: "echo", input: { value: "reach" }, delaySeconds: 600 });
    const named = await as<Task>(adminB, "GET", `/v1/tasks/${task.id}`, { asNamespace: namespaceA });
    expect(named.status).toBe(200);
    expect(named.body.namespace).toBe(namespaceA);
    const listed = await as<{ items: Task[] }>(adminB, "GET", "/v1/tasks", { asNamespace: namespaceA });
    expect(listed.body.items.map((item) => item.id)).toContain(task.id);
    const refused = await as<ErrorBody>(userB, "GET", `/v1/tasks/${task.id}`, { asNamespace: namespaceA });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/only an admin key may name another namespace/);
    // Naming its own namespace is fine for any key; a bad name is a 400 naming the field.
    expect((await as(userA, "GET", `/v1/tasks/${task.id}`, { asNamespace: namespaceA })).status).toBe(200);
    const bad = await as<{ error: { details: { issues: { path: string }[] } } }>(adminB, "GET", "/v1/tasks", {
      asNamespace: "UPPER",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0]?.path).toBe("namespace");
    // A submit into the named namespace lands there, and the admin may cancel it there.
    const placed = await as<Task>(adminB, "POST", "/v1/tasks", {
      body: { type: "echo", input: { value: "placed" }, delaySeconds: 600 },
      asNamespace: namespaceA,
    });
    expect(placed.body.namespace).toBe(namespaceA);
    expect((await as(userA, "GET", `/v1/tasks/${placed.body.id}`)).status).toBe(200);
    expect(
      (await as(adminB, "POST", `/v1/tasks/${task.id}/cancel`, { asNamespace: namespaceA })).status,
    ).toBe(200);
    await as(userA, "POST", `/v1/tasks/${placed.body.id}/cancel`);
  });

  it("a task names the key that submitted it (name and short id, never the key)", async () => {
    const task = await submitAs(userA, { type: "echo", input: { value: "who" } });
    expect(task.submittedBy).toEqual({ name: userA.name, keyId: userA.id.slice(0, 12) });
    expect(task.namespace).toBe(namespaceA);
    const done = await waitAs(userA, task.id, ["succeeded"]);
    expect(done.submittedBy).toEqual({ name: userA.name, keyId: userA.id.slice(0, 12) });
    expect(JSON.stringify(done)).not.toContain(userA.key);
    expect(JSON.stringify(done)).not.toContain(userA.id);
  });

  it("the same Idempotency-Key makes one task per namespace, even from one admin key", async () => {
    const headers = { "Idempotency-Key": `same-${suffix}` };
    const body = { type: "echo", input: { value: "idem" }, delaySeconds: 600 };
    const inA = await as<Task>(adminB, "POST", "/v1/tasks", { body, headers, asNamespace: namespaceA });
    const inB = await as<Task>(adminB, "POST", "/v1/tasks", { body, headers });
    expect(inA.status).toBe(202);
    expect(inB.status).toBe(202);
    expect(inB.body.id).not.toBe(inA.body.id);
    expect(inB.body.namespace).toBe(namespaceB);
    // Within one namespace the key still returns the first task.
    const replay = await as<Task>(adminB, "POST", "/v1/tasks", { body, headers });
    expect(replay.body.id).toBe(inB.body.id);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    await as(adminB, "POST", `/v1/tasks/${inA.body.id}/cancel`, { asNamespace: namespaceA });
    await as(adminB, "POST", `/v1/tasks/${inB.body.id}/cancel`);
  });

  it("a conversation is another namespace's 404, and the same id there is a conversation of its own", async () => {
    const conversationId = `conv-${suffix}`;
    await runAs(userA, "generate_ai_response", { conversationId, userMessage: "hello from a" });
    const ours = await as<{ items: { content: string }[] }>(
      userA,
      "GET",
      `/v1/conversations/${conversationId}`,
    );
    expect(ours.status).toBe(200);
    expect(ours.body.items.map((item) => item.content)).toContain("hello from a");

    await expectHiddenLikeMissing(userB, "GET", (x) => `/v1/conversations/${x}`, conversationId);
    const named = await as(adminB, "GET", `/v1/conversations/${conversationId}`, { asNamespace: namespaceA });
    expect(named.status).toBe(200);

    // B's task writes into B's conversation of that id, which holds nothing of A's.
    await runAs(userB, "generate_ai_response", { conversationId, userMessage: "hello from b" });
    const theirs = await as<{ items: { content: string }[] }>(
      userB,
      "GET",
      `/v1/conversations/${conversationId}`,
    );
    expect(theirs.body.items.map((item) => item.content)).toContain("hello from b");
    expect(theirs.body.items.map((item) => item.content)).not.toContain("hello from a");
    const oursAgain = await as<{ items: { content: string }[] }>(
      userA,
      "GET",
      `/v1/conversations/${conversationId}`,
    );
    expect(oursAgain.body.items.map((item) => item.content)).not.toContain("hello from b");
  });

  it("a knowledge base is searched, and deleted from, only in its namespace", async () => {
    const kb = `kb-${suffix}`;
    const text = "Tides are the rise and fall of sea levels caused by the pull of the Moon and the Sun.";
    await runAs(userA, "vectorize_document", { knowledgeBaseId: kb, documentId: "tides", text });
    const search = (key: CreatedKey, base: string, asNamespace?: string) =>
      as<{ items: { documentId: string }[] }>(key, "GET", `/v1/knowledge-bases/${base}/search?q=tides`, {
        ...(asNamespace ? { asNamespace } : {}),
      });
    expect((await search(userA, kb)).body.items.map((item) => item.documentId)).toContain("tides");
    // From B the base answers as one that does not exist: no matches.
    const fromB = await search(userB, kb);
    const missing = await search(userB, `kb-none-${suffix}`);
    expect(fromB.status).toBe(missing.status);
    expect(fromB.body.items).toEqual([]);
    expect(missing.body.items).toEqual([]);
    expect((await search(adminB, kb, namespaceA)).body.items.map((item) => item.documentId)).toContain(
      "tides",
    );

    // B's delete of the same base deletes nothing of A's.
    const deleted = await runAs(userB, "delete_knowledge_vectors", { knowledgeBaseId: kb });
    expect(deleted.result).toMatchObject({ deletedDocuments: 0, deletedChunks: 0 });
    expect((await search(userA, kb)).body.items.map((item) => item.documentId)).toContain("tides");
  });

  it("a schedule is another namespace's 404 on read, change and delete, and its firings run in its namespace", async () => {
    const name = `it-ns-${suffix}`;
    const body = {
      name,
      expression: "rate(1 minute)",
      timezone: "UTC",
      task: { type: "echo", input: { value: "tick" } },
    };
    const created = await as<ScheduleView>(adminA, "POST", "/v1/schedules", { body });
    expect(created.status).toBe(201);
    schedulesToDelete.push({ key: () => adminA, name });

    await expectHiddenLikeMissing(userB, "GET", (x) => `/v1/schedules/${x}`, name);
    await expectHiddenLikeMissing(adminB, "PATCH", (x) => `/v1/schedules/${x}`, name, { enabled: false });
    await expectHiddenLikeMissing(adminB, "DELETE", (x) => `/v1/schedules/${x}`, name);
    const listedB = await as<{ items: ScheduleView[] }>(userB, "GET", "/v1/schedules?limit=100");
    expect(listedB.body.items.map((item) => item.name)).not.toContain(name);
    const listedA = await as<{ items: ScheduleView[] }>(userA, "GET", "/v1/schedules?limit=100");
    expect(listedA.body.items.map((item) => item.name)).toEqual([name]);
    expect((await as(adminB, "GET", `/v1/schedules/${name}`, { asNamespace: namespaceA })).status).toBe(200);

    // The same name in B is B's own schedule, not a conflict.
    const theirs = await as<ScheduleView>(adminB, "POST", "/v1/schedules", {
      body: { ...body, enabled: false },
    });
    expect(theirs.status).toBe(201);
    schedulesToDelete.push({ key: () => adminB, name });

    // A's schedule still fires (B's PATCH and DELETE did nothing), into A's namespace.
    const fired = await eventually(
      async () => (await as<{ items: Task[] }>(userA, "GET", "/v1/tasks?type=echo&limit=100")).body.items,
      (items) => items.some((task) => task.scheduleName === name && task.status === "succeeded"),
      30_000,
    );
    expect(fired.find((task) => task.scheduleName === name)?.namespace).toBe(namespaceA);
    const inB = await as<{ items: Task[] }>(userB, "GET", "/v1/tasks?type=echo&limit=100");
    expect(inB.body.items.some((task) => task.scheduleName === name)).toBe(false);
    expect((await as(adminA, "PATCH", `/v1/schedules/${name}`, { body: { enabled: false } })).status).toBe(
      200,
    );
  });

  it("stats count each namespace's own tasks", async () => {
    const statsOf = async (key: CreatedKey, asNamespace?: string) =>
      (
        await as<{ byStatus: Partial<Record<TaskStatus, number>> }>(key, "GET", "/v1/stats", {
          ...(asNamespace ? { asNamespace } : {}),
        })
      ).body.byStatus;
    const total = (byStatus: Partial<Record<TaskStatus, number>>) =>
      Object.values(byStatus).reduce((sum, count) => sum + (count ?? 0), 0);
    const listed = async (key: CreatedKey) =>
      (await as<{ items: Task[] }>(key, "GET", "/v1/tasks?limit=100")).body.items.length;
    // Counts follow the records through the table's stream: poll until both agree with the listings.
    const [countA, countB] = await eventually(
      async () => [
        total(await statsOf(userA)),
        await listed(userA),
        total(await statsOf(userB)),
        await listed(userB),
      ],
      ([statsA, listA, statsB, listB]) => statsA === listA && statsB === listB,
    ).then(([countA, , countB]) => [countA, countB]);
    expect(countA).not.toBe(countB);
    expect(total(await statsOf(adminB, namespaceA))).toBe(countA);
  });

  it("the DynamoDB rate limiter counts a namespace's share in slots of its own", async () => {
    const runtime = localRuntime();
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: runtime.region,
        endpoint: runtime.endpoints.dynamodb,
        credentials: runtime.credentials,
      }),
    );
    try {
      const limiter = createDynamoRateLimiter(client, runtime.outputs.TaskTableName!);
      const now = new Date();
      const take = (namespace: string) => limiter.acquire("echo", 2, now, namespace);
      expect(await take(namespaceA)).toEqual({ granted: true });
      expect(await take(namespaceA)).toEqual({ granted: true });
      expect(await take(namespaceA)).toMatchObject({ granted: false });
      // Another namespace's share is counted apart.
      expect(await take(namespaceB)).toEqual({ granted: true });
    } finally {
      client.destroy();
    }
  });

  it("logs who did what: each request with the key's short id, key and rate-limit changes as audit lines", async () => {
    const runtime = localRuntime();
    /** The API function's log entries with `field`, parsed. */
    const entries = (field: string) =>
      readFileSync(runtime.functionLog, "utf8")
        .split("\n")
        .filter((line) => line.includes(`"${field}"`))
        .map((line) => /^\[[^\]]+\] (\{.*\})$/.exec(line)?.[1])
        .flatMap((json) => {
          try {
            return json ? [JSON.parse(json) as Record<string, unknown>] : [];
          } catch {
            return [];
          }
        });
    const admin = (await api<{ id: string; name: string }>("GET", "/v1/whoami")).body;
    const by = { keyId: admin.id.slice(0, 12), name: admin.name };

    await as(userB, "GET", "/v1/stats");
    const revoked = await createKey(`audited ${suffix}`, namespaceB, ["read"]);
    expect((await api("DELETE", `/v1/keys/${revoked.id}`)).status).toBe(200);
    const limit = (
      await api<{ perMinute: number | null }>("PUT", "/v1/rate-limits/cleanup_expired_results", {
        body: { perMinute: 60 },
      })
    ).body;
    expect(limit.perMinute).toBe(60);
    await api("DELETE", "/v1/rate-limits/cleanup_expired_results");

    await eventually(
      async () => entries("audit").map((entry) => entry.audit as Record<string, unknown>),
      (audits) =>
        audits.some(
          (audit) => audit.action === "rate_limit.reset" && audit.type === "cleanup_expired_results",
        ),
    );
    const audits = entries("audit").map((entry) => entry.audit as Record<string, unknown>);
    expect(audits).toContainEqual(
      expect.objectContaining({
        action: "key.created",
        by,
        keyId: revoked.id.slice(0, 12),
        namespace: namespaceB,
      }),
    );
    expect(audits).toContainEqual(
      expect.objectContaining({ action: "key.revoked", by, keyId: revoked.id.slice(0, 12) }),
    );
    expect(audits).toContainEqual(
      expect.objectContaining({
        action: "rate_limit.set",
        by,
        type: "cleanup_expired_results",
        perMinute: 60,
      }),
    );
    const requests = entries("keyId").filter((entry) => entry.message === "request");
    expect(requests).toContainEqual(
      expect.objectContaining({
        routeKey: "GET /v1/stats",
        status: 200,
        keyId: userB.id.slice(0, 12),
        namespace: namespaceB,
      }),
    );
    // No log line carries a key itself.
    expect(readFileSync(runtime.functionLog, "utf8")).not.toContain(userB.key);
  });

  it("the TypeScript client acts in the namespace it is given", async () => {
    const task = await submitAs(userA, { type: "echo", input: { value: "client" }, delaySeconds: 600 });
    const crossing = new ClawTasksClient({ url: target.url, apiKey: adminB.key, namespace: namespaceA });
    expect((await crossing.get(task.id)).namespace).toBe(namespaceA);
    const own = new ClawTasksClient({ url: target.url, apiKey: adminB.key, retry: false });
    await expect(own.get(task.id)).rejects.toMatchObject({ status: 404 });
    const refused = new ClawTasksClient({
      url: target.url,
      apiKey: userB.key,
      namespace: namespaceA,
      retry: false,
    });
    await expect(refused.get(task.id)).rejects.toMatchObject({ status: 403 });
    await as(userA, "POST", `/v1/tasks/${task.id}/cancel`);
  });
});
