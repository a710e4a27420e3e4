/**
 * Integration tier, any endpoint (local runtime or test:remote): every route but health needs a key (401 without one) with
 * the route's scope (403 with a key lacking it), but whoami answers any key
 * with its own name, scopes and namespace; keys are created, listed
 * (never shown again) and revoked through the admin routes; a key over its
 * rate gets 429.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiRoutes } from "../../functions/api/routes.ts";
import { api, eventually } from "./api-client.ts";

interface KeyView {
  id: string;
  name: string;
  scopes: string[];
  key?: string;
  revokedAt?: string;
}

async function createKey(
  scopes: string[],
  extra: Record<string, unknown> = {},
): Promise<KeyView & { key: string }> {
  const response = await api<KeyView & { key: string }>("POST", "/v1/keys", {
    body: { name: `test ${randomUUID()}`, scopes, ...extra },
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** A concrete path for a route template. */
const pathOf = (path: string) =>
  path
    .replace("{id}", randomUUID())
    .replace("{task_id}", randomUUID())
    .replace("{queue}", "default")
    .replace("{lane}", "default")
    .replace("{type}", "echo")
    .replace("{name}", "x");

const guarded = apiRoutes.filter((route) => route.scope !== "public");

describe("authentication and scopes", () => {
  it.each(guarded.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s: 401 without a key, 403 with a key lacking its scope",
    async (_, route) => {
      const path = pathOf(route.path);
      const body = route.method === "GET" || route.method === "DELETE" ? undefined : {};
      expect((await api(route.method, path, { key: null, body })).status).toBe(401);
      expect((await api(route.method, path, { key: "ct_not-a-key", body })).status).toBe(401);
      // A route for any key has no scope to lack (whoami: tested below).
      if (route.scope === "key") return;
      const others = ["read", "submit", "admin"].filter((scope) => scope !== route.scope);
      const lacking = await createKey(others);
      const response = await api<{ error: { code: string } }>(route.method, path, { key: lacking.key, body });
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe("forbidden");
    },
  );

  it.each([[["read"]], [["submit"]], [["admin"]], [["submit", "read"]]])(
    "tells a key with scopes %j its own name, scopes and namespace, and nothing of other keys",
    async (scopes) => {
      const key = await createKey(scopes);
      const response = await api<KeyView>("GET", "/v1/whoami", { key: key.key });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: key.id,
        name: key.name,
        scopes,
        namespace: "default",
        createdAt: expect.any(String),
      });
    },
  );

  it("answers health without a key", async () => {
    expect((await api("GET", "/v1/health", { key: null })).status).toBe(200);
  });
});

describe("task types with their own scope", () => {
  it.each(["cleanup_expired_results", "check_task_health"])(
    "answers 403 naming the admin scope to a non-admin key submitting %s, on both APIs; an admin key may",
    async (type) => {
      const submitter = await createKey(["submit", "read"]);
      const refused = await api<{ error: { code: string; message: string } }>("POST", "/v1/tasks", {
        key: submitter.key,
        body: { type },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({
        code: "forbidden",
        message: `submitting ${type} needs the admin scope`,
      });
      const celery = await api<{ error: { code: string } }>("POST", "/api/v1/tasks/send", {
        key: submitter.key,
        body: { name: type },
      });
      expect(celery.status).toBe(403);

      // Far in the future and cancelled at once: the admin's task is accepted, and never runs here.
      const admin = await createKey(["submit", "read", "admin"]);
      const accepted = await api<{ id: string; status: string }>("POST", "/v1/tasks", {
        key: admin.key,
        body: { type, delaySeconds: 86_400 },
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body.status).toBe("scheduled");
      const cancelled = await api("POST", `/v1/tasks/${accepted.body.id}/cancel`, { key: admin.key });
      expect(cancelled.status).toBe(200);
    },
  );
});

describe("API keys", () => {
  it("creates a key shown once, lists it without the secret, and revokes it", async () => {
    const created = await createKey(["read"]);
    expect(created.key).toMatch(/^ct_[\w-]{43}$/);
    expect((await api("GET", "/v1/stats", { key: created.key })).status).toBe(200);

    const listed = await api<{ items: KeyView[] }>("GET", "/v1/keys");
    const entry = listed.body.items.find((item) => item.id === created.id);
    expect(entry).toMatchObject({ name: created.name, scopes: ["read"] });
    expect(JSON.stringify(listed.body)).not.toContain(created.key);

    const revoked = await api<KeyView>("DELETE", `/v1/keys/${created.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toBeDefined();
    // Each API instance caches keys for a while (API_KEY_CACHE_MS: 60 s in AWS, 100 ms in the test runtime),
    // and requests may reach any instance: wait until ten requests in a row are refused.
    const refusals = await eventually(
      async () => {
        const answers: number[] = [];
        for (let index = 0; index < 10; index++) {
          answers.push((await api("GET", "/v1/stats", { key: created.key })).status);
        }
        return answers;
      },
      (answers) => answers.every((status) => status === 401),
      90_000,
    );
    expect(refusals).toEqual(Array(10).fill(401));
    expect((await api("DELETE", `/v1/keys/${"0".repeat(64)}`)).status).toBe(404);
  }, 120_000);

  it("rejects a bad key request with 400 naming the field", async () => {
    const response = await api<{ error: { details: { issues: { path: string }[] } } }>("POST", "/v1/keys", {
      body: { name: "x", scopes: ["superuser"] },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details.issues[0]?.path).toBe("scopes.0");
  });

  it("throttles a key over its rate with 429 and Retry-After", async () => {
    const slow = await createKey(["read"], { ratePerSecond: 1 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let index = 0; index < 8; index++) {
      const response = await api("GET", "/v1/stats", { key: slow.key });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get("retry-after");
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});
