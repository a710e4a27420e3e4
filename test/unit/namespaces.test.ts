/**
 * Unit tier: namespaces in the use cases, on the in-memory ports. A task
 * submitted in one namespace is not found, cancelled or retried from
 * another; idempotency keys are per namespace; a task and its message name
 * its namespace and submitter; a redriven dead letter is queued again in its
 * own namespace; a namespace takes at most its share of a rate limit; a
 * request acts in its key's namespace unless an admin key names another.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../functions/core/api-error.ts";
import { createApiKey, submitterOf } from "../../functions/core/api-keys.ts";
import { parseScheduleCreation } from "../../functions/core/manage-schedules.ts";
import { cancelTask, redriveLane, retryTask } from "../../functions/core/manage-task.ts";
import { namespacedId, requestNamespace, storedScheduleName } from "../../functions/core/namespaces.ts";
import type { ApiKeyRecord, ApiKeyStore, LaneQueues, RateLimiter } from "../../functions/core/ports.ts";
import { namespaceShareOf, runDelivery } from "../../functions/core/run-task.ts";
import type { Submission } from "../../functions/core/submission.ts";
import { submitTask } from "../../functions/core/submit-task.ts";
import { corePorts } from "../support/core-ports.ts";

const echo: Submission = { type: "echo", input: { value: 1 }, priority: "normal", maxAttempts: 3 };
const submitter = { name: "team a", keyId: "0123456789ab" };

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("namespaces in the task use cases", () => {
  it("a task is found, cancelled and retried in its own namespace only; elsewhere it is a 404", async () => {
    const ports = corePorts();
    const teamA = ports.depsIn("team-a");
    const teamB = ports.depsIn("team-b");
    const { task } = await submitTask(echo, teamA, undefined, submitter);
    expect(task).toMatchObject({ namespace: "team-a", submittedBy: submitter });
    expect(ports.sent[0]?.envelope).toMatchObject({ namespace: "team-a", submittedBy: submitter });

    expect(await teamB.store.get(task.id)).toBeUndefined();
    expect(await ports.deps.store.get(task.id)).toBeUndefined();
    const cancel = await rejection(cancelTask(task.id, teamB));
    expect([cancel.status, cancel.message]).toEqual([404, `task ${task.id} not found`]);
    expect((await teamA.store.get(task.id))?.status).toBe("queued");

    await cancelTask(task.id, teamA);
    const retry = await rejection(retryTask(task.id, teamB));
    expect(retry.status).toBe(404);
    expect((await teamA.store.get(task.id))?.status).toBe("cancelled");
    expect((await retryTask(task.id, teamA)).status).toBe("queued");
  });

  it("one idempotency key of one caller makes one task per namespace", async () => {
    const ports = corePorts();
    const key = { scope: "caller-hash", key: "order-42" };
    const inA = await submitTask(echo, ports.depsIn("team-a"), key);
    const inB = await submitTask(echo, ports.depsIn("team-b"), key);
    expect(inB.task.id).not.toBe(inA.task.id);
    expect(inB.replayed).toBe(false);
    const again = await submitTask(echo, ports.depsIn("team-b"), key);
    expect(again).toMatchObject({ replayed: true, task: { id: inB.task.id } });
  });

  it("redrive queues a dead letter again in the namespace its message names", async () => {
    const ports = corePorts();
    const teamB = ports.depsIn("team-b");
    const { task } = await submitTask(echo, teamB);
    const envelope = ports.sent[0]!.envelope;
    await teamB.store.markDeadLettered(
      task.id,
      { type: "dead_lettered", message: "to the DLQ", retryable: true },
      ports.now(),
    );
    const lanes: LaneQueues = {
      depth: async () => {
        throw new Error("not used");
      },
      drainDeadLetters: async (_lane, accept) => ((await accept(JSON.stringify(envelope))) ? 1 : 0),
    };
    expect(await redriveLane("default", lanes, ports.depsIn)).toEqual({ moved: 1 });
    expect((await teamB.store.get(task.id))?.status).toBe("queued");
    expect(await ports.deps.store.get(task.id)).toBeUndefined();
  });
});

describe("a namespace's share of a rate limit", () => {
  /** A limiter in memory with the DynamoDB one's rule: at most `perMinute` grants per slot set and minute. */
  function countingLimiter(): RateLimiter & { readonly asked: string[] } {
    const granted = new Map<string, number>();
    const asked: string[] = [];
    return {
      asked,
      async acquire(type, perMinute, _now, namespace) {
        const slots = namespace === undefined ? type : `${type}#${namespace}`;
        asked.push(slots);
        const used = granted.get(slots) ?? 0;
        if (used >= perMinute) return { granted: false, retryAfterSeconds: 30 };
        granted.set(slots, used + 1);
        return { granted: true };
      },
    };
  }

  it("stops a busy namespace at its share, leaving the rest of the type's limit to the others", async () => {
    const ports = corePorts();
    const limiter = countingLimiter();
    const run = async (namespace: string) => {
      const { task } = await submitTask(echo, ports.depsIn(namespace));
      const envelope = ports.sent.at(-1)!.envelope;
      const deps = ports.delivery(async () => "ran", {
        store: ports.store.inNamespace(namespace),
        rateLimiter: limiter,
        rateLimitOf: async () => 4,
        namespaceRateShare: 0.5,
      });
      expect(envelope.id).toBe(task.id);
      return (await runDelivery(envelope, deps)).outcome;
    };
    const busy = [await run("busy"), await run("busy"), await run("busy")];
    expect(busy).toEqual(["succeeded", "succeeded", "rate_limited"]);
    // The busy namespace's refused start took none of the type's 4 global slots.
    expect([await run("quiet"), await run("quiet")]).toEqual(["succeeded", "succeeded"]);
    expect(await run("quiet")).toBe("rate_limited");
    expect(limiter.asked.filter((slots) => slots === "echo")).toHaveLength(4);
  });

  it("is at least one start a minute, and no share (1, the default) asks the global limit only", async () => {
    expect(namespaceShareOf(3, 0.1)).toBe(1);
    expect(namespaceShareOf(10, 0.5)).toBe(5);
    expect(namespaceShareOf(10)).toBe(10);
    const ports = corePorts();
    const limiter = countingLimiter();
    await submitTask(echo, ports.depsIn("team-a"));
    const deps = ports.delivery(async () => "ran", {
      store: ports.store.inNamespace("team-a"),
      rateLimiter: limiter,
      rateLimitOf: async () => 4,
    });
    expect((await runDelivery(ports.sent.at(-1)!.envelope, deps)).outcome).toBe("succeeded");
    expect(limiter.asked).toEqual(["echo"]);
  });
});

describe("the namespace a request acts in", () => {
  const key = (scopes: ApiKeyRecord["scopes"], namespace?: string) => ({
    scopes,
    ...(namespace ? { namespace } : {}),
  });

  it("is the key's own, or default for a key made before namespaces", () => {
    expect(requestNamespace(key(["read"], "team-a"), undefined)).toBe("team-a");
    expect(requestNamespace(key(["read"]), undefined)).toBe("default");
    expect(requestNamespace(key(["read"], "team-a"), "team-a")).toBe("team-a");
  });

  it("may be another only for an admin key (or one made before scopes, which holds them all)", () => {
    expect(requestNamespace(key(["read", "admin"], "team-a"), "team-b")).toBe("team-b");
    expect(requestNamespace(key(undefined, "team-a"), "team-b")).toBe("team-b");
    let refused: unknown;
    try {
      requestNamespace(key(["submit", "read"], "team-a"), "team-b");
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("is a 400 naming the field when the name is not one", () => {
    for (const bad of ["", "Team", "a/b", "a#b", "a.b", "x".repeat(33)]) {
      let refused: unknown;
      try {
        requestNamespace(key(["admin"]), bad);
      } catch (error) {
        refused = error;
      }
      expect(refused, bad).toMatchObject({
        status: 400,
        details: { issues: [{ path: "namespace" }] },
      });
    }
  });
});

describe("namespaced names in shared stores", () => {
  it("keep the default namespace's names as they were and prefix the others'", () => {
    expect(namespacedId("default", "conv-1")).toBe("conv-1");
    expect(namespacedId("team-a", "conv-1")).toBe("team-a#conv-1");
    expect(storedScheduleName("default", "nightly")).toBe("nightly");
    expect(storedScheduleName("team-a", "nightly")).toBe("team-a..nightly");
  });
});

describe("schedule names across namespaces", () => {
  const creation = (name: string) => ({
    name,
    expression: "rate(1 hour)",
    task: { type: "echo", input: { value: 1 } },
  });
  const deps = (namespace: string) => ({
    now: () => new Date("2026-03-01T00:00:00Z"),
    defaultTimeZone: "UTC",
    echoDiagnostics: true,
    namespace,
  });
  const issuesOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return ((error as ApiError).details as { issues: { path: string; message: string }[] }).issues;
    }
    return [];
  };

  it("refuses a new name holding the separator, so no default name can look like another namespace's", () => {
    expect(issuesOf(() => parseScheduleCreation(creation("team-a..nightly"), deps("default")))).toEqual([
      { path: "name", message: expect.stringContaining('may not contain ".."') },
    ]);
    expect(issuesOf(() => parseScheduleCreation(creation("team-a.nightly"), deps("default")))).toEqual([]);
  });

  it("counts the namespace prefix against the group's 64-character names", () => {
    const name = "n".repeat(60);
    expect(issuesOf(() => parseScheduleCreation(creation(name), deps("default")))).toEqual([]);
    expect(issuesOf(() => parseScheduleCreation(creation(name), deps("team-a")))).toEqual([
      { path: "name", message: expect.stringContaining('"team-a.."') },
    ]);
  });
});

describe("keys and their namespace", () => {
  const memoryKeys = (): ApiKeyStore => {
    const records = new Map<string, ApiKeyRecord>();
    return {
      findByHash: async (hash) => records.get(hash),
      put: async (record) => {
        records.set(record.keyHash, record);
      },
      list: async () => [...records.values()],
      revoke: async () => false,
    };
  };

  it("creates a key in the namespace asked for (default: default) and refuses a bad name", async () => {
    const store = memoryKeys();
    const now = new Date("2026-03-01T00:00:00Z");
    expect((await createApiKey(store, { name: "a", namespace: "team-a", now })).record.namespace).toBe(
      "team-a",
    );
    expect((await createApiKey(store, { name: "b", now })).record.namespace).toBe("default");
    await expect(createApiKey(store, { name: "c", namespace: "Team A", now })).rejects.toThrow(
      /namespace must be/,
    );
  });

  it("names a submitter by the key's name and short id, never the hash", async () => {
    const { record } = await createApiKey(memoryKeys(), { name: "svc", now: new Date() });
    expect(submitterOf(record)).toEqual({ name: "svc", keyId: record.keyHash.slice(0, 12) });
  });
});
