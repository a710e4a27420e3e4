/**
 * Integration tier, property-based: whatever a client sends (random JSON,
 * wrong types, huge strings, odd unicode, deep nesting, bad headers and
 * tokens, odd paths and queries, `?namespace=` values, keys with and
 * without scopes), the API answers with a 2xx or a 4xx, never a 5xx, keeps
 * answering, and leaves another caller's tasks as they were. At least
 * 10,000 generated requests a run, sent 64 at a time; prints the count and
 * the time. Any endpoint (local runtime or test:remote).
 *
 * The other caller is a key of a namespace of its own whose tasks are
 * snapshot before and compared after; the fuzzer aims at their ids too.
 * They include a failed and a delayed task, which a cancel or retry in their
 * namespace would change, so an unchanged snapshot shows that no request of
 * the fuzzer's keys reached into that namespace.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../../functions/api/routes.ts";
import type { Task, TaskStatus } from "../../functions/core/task.ts";
import { taskTypes } from "../../functions/tasks/catalog.ts";
import { laneNames } from "../../functions/tasks/lanes.ts";
import { api, eventually, target } from "./api-client.ts";

/** Generated requests per run (FUZZ_REQUESTS to change). */
const requestsPerRun = Number(process.env.FUZZ_REQUESTS ?? 10_240);
/** Requests in flight at once: one batch is one fast-check run. */
const batchSize = 64;

let sent = 0;
let fiveHundreds = 0;
const statusCounts = new Map<number, number>();

interface FuzzKeys {
  /** submit and read: what a service's key holds; aims at every non-admin route. */
  readonly caller: string;
  /** admin: aims at the admin routes only (an admin may act on other namespaces by design). */
  readonly admin: string;
  /** The other caller: its tasks must come out unchanged. */
  readonly other: string;
}
let keys: FuzzKeys = { caller: target.apiKey, admin: target.apiKey, other: target.apiKey };
const createdKeyIds: string[] = [];
/** Schedules the admin half created, with the namespace it named (`?namespace=`), to delete afterwards. */
const createdSchedules: { name: string; namespace?: string }[] = [];
/** The other caller's namespace (the fuzzer's namespace values name it too). */
const otherNamespace = "fuzz-other-caller";
/** Ids the fuzzer aims at: the other caller's tasks and the fuzzer's own. */
const knownIds: string[] = [];
let otherTasks: Task[] = [];

interface Snapshot {
  readonly rateLimits: { type: string; perMinute: number | null; source: string }[];
  readonly workers: { lane: string; enabled: boolean; maxConcurrency: number | null }[];
}
let before: Snapshot;

async function snapshot(): Promise<Snapshot> {
  const rateLimits = await api<{ items: Snapshot["rateLimits"] }>("GET", "/v1/rate-limits");
  const workers = await api<{ items: Snapshot["workers"] }>("GET", "/v1/workers");
  return { rateLimits: rateLimits.body.items, workers: workers.body.items };
}

async function createKey(name: string, scopes: string[], namespace?: string): Promise<string> {
  const created = await api<{ key: string; id: string }>("POST", "/v1/keys", {
    body: { name, scopes, ...(namespace ? { namespace } : {}) },
  });
  if (created.status !== 201) throw new Error(`could not create the ${name} key: ${created.status}`);
  createdKeyIds.push(created.body.id);
  return created.body.key;
}

beforeAll(async () => {
  // The fuzzer's own keys: its requests spend their budgets (per-key throttling), not the shared test key's.
  keys = {
    caller: await createKey("fuzz", ["submit", "read"]),
    admin: await createKey("fuzz-admin", ["submit", "read", "admin"]),
    other: await createKey("fuzz-other-caller", ["submit", "read"], otherNamespace),
  };
  // Succeeded ones, a failed one (a retry would queue it again) and a delayed one (a cancel would end it).
  const bodies = [
    ...[1, 2, 3].map((value) => ({ input: { value: { owner: "other", value } }, ends: "succeeded" })),
    { input: { value: "other failed", fail: "permanent" }, ends: "failed" },
    { input: { value: "other delayed" }, delaySeconds: 3_600, ends: "scheduled" },
  ] as const;
  const submitted = await Promise.all(
    bodies.map(({ ends: _ends, ...body }) =>
      api<Task>("POST", "/v1/tasks", {
        key: keys.other,
        body: { type: "echo", tags: { owner: "other" }, ...body },
      }),
    ),
  );
  for (const response of submitted) expect(response.status).toBe(202);
  await Promise.all(
    submitted.map((response, index) =>
      eventually(
        () => readAs(keys.other, response.body.id),
        (task) => task.status === (bodies[index]!.ends as TaskStatus),
      ),
    ),
  );
  otherTasks = await Promise.all(submitted.map((response) => readAs(keys.other, response.body.id)));
  knownIds.push(...otherTasks.map((task) => task.id));
  before = await snapshot();
}, 120_000);

afterAll(async () => {
  // Put back whatever the admin half changed, so the files after this one find the system as it was.
  const after = await snapshot();
  for (const limit of before.rateLimits) {
    const now = after.rateLimits.find((item) => item.type === limit.type);
    if (now && (now.perMinute !== limit.perMinute || now.source !== limit.source)) {
      if (limit.source === "catalog") await api("DELETE", `/v1/rate-limits/${limit.type}`);
      else await api("PUT", `/v1/rate-limits/${limit.type}`, { body: { perMinute: limit.perMinute } });
    }
  }
  for (const worker of before.workers) {
    const now = after.workers.find((item) => item.lane === worker.lane);
    if (now && (now.enabled !== worker.enabled || now.maxConcurrency !== worker.maxConcurrency)) {
      await api("PATCH", `/v1/workers/${worker.lane}`, {
        body: {
          enabled: worker.enabled,
          ...(worker.maxConcurrency === null ? {} : { maxConcurrency: worker.maxConcurrency }),
        },
      });
    }
  }
  for (const { name, namespace } of createdSchedules) {
    const inNamespace = namespace === undefined ? "" : `?namespace=${encodeURIComponent(namespace)}`;
    await api("DELETE", `/v1/schedules/${encodeURIComponent(name)}${inNamespace}`);
  }
  // The other caller's delayed task would otherwise fire an hour from now.
  for (const task of otherTasks.filter((item) => item.status === "scheduled")) {
    await api("POST", `/v1/tasks/${task.id}/cancel`, { key: keys.other });
  }
  for (const id of createdKeyIds) await api("DELETE", `/v1/keys/${id}`);
  const histogram = [...statusCounts]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}: ${count}`);
  console.log(`fuzz: ${sent} requests, ${fiveHundreds} answered with a 5xx (${histogram.join(", ")})`);
});

async function readAs(key: string, id: string): Promise<Task> {
  const response = await api<Task>("GET", `/v1/tasks/${id}`, { key });
  expect(response.status).toBe(200);
  return response.body;
}

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Sends one request; a 5xx fails the run, naming the request. */
async function send(request: FuzzRequest): Promise<{ status: number; body: string }> {
  sent++;
  const response = await fetch(`${target.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const body = await response.text();
  statusCounts.set(response.status, (statusCounts.get(response.status) ?? 0) + 1);
  if (response.status >= 500) fiveHundreds++;
  expect(
    response.status,
    `${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers).slice(0, 300)} -> ${response.status} ${body.slice(0, 300)}`,
  ).toBeLessThan(500);
  // Whatever the admin half created is removed afterwards.
  const route = request.path.split("?")[0];
  if (response.status === 201 && route === "/v1/keys") createdKeyIds.push(JSON.parse(body).id);
  if (response.status === 201 && route === "/v1/schedules") {
    // Created in the namespace the request named, if it named one (a 201 means it named a valid one).
    const named = new URL(request.path, target.url).searchParams.getAll("namespace");
    createdSchedules.push({
      name: JSON.parse(body).name,
      ...(named.length === 1 ? { namespace: named[0] } : {}),
    });
  }
  // The fuzzer's own tasks become targets too (a few hundred at most).
  if (response.status === 202 && knownIds.length < 300) {
    const id = (JSON.parse(body) as { id?: unknown; task_id?: unknown }).id;
    if (typeof id === "string") knownIds.push(id);
  }
  return { status: response.status, body };
}

/** Header values must be visible ASCII for fetch to send them at all. */
const asHeader = (text: string) => text.replace(/[^\x20-\x7e]/g, "");
const oddText = fc.string({ unit: "binary", maxLength: 200 });
const shortText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("", "default", "other", "*", "..", "%00", "null", "-1", "1e309", "namespace#1"),
);

/** A path segment where a route takes a parameter. */
function parameterArb(name: string): fc.Arbitrary<string> {
  const valid =
    name === "lane" || name === "queue"
      ? fc.constantFrom(...laneNames)
      : name === "type"
        ? fc.constantFrom(...taskTypes)
        : fc.constant(null);
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }) },
      { weight: 1, arbitrary: fc.string({ minLength: 180, maxLength: 2_100 }) },
      { weight: 3, arbitrary: fc.constantFrom(...(knownIds.length > 0 ? knownIds : ["none"])) },
      { weight: 2, arbitrary: valid.map((value) => value ?? "x") },
    )
    .map(encodeURIComponent);
}

const namespaceValue = fc.oneof(shortText, fc.constantFrom("default", "other", "fuzz-other-caller"));

/** A query string: the route's own names, `namespace`, and others, with odd values. */
function queryArb(names: readonly string[]): fc.Arbitrary<string> {
  const name = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...names, "namespace", "limit", "cursor") },
    { weight: 1, arbitrary: shortText },
  );
  const value = fc.oneof(shortText, namespaceValue, fc.integer().map(String), oddText);
  return fc
    .array(fc.tuple(name, value), { maxLength: 4 })
    .map((pairs) =>
      pairs.length === 0
        ? ""
        : `?${pairs.map(([key, text]) => `${encodeURIComponent(key)}=${encodeURIComponent(text)}`).join("&")}`,
    );
}

const submissionArb = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...taskTypes), shortText),
    input: fc.dictionary(oddText, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }),
    priority: fc.oneof(fc.constantFrom("high", "normal", "low"), oddText),
    delaySeconds: fc.oneof(fc.integer(), fc.double(), oddText),
    runAt: fc.oneof(
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      oddText,
    ),
    expiresAt: oddText,
    maxAttempts: fc.oneof(fc.integer(), oddText),
    timeLimits: fc.dictionary(oddText, fc.jsonValue({ maxDepth: 2 })),
    callbackUrl: fc.oneof(fc.webUrl(), oddText),
    tags: fc.dictionary(oddText, oddText, { maxKeys: 25 }),
    namespace: namespaceValue,
  },
  { requiredKeys: [] },
);

const bodyArb = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)) },
  { weight: 3, arbitrary: submissionArb.map((value) => JSON.stringify(value)) },
  {
    weight: 1,
    arbitrary: fc
      .record({ name: shortText, namespace: namespaceValue, scopes: fc.array(shortText, { maxLength: 4 }) })
      .map((value) => JSON.stringify(value)),
  },
  { weight: 1, arbitrary: oddText },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Whose token the request carries. */
const tokenArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: oddText.map((text) => asHeader(text)) },
  {
    weight: 1,
    arbitrary: fc.string({ minLength: 40, maxLength: 48 }).map((text) => `Bearer ct_${asHeader(text)}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("Bearer", "Basic Zm9vOmJhcg==", "bearer  ", `Bearer ${"x".repeat(600)}`),
  },
);

const otherHeadersArb = fc.record(
  {
    "idempotency-key": oddText.map((text) => asHeader(text) || "k"),
    "content-type": fc.constantFrom(
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "",
    ),
    "x-namespace": namespaceValue.map(asHeader),
    "x-forwarded-for": fc.ipV4(),
  },
  { requiredKeys: [] },
);

/** One request: a route of the route table (or none), filled with generated parts. */
const requestArb: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...apiRoutes) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE"),
    fc.string({ unit: "grapheme", maxLength: 60 }),
    fc.integer({ min: 0, max: 9 }),
    tokenArb,
    otherHeadersArb,
    bodyArb,
  )
  .chain(([route, method, randomPath, roll, token, headers, body]) => {
    const names = route ? [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!) : [];
    const queryNames = route && "query" in route && route.query ? Object.keys(route.query.shape) : [];
    return fc
      .tuple(fc.tuple(...names.map(parameterArb)) as fc.Arbitrary<string[]>, queryArb(queryNames))
      .map(([values, query]): FuzzRequest => {
        let path = `/v1/${encodeURI(randomPath)}`;
        if (route) {
          let index = 0;
          path = route.path.replace(/\{\w+\}/g, () => values[index++]!);
        }
        // Mostly a real key with the route's own method; sometimes another method, or a bad token.
        const key = route?.scope === "admin" ? keys.admin : keys.caller;
        const authorization = roll < 7 ? `Bearer ${key}` : token;
        const sentMethod = route && roll !== 0 ? route.method : method;
        return {
          method: sentMethod,
          path: `${path}${query}`,
          headers: { ...headers, ...(authorization ? { authorization } : {}) },
          // fetch sends no body with GET.
          ...(body === undefined || sentMethod === "GET" ? {} : { body }),
        };
      });
  });

describe("fuzzing the API", () => {
  it(`${requestsPerRun} generated requests over every route: none answers 5xx, another caller's tasks stay as they were`, async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.array(requestArb, { minLength: batchSize, maxLength: batchSize }),
        async (batch) => {
          await Promise.all(batch.map(send));
        },
      ),
      { numRuns: Math.ceil(requestsPerRun / batchSize) },
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz: ${sent} generated requests in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s)`,
    );
    expect(sent).toBeGreaterThanOrEqual(requestsPerRun);

    const after = await Promise.all(otherTasks.map((task) => readAs(keys.other, task.id)));
    expect(after).toEqual(otherTasks);
  }, 900_000);

  it("bodies deeply nested or huge", async () => {
    for (const depth of [60, 65, 1_000, 100_000]) {
      const nested = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
      await send({
        method: "POST",
        path: "/v1/tasks",
        headers: { authorization: `Bearer ${keys.caller}`, "content-type": "application/json" },
        body: `{"type":"echo","input":{"value":${nested}}}`,
      });
    }
    const huge = await send({
      method: "POST",
      path: "/v1/tasks",
      headers: { authorization: `Bearer ${keys.caller}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "echo", input: { value: "é".repeat(3 * 1024 * 1024) } }),
    });
    expect(huge.status).toBe(202);
  });
});
