/**
 * Integration tier, any endpoint: the typed client (clients/typescript/) against the API under test,
 * as another project would use it.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import {
  ClawTasksApiError,
  ClawTasksClient,
  ClawTasksConnectionError,
  ClawTasksTimeoutError,
  type Task,
} from "../../clients/typescript/src/index.ts";
import { target } from "./api-client.ts";

const client = new ClawTasksClient({ url: target.url, apiKey: target.apiKey });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("the client", () => {
  it("retries a submit whose answer was lost, and the API makes one task", async () => {
    // Prepare: the first submit reaches the API and is carried out, but its answer is lost.
    const tag = randomUUID();
    let lost = 0;
    const losingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === "POST" && String(input).endsWith("/v1/tasks") && lost++ === 0) {
        await response.body?.cancel();
        throw new TypeError("fetch failed (the answer was lost)");
      }
      return response;
    };
    const flaky = new ClawTasksClient({
      url: target.url,
      apiKey: target.apiKey,
      fetch: losingFetch,
      retry: { baseDelayMs: 10 },
    });

    // Act
    const task = await flaky.submit("echo", { value: "once" }, { tags: { run: tag } });

    // Assess: the retry got the first task back; only one exists.
    expect(lost).toBe(2);
    const page = await client.list({ tag: `run:${tag}` }).next();
    expect(page.value?.items.map((listed) => listed.id)).toEqual([task.id]);
    expect((await client.wait(task.id, { interval: 100 })).status).toBe("succeeded");
  });

  it("submits a typed task and waits for it, reporting progress", async () => {
    const task = await client.submit("echo", { value: { answer: 42 }, sleepMs: 600, progressSteps: 3 });
    expect(task).toMatchObject({ type: "echo", lane: "default" });
    const seen: Task[] = [];
    const done = await client.wait(task.id, { onProgress: (current) => seen.push(current), interval: 50 });
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual({ answer: 42 });
    expect(seen.at(-1)?.status).toBe("succeeded");
    const percents = seen.flatMap((current) => (current.progress ? [current.progress.percent] : []));
    expect(percents.length).toBeGreaterThan(0);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // Each callback is a change: no two in a row are the same.
    const keys = seen.map((current) => `${current.status} ${current.progress?.percent}`);
    expect(keys.every((key, index) => index === 0 || key !== keys[index - 1])).toBe(true);
  });

  it("sends submission options and the Idempotency-Key", async () => {
    const idempotencyKey = randomUUID();
    const options = { priority: "high", tags: { suite: "client" }, idempotencyKey } as const;
    const first = await client.submit("echo", { value: 1 }, options);
    const again = await client.submit("echo", { value: 1 }, options);
    expect(again.id).toBe(first.id);
    expect(first).toMatchObject({ priority: "high", tags: { suite: "client" } });
    const inputless = await client.submit("check_task_health");
    expect(inputless.type).toBe("check_task_health");
  });

  it("lists page by page with filters until the last page", async () => {
    const tag = `client-list-${randomUUID().slice(0, 8)}`;
    const submitted = await Promise.all(
      [1, 2, 3].map((value) => client.submit("echo", { value }, { tags: { run: tag }, delaySeconds: 600 })),
    );
    const pages = [];
    for await (const page of client.list({ tag: `run:${tag}`, limit: 2 })) pages.push(page);
    expect(pages.map((page) => page.items.length)).toEqual([2, 1]);
    expect(pages.at(-1)?.nextCursor).toBeNull();
    expect(pages.flatMap((page) => page.items.map((task) => task.id)).sort()).toEqual(
      submitted.map((task) => task.id).sort(),
    );
    await Promise.all(submitted.map((task) => client.cancel(task.id)));
  });

  it("cancels and retries", async () => {
    const task = await client.submit("echo", { value: "later" }, { delaySeconds: 600 });
    expect((await client.cancel(task.id)).status).toBe("cancelled");
    expect((await client.retry(task.id)).status).toBe("queued");
    const done = await client.wait(task.id, { timeout: 30_000 });
    expect(done).toMatchObject({ status: "succeeded", result: "later" });
  });

  it("throws typed errors carrying the API's code and the fields at fault", async () => {
    const invalid = await rejection(client.submit("echo", { sleepMs: -1 }));
    expect(invalid).toBeInstanceOf(ClawTasksApiError);
    expect(invalid).toMatchObject({ status: 400, code: "validation_error" });
    expect((invalid as ClawTasksApiError).issues.map((issue) => issue.path)).toEqual(["input.sleepMs"]);

    expect(await rejection(client.get(randomUUID()))).toMatchObject({ status: 404, code: "not_found" });
    const finished = await client.wait((await client.submit("echo")).id);
    expect(await rejection(client.cancel(finished.id))).toMatchObject({ status: 409, code: "conflict" });
    const stranger = new ClawTasksClient({ url: target.url, apiKey: "ct_not-a-key" });
    expect(await rejection(stranger.stats())).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("gives up waiting after the timeout, with the task as last seen", async () => {
    const task = await client.submit("echo", { sleepMs: 30_000 });
    const error = await rejection(client.wait(task.id, { timeout: 300, interval: 50 }));
    expect(error).toBeInstanceOf(ClawTasksTimeoutError);
    expect((error as ClawTasksTimeoutError).task.id).toBe(task.id);
    await client.cancel(task.id);
  });

  it("reports a server that does not answer as a connection error", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const nowhere = new ClawTasksClient({ url: `http://127.0.0.1:${port}`, apiKey: "ct_x" });
    expect(await rejection(nowhere.health())).toBeInstanceOf(ClawTasksConnectionError);
  });

  it("reads stats, queues, rate limits, health and the OpenAPI document", async () => {
    const stats = await client.stats();
    expect(stats.lanes.map((lane) => lane.lane)).toContain("default");
    expect((await client.queues()).length).toBe(stats.lanes.length);
    const limits = await client.rateLimits();
    expect(limits.find((limit) => limit.type === "generate_ai_response")?.catalogPerMinute).toBe(10);
    expect((await client.health()).status).toBe("ok");
    expect((await client.openApi()).openapi).toBe("3.1.0");
    // A type no other test submits, so changing its limit disturbs nothing.
    expect(await client.setRateLimit("update_knowledge_base", 3)).toMatchObject({ perMinute: 3 });
    expect(await client.setRateLimit("update_knowledge_base", undefined)).toMatchObject({
      source: "catalog",
    });
  });

  it("creates, reads, changes and deletes schedules; lists workers", async () => {
    const name = `client-${randomUUID().slice(0, 8)}`;
    const created = await client.schedules.create({
      name,
      expression: "cron(0 9 * * ? *)",
      timezone: "Asia/Shanghai",
      task: { type: "echo", input: { value: "morning" } },
      description: "every morning",
    });
    expect(created).toMatchObject({ name, enabled: true, task: { type: "echo", priority: "normal" } });
    expect(created.nextFireTimes[0]).toMatch(/T01:00:00(\.000)?Z$/);
    expect((await client.schedules.list()).map((schedule) => schedule.name)).toContain(name);
    expect((await client.schedules.disable(name)).nextFireTimes).toEqual([]);
    expect((await client.schedules.enable(name)).enabled).toBe(true);
    expect(await client.schedules.update(name, { description: "changed" })).toMatchObject({
      description: "changed",
    });
    await client.schedules.delete(name);
    expect(await rejection(client.schedules.get(name))).toMatchObject({ code: "not_found" });
    const invalid = await rejection(
      client.schedules.create({ name, expression: "rate(0 minutes)", task: { type: "echo" } }),
    );
    expect((invalid as ClawTasksApiError).issues.map((issue) => issue.path)).toEqual(["expression"]);

    const workers = await client.workers.list();
    expect(workers.map((worker) => worker.lane)).toEqual([
      "ai_high_priority",
      "knowledge_default",
      "notification_default",
      "default",
    ]);
  });
});
