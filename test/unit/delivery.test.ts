/**
 * Unit tier: how a task's message reaches its queue by its runAt (SQS delay
 * or one-time schedule), on submit, on an early delivery in the worker and
 * on cancel, and the schedule's name and expression. The ports are small
 * recording fakes; the DelayedDelivery adapter itself runs against the local
 * scheduler in test/integration/long-delays.local.test.ts.
 */

import { describe, expect, it } from "vitest";
import { atExpression, delayScheduleName } from "../../functions/adapters/eventbridge-delayed-delivery.ts";
import { ApiError } from "../../functions/core/api-error.ts";
import { planDelivery } from "../../functions/core/delivery.ts";
import { envelopeOf, maxTargetInputChars, type TaskEnvelope } from "../../functions/core/envelope.ts";
import { cancelTask, type ManageTaskDeps } from "../../functions/core/manage-task.ts";
import { inlinePayloadLimitBytes } from "../../functions/core/payload.ts";
import type { CancelResult, DelayedDelivery, TaskQueue, TaskStore } from "../../functions/core/ports.ts";
import { type RunTaskDeps, runDelivery } from "../../functions/core/run-task.ts";
import type { Submission } from "../../functions/core/submission.ts";
import { newTask, type SubmitTaskDeps, submitTask } from "../../functions/core/submit-task.ts";
import type { Task, TaskErrorInfo } from "../../functions/core/task.ts";
import { taskCatalog } from "../../functions/tasks/catalog.ts";
import { echoSubmission } from "../support/core-ports.ts";

const now = new Date("2026-11-30T12:00:00.000Z");
const maxSqsDelaySeconds = 900;
const inSeconds = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();

function envelope(overrides: Partial<TaskEnvelope> = {}): TaskEnvelope {
  return {
    v: 1,
    id: "0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11",
    type: "echo",
    lane: "default",
    priority: "normal",
    input: { value: 1 },
    maxAttempts: 3,
    createdAt: now.toISOString(),
    ...overrides,
  };
}

describe("planDelivery", () => {
  it("sends a task due within one SQS delay to its queue, delayed by what remains", () => {
    expect(planDelivery(envelope(), now, maxSqsDelaySeconds)).toEqual({ via: "queue", delaySeconds: 0 });
    expect(planDelivery(envelope({ runAt: inSeconds(-60) }), now, maxSqsDelaySeconds)).toEqual({
      via: "queue",
      delaySeconds: 0,
    });
    expect(planDelivery(envelope({ runAt: inSeconds(100.2) }), now, maxSqsDelaySeconds)).toEqual({
      via: "queue",
      delaySeconds: 101,
    });
    expect(planDelivery(envelope({ runAt: inSeconds(900) }), now, maxSqsDelaySeconds)).toEqual({
      via: "queue",
      delaySeconds: 900,
    });
  });

  it("schedules a task due later, at its runAt, however far ahead", () => {
    for (const seconds of [901, 86_400, 365 * 86_400]) {
      const runAt = inSeconds(seconds);
      expect(planDelivery(envelope({ runAt }), now, maxSqsDelaySeconds)).toEqual({
        via: "schedule",
        at: new Date(runAt),
      });
    }
  });

  it("takes the threshold it is given (tests shorten it)", () => {
    expect(planDelivery(envelope({ runAt: inSeconds(3) }), now, 2).via).toBe("schedule");
    expect(planDelivery(envelope({ runAt: inSeconds(2) }), now, 2).via).toBe("queue");
  });

  it("hops an envelope too large for a schedule's input with the longest SQS delay", () => {
    const tags = Object.fromEntries(
      Array.from({ length: 20 }, (_, index) => [`tag${index}`.padEnd(64, "k"), "v".repeat(256)]),
    );
    const large = envelope({
      runAt: inSeconds(365 * 86_400),
      tags,
      callbackUrl: `https://x.test/${"p".repeat(2_000)}`,
    });
    expect(JSON.stringify(large).length).toBeGreaterThan(maxTargetInputChars);
    expect(planDelivery(large, now, maxSqsDelaySeconds)).toEqual({ via: "queue", delaySeconds: 900 });
  });
});

describe("the delay schedule", () => {
  it("is named after the task id, within EventBridge Scheduler's name rules", () => {
    const id = "0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11";
    expect(delayScheduleName(id)).toBe(`task-${id}`);
    const firing = "check-task-health@2026-11-30T12:00:00Z";
    const hashed = delayScheduleName(firing);
    expect(hashed).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
    expect(hashed).toBe(delayScheduleName(firing));
    expect(hashed).not.toBe(delayScheduleName("check-task-health@2026-11-30T12:05:00Z"));
    expect(delayScheduleName("x".repeat(200))).toHaveLength(64);
  });

  it("fires at the next whole second, never before runAt", () => {
    expect(atExpression(new Date("2027-11-30T12:00:00.000Z"))).toBe("at(2027-11-30T12:00:00)");
    expect(atExpression(new Date("2027-11-30T12:00:00.001Z"))).toBe("at(2027-11-30T12:00:01)");
    expect(atExpression(new Date("2027-12-31T23:59:59.500Z"))).toBe("at(2028-01-01T00:00:00)");
  });
});

/** Recording fakes of the ports the use cases call; `fail` makes a port reject. */
function fakes(fail: { send?: boolean; schedule?: boolean; cancel?: boolean } = {}) {
  const calls: string[] = [];
  const sent: { envelope: TaskEnvelope; delaySeconds: number | undefined }[] = [];
  const scheduled: { envelope: TaskEnvelope; at: Date }[] = [];
  const unsent: { id: string; error: TaskErrorInfo }[] = [];
  const stored: string[] = [];
  const cancelled: string[] = [];
  const created: Task[] = [];
  let cancelResult: CancelResult = { outcome: "not_found" };
  const queue: TaskQueue = {
    async send(envelope, delaySeconds) {
      calls.push("send");
      if (fail.send) throw new Error("SQS unavailable");
      sent.push({ envelope, delaySeconds });
    },
  };
  const delays: DelayedDelivery = {
    async schedule(envelope, at) {
      calls.push("schedule");
      if (fail.schedule) throw new Error("Scheduler throttled");
      scheduled.push({ envelope, at });
    },
    async cancel(taskId) {
      calls.push("cancel");
      if (fail.cancel) throw new Error("Scheduler unavailable");
      cancelled.push(taskId);
      return false;
    },
  };
  const store = {
    async create(task: Task) {
      calls.push("create");
      created.push(task);
      return { created: true as const };
    },
    async failUnsent(id: string, error: TaskErrorInfo) {
      unsent.push({ id, error });
    },
    async cancel() {
      return cancelResult;
    },
  } as unknown as TaskStore;
  const deps: SubmitTaskDeps & ManageTaskDeps = {
    store,
    namespace: "default",
    queue,
    delays,
    maxSqsDelaySeconds,
    payloads: {
      async put(key) {
        stored.push(key);
      },
      async get() {
        throw new Error("not read here");
      },
    },
    now: () => now,
    newId: () => "0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11",
    log: () => {},
    onTerminal: async () => {},
  };
  return {
    deps,
    calls,
    sent,
    scheduled,
    unsent,
    stored,
    cancelled,
    created,
    willCancel: (result: CancelResult) => {
      cancelResult = result;
    },
  };
}

const submission = (overrides: Partial<Submission> = {}) =>
  echoSubmission({ input: { value: "later" }, ...overrides });

describe("submitTask", () => {
  it("writes the record and creates one schedule for a task due in 365 days, no message", async () => {
    const { deps, calls, scheduled, sent, created } = fakes();
    const runAt = inSeconds(365 * 86_400);
    const { task } = await submitTask(submission({ runAt }), deps);
    expect(calls.sort()).toEqual(["create", "schedule"]);
    expect(sent).toEqual([]);
    expect(scheduled).toEqual([{ envelope: envelopeOf(task), at: new Date(runAt) }]);
    expect(created[0]).toMatchObject({ id: task.id, status: "scheduled", runAt });
  });

  it("sends the record write and the schedule at once: one round trip", async () => {
    const { deps, calls } = fakes();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowStore = {
      ...deps.store,
      async create() {
        calls.push("create");
        await gate;
        return { created: true as const };
      },
    } as unknown as TaskStore;
    const submitted = submitTask(submission({ runAt: inSeconds(86_400) }), { ...deps, store: slowStore });
    await new Promise((resolve) => setImmediate(resolve));
    // The schedule went out while the record write was still pending.
    expect(calls).toEqual(["create", "schedule"]);
    release();
    await submitted;
  });

  it("sends a task due within one SQS delay with that delay, no schedule", async () => {
    const { deps, sent, scheduled } = fakes();
    await submitTask(submission({ runAt: inSeconds(120) }), deps);
    expect(scheduled).toEqual([]);
    expect(sent.map((entry) => entry.delaySeconds)).toEqual([120]);
  });

  it("marks the task failed (enqueue_failed) and answers 503 when the schedule cannot be created", async () => {
    const { deps, unsent } = fakes({ schedule: true });
    const submitted = submitTask(submission({ runAt: inSeconds(365 * 86_400) }), deps);
    await expect(submitted).rejects.toBeInstanceOf(ApiError);
    await expect(submitted).rejects.toMatchObject({ status: 503 });
    expect(unsent).toEqual([
      {
        id: "0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11",
        error: expect.objectContaining({ type: "enqueue_failed" }),
      },
    ]);
  });

  it("keeps the input of a long-delayed task in S3 when its envelope would not fit a schedule", async () => {
    // Under the inline limit (8 KB of input JSON), so only the schedule's 8 KB target input sends it to S3.
    const big = { value: "x".repeat(inlinePayloadLimitBytes - 200) };
    expect(JSON.stringify(big).length).toBeLessThanOrEqual(inlinePayloadLimitBytes);
    const long = fakes();
    await submitTask(submission({ input: big, runAt: inSeconds(86_400) }), long.deps);
    expect(long.stored).toEqual(["inputs/0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11.json"]);
    const envelope = long.scheduled[0]!.envelope;
    expect(envelope.inputPayload).toEqual({
      key: "inputs/0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11.json",
      bytes: JSON.stringify(big).length,
    });
    expect(envelope.input).toEqual({ $payload: envelope.inputPayload });
    expect(JSON.stringify(envelope).length).toBeLessThanOrEqual(maxTargetInputChars);
    expect(long.created[0]!.input).toEqual(envelope.input);
    expect(long.created[0]!.inputPayload).toEqual(envelope.inputPayload);

    const short = fakes();
    await submitTask(submission({ input: big, runAt: inSeconds(60) }), short.deps);
    expect(short.stored).toEqual([]);
    expect(short.sent[0]!.envelope.input).toEqual(big);
  });
});

describe("an early delivery in the worker", () => {
  function runDeps(base: ReturnType<typeof fakes>): RunTaskDeps {
    return {
      ...base.deps,
      handlers: {} as RunTaskDeps["handlers"],
      rateLimiter: { acquire: async () => ({ granted: true }) },
      rateLimitOf: async () => undefined,
      onTerminal: async () => {},
      random: () => 0,
      cancelPollMs: 1_000,
      leaseMarginSeconds: 30,
    };
  }

  it("schedules a message still due too late for one SQS delay, and delays a nearer one", async () => {
    const far = fakes();
    const runAt = inSeconds(2 * 86_400);
    const report = await runDelivery(envelope({ runAt }), runDeps(far));
    expect(report.outcome).toBe("deferred");
    expect(far.scheduled.map((entry) => entry.at)).toEqual([new Date(runAt)]);
    expect(far.sent).toEqual([]);

    const near = fakes();
    expect((await runDelivery(envelope({ runAt: inSeconds(30) }), runDeps(near))).outcome).toBe("deferred");
    expect(near.sent.map((entry) => entry.delaySeconds)).toEqual([30]);
    expect(near.scheduled).toEqual([]);
  });

  it("rejects (the message comes back) when the schedule cannot be created", async () => {
    const failing = fakes({ schedule: true });
    await expect(runDelivery(envelope({ runAt: inSeconds(86_400) }), runDeps(failing))).rejects.toThrow(
      "Scheduler throttled",
    );
  });
});

describe("cancelTask", () => {
  const waiting = (runAt?: string): Task => ({
    ...newTask(submission(runAt ? { runAt } : {}), "0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11", now),
    status: "cancelled",
  });

  it("deletes the schedule of a cancelled delayed task; none there is fine", async () => {
    const base = fakes();
    base.willCancel({ outcome: "cancelled", task: waiting(inSeconds(86_400)) });
    const result = await cancelTask("0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11", base.deps);
    expect(result.immediate).toBe(true);
    expect(base.cancelled).toEqual(["0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11"]);
  });

  it("makes no scheduler call for a task without runAt, and still cancels when the delete fails", async () => {
    const plain = fakes();
    plain.willCancel({ outcome: "cancelled", task: waiting() });
    await cancelTask("0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11", plain.deps);
    expect(plain.calls).not.toContain("cancel");

    const failing = fakes({ cancel: true });
    failing.willCancel({ outcome: "cancelled", task: waiting(inSeconds(86_400)) });
    const result = await cancelTask("0b9c6f3e-2a41-4d3e-9d7e-6a1f2f9b8c11", failing.deps);
    expect(result.task.status).toBe("cancelled");
    expect(failing.calls).toContain("cancel");
  });
});

it("the catalog's echo type is in the default lane (the fixtures above assume it)", () => {
  expect(taskCatalog.echo.lane).toBe("default");
});
