/**
 * Integration tier, property-based: whatever a client sends (random JSON,
 * wrong types, huge strings, odd unicode, deep nesting, bad headers, odd
 * paths and queries), the API answers with a 2xx or a 4xx, never a 5xx, and
 * keeps answering. Prints how many cases ran. Any endpoint (local runtime or
 * test:remote).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskTypes } from "../../functions/tasks/catalog.ts";
import { api, target } from "./api-client.ts";

let cases = 0;
/**
 * The fuzzer's own key: its hundreds of requests spend that key's request
 * budget (per-key throttling), not the one every other test file shares.
 */
let fuzzKey = target.apiKey;
beforeAll(async () => {
  const created = await api<{ key: string; id: string }>("POST", "/v1/keys", { body: { name: "fuzz" } });
  if (created.status !== 201) throw new Error(`could not create the fuzz key: ${created.status}`);
  fuzzKey = created.body.key;
  return async () => {
    await api("DELETE", `/v1/keys/${created.body.id}`);
  };
});
afterAll(() => {
  console.log(`fuzz: ${cases} requests, none answered with a 5xx`);
});

async function expectNo5xx(
  method: string,
  path: string,
  options: Parameters<typeof api>[2] = {},
): Promise<number> {
  cases++;
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: {
      authorization: options.key === null ? "" : `Bearer ${options.key ?? fuzzKey}`,
      "content-type": "application/json",
      ...options.headers,
    },
    ...(options.rawBody === undefined ? {} : { body: options.rawBody }),
  });
  await response.text();
  expect(response.status, `${method} ${path} -> ${response.status}`).toBeLessThan(500);
  return response.status;
}

/** Header values must be visible ASCII for fetch to send them at all. */
const asHeader = (text: string) => text.replace(/[^\x20-\x7e]/g, "");
const oddText = fc.string({ unit: "binary", maxLength: 200 });
const runs = { numRuns: 60 };

describe("fuzzing the API", () => {
  it("submissions: any JSON body gets 202, 400 or 413", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (body) => {
        const status = await expectNo5xx("POST", "/v1/tasks", { rawBody: JSON.stringify(body) });
        expect([202, 400, 413]).toContain(status);
      }),
      runs,
    );
  });

  it("submissions of real types with random inputs and options", async () => {
    const submission = fc.record(
      {
        type: fc.constantFrom(...taskTypes),
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
      },
      { requiredKeys: ["type"] },
    );
    await fc.assert(
      fc.asyncProperty(submission, async (body) => {
        await expectNo5xx("POST", "/v1/tasks", { rawBody: JSON.stringify(body) });
      }),
      runs,
    );
  });

  it("bodies that are not JSON, deeply nested, or huge", async () => {
    await fc.assert(
      fc.asyncProperty(oddText, async (text) => {
        await expectNo5xx("POST", "/v1/tasks", { rawBody: text });
      }),
      runs,
    );
    for (const depth of [60, 65, 1_000, 100_000]) {
      const nested = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
      await expectNo5xx("POST", "/v1/tasks", { rawBody: `{"type":"echo","input":{"value":${nested}}}` });
    }
    const huge = await expectNo5xx("POST", "/v1/tasks", {
      rawBody: JSON.stringify({ type: "echo", input: { value: "é".repeat(3 * 1024 * 1024) } }),
    });
    expect(huge).toBe(202);
  });

  it("paths, queries and headers", async () => {
    const segment = fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }).map(encodeURIComponent);
    await fc.assert(
      fc.asyncProperty(segment, oddText, oddText, async (id, query, header) => {
        await expectNo5xx("GET", `/v1/tasks/${id}`);
        await expectNo5xx("POST", `/v1/tasks/${id}/cancel`);
        await expectNo5xx(
          "GET",
          `/v1/tasks?status=${encodeURIComponent(query)}&cursor=${encodeURIComponent(query)}&limit=${encodeURIComponent(query)}`,
        );
        await expectNo5xx("GET", `/v1/tasks?tag=${encodeURIComponent(query)}`);
        await expectNo5xx("PUT", `/v1/rate-limits/${id}`, { rawBody: JSON.stringify({ perMinute: query }) });
        await expectNo5xx("POST", "/v1/tasks", {
          rawBody: JSON.stringify({ type: "echo" }),
          headers: { "idempotency-key": asHeader(header) || "k" },
        });
        await expectNo5xx("GET", "/v1/stats", { key: asHeader(header) });
      }),
      { numRuns: 30 },
    );
  });
});
