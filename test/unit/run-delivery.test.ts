/**
 * Unit tier: delivery handling (runDelivery in functions/core/run-task.ts)
 * and the task-management use cases (functions/core/manage-task.ts) on their
 * ports: the in-memory store, a recording queue, a clock the test moves, and
 * an `echo` handler each test writes.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../functions/core/api-error.ts";
import { envelopeOf, type TaskEnvelope } from "../../functions/core/envelope.ts";
import { cancelTask, redriveLane, retryTask } from "../../functions/core/manage-task.ts";
import type { LaneQueues } from "../../functions/core/ports.ts";
import { runDelivery } from "../../functions/core/run-task.ts";
import type { Submission } from "../../functions/core/submission.ts";
import { submitTask } from "../../functions/core/submit-task.ts";
import { permanentFailure, TaskFailure } from "../../functions/core/task-failure.ts";
import type { TaskContext } from "../../functions/core/task-handler.ts";
import { type CorePorts, corePorts, echoSubmission } from "../support/core-ports.ts";

const submission = echoSubmission;

async function submitted(ports: CorePorts, extra: Partial<Submission> = {}): Promise<TaskEnvelope> {
  const { task } = await submitTask(submission(extra), ports.deps);
  ports.sent.length = 0;
  return envelopeOf(task);
}

const succeed = async (input: unknown, context: TaskContext) => ({ echoed: input, attempt: context.attempt });

/** A handler that takes 20 ms and returns how many times it has run; `runs()` reads that count. */
function slowCountingHandler() {
  let count = 0;
  const slow = async () => {
    count += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return count;
  };
  return { slow, runs: () => count };
}

describe("runDelivery", () => {
  it("claims and runs a queued task, and records its result", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const report = await runDelivery(envelope, ports.delivery(succeed));
    expect(report).toMatchObject({ outcome: "succeeded", attempt: { number: 1, queueWaitMs: 0 } });
    const task = await ports.store.get(envelope.id);
    expect(task).toMatchObject({ status: "succeeded", attempts: 1, result: { attempt: 1 } });
    expect(task?.history.map((entry) => entry.status)).toEqual(["queued", "running", "succeeded"]);
  });

  it("does not run a task again when its message comes back after it succeeded", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    let runs = 0;
    const counting = async () => ++runs;
    await runDelivery(envelope, ports.delivery(counting));
    // A message that came back (received before) is claimed first: the claim refuses an ended task.
    const duplicate = await runDelivery(envelope, ports.delivery(counting), { receiveCount: 2 });
    expect(duplicate.outcome).toBe("skipped");
    expect(runs).toBe(1);
    expect((await ports.store.get(envelope.id))?.result).toBe(1);
  });

  it("records one outcome when a first-time duplicate runs the handler again: the deferred claim's trade-off", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    let runs = 0;
    const counting = async () => ++runs;
    await runDelivery(envelope, ports.delivery(counting));
    // SQS delivered a copy as if for the first time: its handler runs before its one write, which is refused.
    const duplicate = await runDelivery(envelope, ports.delivery(counting));
    expect(duplicate.outcome).toBe("skipped");
    expect(runs).toBe(2);
    expect(await ports.store.get(envelope.id)).toMatchObject({ status: "succeeded", attempts: 1, result: 1 });
  });

  it("records one outcome when two deliveries of its message overlap within the claim threshold", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const { slow, runs } = slowCountingHandler();
    const reports = await Promise.all([
      runDelivery(envelope, ports.delivery(slow)),
      runDelivery(envelope, ports.delivery(slow)),
    ]);
    expect(reports.map((report) => report.outcome).sort()).toEqual(["skipped", "succeeded"]);
    // Both handlers ran (idempotent handlers only: claimAfterMs 0 otherwise); one outcome is recorded.
    expect(runs()).toBe(2);
    const task = await ports.store.get(envelope.id);
    expect(task).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(task?.history.map((entry) => entry.status)).toEqual(["queued", "running", "succeeded"]);
  });

  it("runs a task once when two deliveries of its message overlap and its type claims first", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const { slow, runs } = slowCountingHandler();
    const claimFirst = { claimAfterMsOf: () => 0 };
    const reports = await Promise.all([
      runDelivery(envelope, ports.delivery(slow, claimFirst)),
      runDelivery(envelope, ports.delivery(slow, claimFirst)),
    ]);
    expect(reports.map((report) => report.outcome).sort()).toEqual(["skipped", "succeeded"]);
    expect(runs()).toBe(1);
  });

  it("writes once for an attempt that ends within its threshold: from queued straight to the outcome", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const writes: string[] = [];
    const store = new Proxy(ports.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (["claim", "finishAttempt", "recordAttempt", "reportProgress"].includes(String(property)))
            writes.push(String(property));
          return value.apply(target, args);
        };
      },
    });
    const report = await runDelivery(envelope, ports.delivery(succeed, { store }));
    expect(report).toMatchObject({ outcome: "succeeded", attempt: { number: 1, queueWaitMs: 0 } });
    expect(writes).toEqual(["recordAttempt"]);
    const task = await ports.store.get(envelope.id);
    expect(task?.history.map((entry) => entry.status)).toEqual(["queued", "running", "succeeded"]);
    expect(task?.history.at(-1)).toMatchObject({ attempt: 1 });
    expect(task?.startedAt).toBeDefined();
  });

  it("claims an attempt that outlives its threshold: the task shows running, then the outcome", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    let seen: string | undefined;
    const report = await runDelivery(
      envelope,
      ports.delivery(
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 60));
          seen = (await ports.store.get(envelope.id))?.status;
          return "slow";
        },
        { claimAfterMsOf: () => 20 },
      ),
    );
    expect(seen).toBe("running");
    expect(report).toMatchObject({ outcome: "succeeded", attempt: { number: 1 } });
    const task = await ports.store.get(envelope.id);
    expect(task).toMatchObject({ status: "succeeded", attempts: 1, result: "slow" });
    expect(task?.history.map((entry) => entry.status)).toEqual(["queued", "running", "succeeded"]);
  });

  it("claims an unclaimed attempt before its first progress report", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const report = await runDelivery(
      envelope,
      ports.delivery(async (_input, context) => {
        await context.reportProgress({ percent: 50 });
        return (await ports.store.get(envelope.id))?.progress;
      }),
    );
    expect(report.outcome).toBe("succeeded");
    expect(await ports.store.get(envelope.id)).toMatchObject({
      status: "succeeded",
      attempts: 1,
      result: { percent: 50 },
    });
  });

  it("stops an unclaimed attempt whose task was cancelled while queued, and records nothing of it", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let aborted = false;
    const delivery = runDelivery(
      envelope,
      ports.delivery(async (_input, context) => {
        started();
        await new Promise((_, reject) =>
          context.signal.addEventListener("abort", () => {
            aborted = true;
            reject(new Error("aborted"));
          }),
        );
      }),
    );
    await running;
    // Still queued (not yet claimed): the cancel ends it at once; the cancel poll sees it and aborts the handler.
    expect((await cancelTask(envelope.id, ports.deps)).immediate).toBe(true);
    expect((await delivery).outcome).toBe("skipped");
    expect(aborted).toBe(true);
    const task = await ports.store.get(envelope.id);
    expect(task).toMatchObject({ status: "cancelled", attempts: 0 });
    expect(task?.history.map((entry) => entry.status)).toEqual(["queued", "cancelled"]);
  });

  it("stops an attempt whose deferred claim is refused, and drops its outcome", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    // Another delivery claimed the task meanwhile (it holds a live lease).
    const other = await ports.store.claim(envelope, ports.now(), new Date(ports.now().getTime() + 60_000));
    expect(other.claimed).toBe(true);
    let aborted = false;
    const report = await runDelivery(
      envelope,
      ports.delivery(
        async (_input, context) => {
          await new Promise((resolve) => {
            context.signal.addEventListener("abort", () => {
              aborted = true;
              resolve(undefined);
            });
          });
          return "dropped";
        },
        { claimAfterMsOf: () => 10 },
      ),
    );
    expect(report.outcome).toBe("skipped");
    expect(aborted).toBe(true);
    expect(await ports.store.get(envelope.id)).toMatchObject({ status: "running", attempts: 1 });
  });

  it("sends a stale message back when the task waits under another attempt count, recording nothing", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const flaky = async () => {
      throw new TaskFailure("upstream_busy", "try later", { retryable: true });
    };
    expect((await runDelivery(envelope, ports.delivery(flaky))).outcome).toBe("retrying");
    // The first message again, without the attempts hint the retry's message carries.
    await expect(runDelivery(envelope, ports.delivery(succeed))).rejects.toThrow(/claimed first/);
    expect(await ports.store.get(envelope.id)).toMatchObject({ status: "retrying", attempts: 1 });
    // Back again, it is claimed first, with the attempt count read back.
    expect(await runDelivery(envelope, ports.delivery(succeed), { receiveCount: 2 })).toMatchObject({
      outcome: "succeeded",
      attempt: { number: 2 },
    });
  });

  it("hands a message that arrives early back for what remains (scheduler beyond one SQS delay, SQS within), without running it", async () => {
    const ports = corePorts();
    const runAt = new Date(ports.now().getTime() + 3_600_000).toISOString();
    const envelope = await submitted(ports, { runAt });
    // Due beyond one SQS delay: the submit handed it to the scheduler, no message went out.
    expect(ports.scheduled).toEqual([{ envelope, at: runAt }]);
    expect(ports.sent).toEqual([]);
    let runs = 0;
    const report = await runDelivery(
      envelope,
      ports.delivery(async () => ++runs),
    );
    expect(report.outcome).toBe("deferred");
    expect(ports.scheduled).toEqual([{ envelope, at: runAt }]);
    expect(ports.sent).toEqual([]);
    ports.advance(3_590);
    await runDelivery(
      envelope,
      ports.delivery(async () => ++runs),
    );
    expect(ports.sent.at(-1)?.delaySeconds).toBe(10);
    ports.advance(10);
    expect(
      (
        await runDelivery(
          envelope,
          ports.delivery(async () => ++runs),
        )
      ).outcome,
    ).toBe("succeeded");
    expect(runs).toBe(1);
  });

  it("expires a task not started by its expiresAt, and never runs it", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports, {
      expiresAt: new Date(ports.now().getTime() + 5_000).toISOString(),
      callbackUrl: "https://example.com/hook",
    });
    ports.advance(5);
    let runs = 0;
    const report = await runDelivery(
      envelope,
      ports.delivery(async () => ++runs),
    );
    expect(report.outcome).toBe("expired");
    expect(runs).toBe(0);
    expect(await ports.store.get(envelope.id)).toMatchObject({
      status: "expired",
      error: { type: "expired" },
    });
    expect(ports.deps.ended).toEqual([envelope.id]);
  });

  it("runs again a task that started in time and crashed, even once its expiresAt has passed", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports, {
      expiresAt: new Date(ports.now().getTime() + 5_000).toISOString(),
    });
    // Attempt 1 claims and crashes: its lease runs out after the expiry.
    expect(
      (await ports.store.claim(envelope, ports.now(), new Date(ports.now().getTime() + 10_000))).claimed,
    ).toBe(true);
    ports.advance(11);
    // The crashed delivery's message comes back: received once before.
    const report = await runDelivery(envelope, ports.delivery(succeed), { receiveCount: 2 });
    expect(report).toMatchObject({ outcome: "succeeded", attempt: { number: 2 } });
  });

  it("retries a retryable failure with a backoff delay, then fails on the last attempt", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const flaky = async () => {
      throw new TaskFailure("upstream_busy", "try later", { retryable: true });
    };
    const first = await runDelivery(envelope, ports.delivery(flaky));
    expect(first.outcome).toBe("retrying");
    const retrying = await ports.store.get(envelope.id);
    expect(retrying).toMatchObject({ status: "retrying", error: { type: "upstream_busy" } });
    // Full jitter with random() = 0.5 over base 2 s: 1 s. The message says how many attempts were recorded.
    expect(ports.sent).toEqual([{ envelope: { ...envelope, attempts: 1 }, delaySeconds: 1 }]);
    expect(retrying?.nextAttemptAt).toBe(new Date(ports.now().getTime() + 1_000).toISOString());
    expect((await runDelivery(ports.sent[0]!.envelope, ports.delivery(flaky))).outcome).toBe("retrying");
    expect((await runDelivery(ports.sent[1]!.envelope, ports.delivery(flaky))).outcome).toBe("failed");
    expect(await ports.store.get(envelope.id)).toMatchObject({ status: "failed", attempts: 3 });
    expect(ports.sent).toHaveLength(2);
    expect(
      (await ports.store.get(envelope.id))?.history.map((entry) => `${entry.status}${entry.attempt ?? ""}`),
    ).toEqual(["queued", "running", "retrying1", "running", "retrying2", "running", "failed3"]);
  });

  it("fails a permanent failure at once", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const report = await runDelivery(
      envelope,
      ports.delivery(async () => {
        throw permanentFailure("bad_input", "no");
      }),
    );
    expect(report.outcome).toBe("failed");
    expect(await ports.store.get(envelope.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { retryable: false },
    });
    expect(ports.sent).toHaveLength(0);
  });

  it("sends a rate-limited task on without using an attempt", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const deps = ports.delivery(succeed, {
      rateLimitOf: async () => 1,
      rateLimiter: { acquire: async () => ({ granted: false, retryAfterSeconds: 42 }) },
    });
    expect((await runDelivery(envelope, deps)).outcome).toBe("rate_limited");
    expect(await ports.store.get(envelope.id)).toMatchObject({ status: "queued", attempts: 0 });
    expect(ports.sent).toEqual([{ envelope, delaySeconds: 42 }]);
  });

  it("creates the record from the message when the submit's write never landed", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const lost = { ...envelope, id: "never-written" };
    expect((await runDelivery(lost, ports.delivery(succeed))).outcome).toBe("succeeded");
    expect(await ports.store.get("never-written")).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("drops the outcome of an attempt that ran past its lease: the newer attempt's result stands", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports, { timeLimits: { softSeconds: 1, hardSeconds: 2 } });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const webhookCalls: number[] = [];
    // Attempt 1 hangs (past its lease, 2 s + 30 s margin); its own time limits are on a real clock, so it is released by hand.
    // Its type claims first here, so the claim is written before the handler starts.
    const claimFirst = { claimAfterMsOf: () => 0 };
    const zombie = runDelivery(
      envelope,
      ports.delivery(async (_input, context) => {
        await held;
        webhookCalls.push(context.attempt);
        return "zombie";
      }, claimFirst),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await ports.store.get(envelope.id))?.attempts).toBe(1);
    ports.advance(40);
    const second = await runDelivery(
      envelope,
      ports.delivery(async (_input, context) => {
        webhookCalls.push(context.attempt);
        return "second";
      }),
      { receiveCount: 2 },
    );
    expect(second).toMatchObject({ outcome: "succeeded", attempt: { number: 2 } });
    release();
    expect((await zombie).outcome).toBe("superseded");
    expect(await ports.store.get(envelope.id)).toMatchObject({
      status: "succeeded",
      attempts: 2,
      result: "second",
    });
    // The zombie's handler did run to its end: a handler's side effects must be idempotent per task.
    expect(webhookCalls).toEqual([2, 1]);
  });

  it("fails a task whose last attempt ended without an outcome (a crash), without running it again", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports, { maxAttempts: 1 });
    await ports.store.claim(envelope, ports.now(), new Date(ports.now().getTime() + 1_000));
    ports.advance(2);
    let runs = 0;
    expect(
      (
        await runDelivery(
          envelope,
          ports.delivery(async () => ++runs),
          { receiveCount: 2 },
        )
      ).outcome,
    ).toBe("failed");
    expect(runs).toBe(0);
    expect(await ports.store.get(envelope.id)).toMatchObject({
      status: "failed",
      error: { type: "attempts_exhausted" },
    });
  });

  it("stops a running task on a cancel request: its signal fires and it ends cancelled", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    // Claimed before it runs (claimAfterMs 0), so the cancel finds it running.
    const claimFirst = { claimAfterMsOf: () => 0 };
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const delivery = runDelivery(
      envelope,
      ports.delivery(async (_input, context) => {
        started();
        await new Promise((_, reject) =>
          context.signal.addEventListener("abort", () => reject(new Error("aborted"))),
        );
      }, claimFirst),
    );
    await running;
    const { immediate } = await cancelTask(envelope.id, ports.deps);
    expect(immediate).toBe(false);
    expect((await delivery).outcome).toBe("cancelled");
    expect(await ports.store.get(envelope.id)).toMatchObject({
      status: "cancelled",
      error: { type: "cancelled" },
    });
  });

  it("ends a running task that ignores its cancel signal cancelled at the hard limit, not as a retryable timeout", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports, { timeLimits: { softSeconds: 5, hardSeconds: 0.3 } });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const delivery = runDelivery(
      envelope,
      ports.delivery(
        async () => {
          started();
          // Deaf to its signal: runs on past the request and the hard limit.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          return "too late";
        },
        { claimAfterMsOf: () => 0 },
      ),
    );
    await running;
    expect((await cancelTask(envelope.id, ports.deps)).immediate).toBe(false);
    expect((await delivery).outcome).toBe("cancelled");
    expect(await ports.store.get(envelope.id)).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(ports.sent).toHaveLength(0);
  });
});

describe("task management", () => {
  const isApiError = (status: number) => (error: unknown) =>
    error instanceof ApiError && error.status === status;

  it("cancels a waiting task at once, and refuses an ended one with 409", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const { task, immediate } = await cancelTask(envelope.id, ports.deps);
    expect(immediate).toBe(true);
    expect(task.status).toBe("cancelled");
    expect(ports.deps.ended).toEqual([envelope.id]);
    await expect(cancelTask(envelope.id, ports.deps)).rejects.toSatisfy(isApiError(409));
    await expect(cancelTask("missing", ports.deps)).rejects.toSatisfy(isApiError(404));
  });

  it("retries a failed task by id: queued again under its id, history kept, message sent", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    await runDelivery(
      envelope,
      ports.delivery(async () => {
        throw permanentFailure("bad", "no");
      }),
    );
    const retried = await retryTask(envelope.id, ports.deps);
    expect(retried).toMatchObject({ id: envelope.id, status: "queued", attempts: 0 });
    expect(retried.history.map((entry) => entry.status)).toEqual(["queued", "running", "failed", "queued"]);
    expect(ports.sent.map((message) => message.envelope.id)).toEqual([envelope.id]);
    expect((await runDelivery(ports.sent[0]!.envelope, ports.delivery(succeed))).outcome).toBe("succeeded");
    await expect(retryTask(envelope.id, ports.deps)).rejects.toSatisfy(isApiError(409));
  });

  describe("redrive", () => {
    function deadLetters(bodies: string[]): LaneQueues {
      return {
        depth: async () => {
          throw new Error("not used");
        },
        drainDeadLetters: async (_lane, accept) => {
          let moved = 0;
          for (const body of bodies.splice(0)) if (await accept(body)) moved += 1;
          return moved;
        },
      };
    }
    const deadLettered = { type: "dead_lettered", message: "to the DLQ", retryable: true };

    it("queues a dead-lettered task again and re-sends its message, which runs it", async () => {
      const ports = corePorts();
      const envelope = await submitted(ports);
      await ports.store.markDeadLettered(envelope.id, deadLettered, ports.now());
      const { moved } = await redriveLane("default", deadLetters([JSON.stringify(envelope)]), ports.depsIn);
      expect(moved).toBe(1);
      expect(await ports.store.get(envelope.id)).toMatchObject({ status: "queued", attempts: 0 });
      expect((await runDelivery(ports.sent[0]!.envelope, ports.delivery(succeed))).outcome).toBe("succeeded");
    });

    it("leaves a task that was cancelled, succeeded or retried by id since its message was dead-lettered as it is", async () => {
      const ports = corePorts();
      const cancelled = await submitted(ports);
      await ports.store.markDeadLettered(cancelled.id, deadLettered, ports.now());
      await ports.store.requeue(cancelled.id, ports.now());
      await cancelTask(cancelled.id, ports.deps);
      const succeeded = await submitted(ports);
      await runDelivery(succeeded, ports.delivery(succeed));
      const retried = await submitted(ports);
      await ports.store.markDeadLettered(retried.id, deadLettered, ports.now());
      await retryTask(retried.id, ports.deps);
      const claimed = await ports.store.claim(retried, ports.now(), new Date(ports.now().getTime() + 60_000));
      expect(claimed.claimed).toBe(true);
      ports.sent.length = 0;

      const bodies = [cancelled, succeeded, retried].map((envelope) => JSON.stringify(envelope));
      const { moved } = await redriveLane(
        "default",
        deadLetters([...bodies, "not an envelope"]),
        ports.depsIn,
      );
      expect(moved).toBe(3);
      expect((await ports.store.get(cancelled.id))?.status).toBe("cancelled");
      expect((await ports.store.get(succeeded.id))?.status).toBe("succeeded");
      expect(await ports.store.get(retried.id)).toMatchObject({ status: "running", attempts: 1 });
      // The re-sent messages find nothing to run.
      for (const { envelope } of ports.sent) {
        expect((await runDelivery(envelope, ports.delivery(succeed))).outcome).toBe("skipped");
      }
    });
  });
});

describe("payload locations: only the server's are followed", () => {
  const lookalike = (key: string) => ({ $payload: { key, bytes: 30 } });

  it("an input that looks like a placeholder is the input: no other task's payload is read", async () => {
    const ports = corePorts();
    // Another task's large input, kept in the payload store.
    const victim = await submitted(ports, { input: { value: `secret ${"x".repeat(9_000)}` } });
    expect(victim.inputPayload?.key).toBe(`inputs/${victim.id}.json`);
    const reads: string[] = [];
    const { payloads } = ports.delivery(succeed);
    // A message nobody submitted (a schedule's, a hand-made one): the claim creates its record from it.
    const envelope = {
      ...(await submitted(ports)),
      id: "hand-made",
      input: lookalike(`inputs/${victim.id}.json`),
    };
    const seen: unknown[] = [];
    const report = await runDelivery(envelope, {
      ...ports.delivery(async (input) => seen.push(input)),
      payloads: {
        ...payloads,
        get: async (key) => {
          reads.push(key);
          return payloads.get(key);
        },
      },
    });
    // Echo's schema refuses the placeholder-shaped input as it is; it never became the victim's input.
    expect(report.outcome).toBe("failed");
    expect(reads).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("a result that looks like a placeholder is stored as the result, with no location", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    await runDelivery(
      envelope,
      ports.delivery(async () => lookalike("inputs/someone-else.json")),
    );
    const task = await ports.store.get(envelope.id);
    expect(task?.result).toEqual(lookalike("inputs/someone-else.json"));
    expect(task?.resultPayload).toBeUndefined();
  });

  it("a large result is kept in the payload store and its location set by the server", async () => {
    const ports = corePorts();
    const envelope = await submitted(ports);
    const big = "y".repeat(9_000);
    await runDelivery(
      envelope,
      ports.delivery(async () => big),
    );
    const task = await ports.store.get(envelope.id);
    const key = `results/${envelope.id}/1.json`;
    expect(task?.resultPayload).toEqual({ key, bytes: big.length + 2 });
    expect(task?.result).toEqual({ $payload: task?.resultPayload });
    expect(JSON.parse(ports.payloads.get(key)!)).toBe(big);
  });
});
