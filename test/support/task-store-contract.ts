/**
 * The TaskStore contract (functions/core/ports.ts), as one set of cases run
 * over every store: the in-memory one in the unit tier
 * (test/unit/task-store.test.ts) and the DynamoDB one on DynamoDB Local in
 * the integration tier (test/integration/task-store.local.test.ts). A new
 * store passes these before it replaces the old one.
 *
 * Counters may lag (a store may aggregate them off the hot path), so counts
 * are polled until they agree; everything else is read back at once.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { historyLimit } from "../../functions/adapters/task-item-layout.ts";
import { envelopeOf } from "../../functions/core/envelope.ts";
import type { AttemptOutcome, TaskCounts, TaskStore } from "../../functions/core/ports.ts";
import type { Submission } from "../../functions/core/submission.ts";
import { newTask } from "../../functions/core/submit-task.ts";
import type { Task, TaskStatus } from "../../functions/core/task.ts";
import { newTaskId } from "../../functions/core/task-ids.ts";

export interface ContractStore {
  /** The store of the default namespace. */
  readonly store: TaskStore;
  /** The store of another namespace, over the same records. */
  readonly inNamespace: (namespace: string) => TaskStore;
  /** How long counts() may lag behind the records (0: at once). */
  readonly countsLagMs: number;
}

/** Makes a store for one case: each case gets a store whose counts start from zero. */
export type TaskStoreFactory = () => Promise<ContractStore>;

const ttlSeconds = 7 * 86_400;
const leaseSeconds = 60;

/** The clock the cases run on: about now, so a store's TTLs stay realistic. */
export function contractClock(): { now: () => Date; advance: (seconds: number) => Date } {
  let at = Math.floor(Date.now() / 1000) * 1000;
  return {
    now: () => new Date(at),
    advance: (seconds) => {
      at += seconds * 1000;
      return new Date(at);
    },
  };
}

export function submissionOf(extra: Partial<Submission> = {}): Submission {
  return { type: "echo", input: { value: "contract" }, priority: "normal", maxAttempts: 3, ...extra };
}

/** A task as the API makes it: a ULID id for its creation time. */
const newTaskAt = (submission: Parameters<typeof newTask>[0], at: Date) =>
  newTask(submission, newTaskId(at), at);

const leaseFrom = (now: Date, seconds = leaseSeconds) => new Date(now.getTime() + seconds * 1000);
const failure = (type: string) => ({ type, message: `${type} in a test`, retryable: true });
const statuses = (task: Task | undefined) => task?.history.map((entry) => entry.status);

/** Polls counts() until `expected` holds for every status it names (counts may lag by `lagMs`). */
export async function expectCounts(
  store: TaskStore,
  lagMs: number,
  expected: Partial<Record<TaskStatus, number>>,
): Promise<void> {
  const deadline = Date.now() + lagMs;
  let counts: TaskCounts = await store.counts();
  const matches = () =>
    Object.entries(expected).every(
      ([status, value]) => (counts.byStatus[status as TaskStatus] ?? 0) === value,
    );
  while (!matches() && Date.now() < deadline) {
    await sleep(100);
    counts = await store.counts();
  }
  const seen = Object.fromEntries(
    Object.keys(expected).map((status) => [status, counts.byStatus[status as TaskStatus] ?? 0]),
  );
  expect(seen).toEqual(expected);
}

export function describeTaskStoreContract(name: string, makeStore: TaskStoreFactory): void {
  describe(`TaskStore contract: ${name}`, () => {
    async function setUp() {
      const { store, countsLagMs, inNamespace } = await makeStore();
      const clock = contractClock();
      const create = async (extra: Partial<Submission> = {}) => {
        const task = newTaskAt(submissionOf(extra), clock.now());
        expect(await store.create(task)).toEqual({ created: true });
        return task;
      };
      const claim = (task: Task, lease = leaseSeconds) =>
        store.claim(envelopeOf(task), clock.now(), leaseFrom(clock.now(), lease));
      /** A task claimed once: running attempt 1. */
      const running = async (extra: Partial<Submission> = {}, lease = leaseSeconds) => {
        const task = await create(extra);
        const claimed = await claim(task, lease);
        expect(claimed.claimed).toBe(true);
        return task;
      };
      return { store, countsLagMs, inNamespace, clock, create, claim, running };
    }

    describe("namespaces", () => {
      it("finds, changes and lists a task only in its own namespace", async () => {
        const { store, inNamespace, clock, create } = await setUp();
        const other = inNamespace("contract-other");
        const ours = await create();
        const failed = await create();
        await store.failUnsent(failed.id, failure("enqueue_failed"), clock.now());
        expect(await other.get(ours.id)).toBeUndefined();
        expect(await other.cancel(ours.id, clock.now())).toEqual({ outcome: "not_found" });
        expect(await other.requeue(failed.id, clock.now())).toEqual({});
        expect(await other.isCancelRequested(ours.id)).toBe(false);
        expect((await other.list({}, 50, undefined)).items.map((task) => task.id)).not.toContain(ours.id);
        // Nothing the other namespace tried changed our records.
        expect((await store.get(ours.id))?.status).toBe("queued");
        expect((await store.get(failed.id))?.status).toBe("failed");
      });

      it("keeps the same idempotency key apart per namespace", async () => {
        const { store, inNamespace, clock } = await setUp();
        const other = inNamespace("contract-other");
        const claim = { scope: "same-scope", key: randomUUID(), requestHash: "h", ttlSeconds: 3600 };
        expect(await store.reserveIdempotencyKey(claim, "task-a", clock.now())).toEqual({ created: true });
        expect(await other.reserveIdempotencyKey(claim, "task-b", clock.now())).toEqual({ created: true });
      });

      it("claims a message into its namespace, with the namespace and submitter the envelope names", async () => {
        const { inNamespace, clock } = await setUp();
        const other = inNamespace("contract-other");
        const task = newTask(submissionOf(), newTaskId(clock.now()), clock.now(), {
          namespace: "contract-other",
          submittedBy: { name: "contract key", keyId: "0123456789ab" },
        });
        const claimed = await other.claim(envelopeOf(task), clock.now(), leaseFrom(clock.now()));
        expect(claimed.claimed).toBe(true);
        expect(await other.get(task.id)).toMatchObject({
          namespace: "contract-other",
          submittedBy: { name: "contract key", keyId: "0123456789ab" },
        });
      });
    });

    describe("create and get", () => {
      it("stores a task as given and refuses a second record under its id", async () => {
        const { store, create } = await setUp();
        const task = await create({ tags: { team: "contract" } });
        expect(await store.get(task.id)).toEqual(task);
        expect(await store.create(task)).toMatchObject({ created: false, existingTaskId: task.id });
        expect(await store.get(randomUUID())).toBeUndefined();
      });
    });

    describe("claim", () => {
      it("lets exactly one of two simultaneous deliveries claim a queued task", async () => {
        const { store, create, claim } = await setUp();
        const task = await create();
        const results = await Promise.all([claim(task), claim(task), claim(task)]);
        expect(results.filter((result) => result.claimed)).toHaveLength(1);
        const stored = await store.get(task.id);
        expect(stored).toMatchObject({ status: "running", attempts: 1 });
        expect(statuses(stored)).toEqual(["queued", "running"]);
      });

      it("claims a scheduled and a retrying task", async () => {
        const { store, clock, create, claim } = await setUp();
        const scheduled = await create({ runAt: new Date(clock.now().getTime() + 1_000).toISOString() });
        expect(scheduled.status).toBe("scheduled");
        expect((await claim(scheduled)).claimed).toBe(true);
        const outcome: AttemptOutcome = {
          status: "retrying",
          error: failure("flaky"),
          nextAttemptAt: clock.advance(1).toISOString(),
        };
        expect(await store.finishAttempt(scheduled.id, 1, outcome, clock.now())).toBe(true);
        expect(await store.get(scheduled.id)).toMatchObject({
          status: "retrying",
          nextAttemptAt: outcome.nextAttemptAt,
        });
        const again = await claim(scheduled);
        expect(again.claimed && again.task).toMatchObject({ status: "running", attempts: 2 });
        expect((await store.get(scheduled.id))?.nextAttemptAt).toBeUndefined();
        expect(statuses(await store.get(scheduled.id))).toEqual([
          "scheduled",
          "running",
          "retrying",
          "running",
        ]);
      });

      it("creates the record from the envelope when the submit's write has not landed", async () => {
        const { store, clock } = await setUp();
        const task = newTaskAt(submissionOf({ tags: { from: "envelope" } }), clock.now());
        const claimed = await store.claim(envelopeOf(task), clock.now(), leaseFrom(clock.now()));
        expect(claimed.claimed).toBe(true);
        const stored = await store.get(task.id);
        expect(stored).toMatchObject({
          id: task.id,
          type: task.type,
          status: "running",
          attempts: 1,
          input: task.input,
          tags: task.tags,
        });
        expect(statuses(stored)).toEqual(["queued", "running"]);
        // The submit's late write then finds the record there and does not overwrite it.
        expect((await store.create(task)).created).toBe(false);
        expect((await store.get(task.id))?.status).toBe("running");
      });

      it("does not claim a task another attempt holds under a live lease, and claims it once the lease ran out", async () => {
        const { store, clock, claim, running } = await setUp();
        const task = await running({}, 10);
        clock.advance(5);
        const refused = await claim(task);
        expect(refused).toMatchObject({ claimed: false, current: { status: "running", attempts: 1 } });
        clock.advance(6);
        const reclaimed = await claim(task);
        expect(reclaimed.claimed && reclaimed.task.attempts).toBe(2);
        expect(statuses(await store.get(task.id))).toEqual(["queued", "running", "running"]);
      });

      it.each(["succeeded", "failed", "cancelled", "expired"] as const)(
        "never claims a %s task",
        async (end) => {
          const { store, clock, create, claim, running } = await setUp();
          let task: Task;
          if (end === "expired") {
            task = await create();
            expect(await store.expire(task.id, clock.now())).toBe(true);
          } else if (end === "cancelled") {
            task = await create();
            expect((await store.cancel(task.id, clock.now())).outcome).toBe("cancelled");
          } else {
            task = await running();
            const outcome: AttemptOutcome =
              end === "succeeded" ? { status: end, result: 1 } : { status: end, error: failure("boom") };
            expect(await store.finishAttempt(task.id, 1, outcome, clock.now())).toBe(true);
          }
          clock.advance(3_600);
          const result = await claim(task);
          expect(result).toMatchObject({ claimed: false, current: { status: end } });
        },
      );
    });

    describe("recordAttempt (an attempt that ended before its claim was due)", () => {
      const succeeded: AttemptOutcome = { status: "succeeded", result: { n: 1 } };

      it("goes from queued straight to the outcome in one write: attempts, start and end in the history", async () => {
        const { store, clock, create } = await setUp();
        const task = await create();
        const startedAt = clock.advance(1);
        const at = clock.advance(1);
        const result = await store.recordAttempt(envelopeOf(task), 0, startedAt, succeeded, at);
        expect(result.recorded && result.task).toMatchObject({ status: "succeeded", attempts: 1 });
        const stored = await store.get(task.id);
        expect(stored).toMatchObject({
          status: "succeeded",
          attempts: 1,
          result: { n: 1 },
          startedAt: startedAt.toISOString(),
          finishedAt: at.toISOString(),
        });
        expect(stored?.history.slice(1)).toEqual([
          { status: "running", at: startedAt.toISOString() },
          { status: "succeeded", at: at.toISOString(), attempt: 1 },
        ]);
      });

      it("records a retryable failure from retrying, with the next attempt's time, when the hint holds", async () => {
        const { store, clock, create } = await setUp();
        const task = await create({ runAt: new Date(clock.now().getTime() + 1_000).toISOString() });
        const retrying = (attempt: number): AttemptOutcome => ({
          status: "retrying",
          error: failure(`flaky${attempt}`),
          nextAttemptAt: new Date(clock.now().getTime() + 5_000).toISOString(),
        });
        expect(
          (await store.recordAttempt(envelopeOf(task), 0, clock.now(), retrying(1), clock.now())).recorded,
        ).toBe(true);
        // A stale hint (the first message again) is refused: the task says what it is.
        const stale = await store.recordAttempt(envelopeOf(task), 0, clock.now(), succeeded, clock.now());
        expect(stale).toMatchObject({ recorded: false, current: { status: "retrying", attempts: 1 } });
        expect(
          (await store.recordAttempt(envelopeOf(task), 1, clock.now(), retrying(2), clock.now())).recorded,
        ).toBe(true);
        expect(
          (
            await store.recordAttempt(
              envelopeOf(task),
              2,
              clock.now(),
              { status: "failed", error: failure("done") },
              clock.now(),
            )
          ).recorded,
        ).toBe(true);
        const stored = await store.get(task.id);
        expect(stored).toMatchObject({ status: "failed", attempts: 3, error: { type: "done" } });
        expect(stored?.nextAttemptAt).toBeUndefined();
        expect(statuses(stored)).toEqual([
          "scheduled",
          "running",
          "retrying",
          "running",
          "retrying",
          "running",
          "failed",
        ]);
      });

      it("creates the record from the envelope when the submit's write has not landed", async () => {
        const { store, clock } = await setUp();
        const task = newTaskAt(submissionOf({ tags: { from: "envelope" } }), clock.now());
        expect(
          (await store.recordAttempt(envelopeOf(task), 0, clock.now(), succeeded, clock.now())).recorded,
        ).toBe(true);
        const stored = await store.get(task.id);
        expect(stored).toMatchObject({
          status: "succeeded",
          attempts: 1,
          input: task.input,
          tags: task.tags,
        });
        expect(statuses(stored)).toEqual(["queued", "running", "succeeded"]);
        expect((await store.create(task)).created).toBe(false);
      });

      it("refuses a task another attempt holds, an ended one and a cancelled one, writing nothing", async () => {
        const { store, clock, create, running } = await setUp();
        const held = await running();
        expect(
          await store.recordAttempt(envelopeOf(held), 0, clock.now(), succeeded, clock.now()),
        ).toMatchObject({
          recorded: false,
          current: { status: "running", attempts: 1 },
        });
        const cancelled = await create();
        expect((await store.cancel(cancelled.id, clock.now())).outcome).toBe("cancelled");
        expect(
          await store.recordAttempt(envelopeOf(cancelled), 0, clock.now(), succeeded, clock.now()),
        ).toMatchObject({ recorded: false, current: { status: "cancelled" } });
        const done = await create();
        expect(
          (await store.recordAttempt(envelopeOf(done), 0, clock.now(), succeeded, clock.now())).recorded,
        ).toBe(true);
        // A duplicate delivery's attempt: exactly one outcome is ever recorded.
        expect(
          (
            await store.recordAttempt(
              envelopeOf(done),
              0,
              clock.now(),
              { status: "succeeded", result: 2 },
              clock.now(),
            )
          ).recorded,
        ).toBe(false);
        expect(await store.get(done.id)).toMatchObject({
          status: "succeeded",
          attempts: 1,
          result: { n: 1 },
        });
        expect(statuses(await store.get(held.id))).toEqual(["queued", "running"]);
        expect(statuses(await store.get(cancelled.id))).toEqual(["queued", "cancelled"]);
      });

      it("records over a crashed attempt whose lease ran out, as a claim would", async () => {
        const { store, clock, running } = await setUp();
        const task = await running({}, 10);
        clock.advance(11);
        expect(
          (await store.recordAttempt(envelopeOf(task), 1, clock.now(), succeeded, clock.now())).recorded,
        ).toBe(true);
        expect(await store.get(task.id)).toMatchObject({ status: "succeeded", attempts: 2 });
        expect(statuses(await store.get(task.id))).toEqual(["queued", "running", "running", "succeeded"]);
      });

      it("races a claim: exactly one of them starts the attempt", async () => {
        const { store, clock, create, claim } = await setUp();
        const task = await create();
        const [recorded, claimed] = await Promise.all([
          store.recordAttempt(envelopeOf(task), 0, clock.now(), succeeded, clock.now()),
          claim(task),
        ]);
        expect([recorded.recorded, claimed.claimed].filter(Boolean)).toHaveLength(1);
        expect((await store.get(task.id))?.attempts).toBe(1);
      });

      it("counts a task that went straight to its outcome", async () => {
        const { store, clock, create, countsLagMs } = await setUp();
        const task = await create();
        await store.recordAttempt(envelopeOf(task), 0, clock.now(), succeeded, clock.now());
        await expectCounts(store, countsLagMs, { queued: 0, running: 0, succeeded: 1 });
      });
    });

    describe("the deferred claim (claim with the attempts the message expects)", () => {
      it("claims only a task that has recorded the attempts the message says", async () => {
        const { store, clock, create } = await setUp();
        const task = await create();
        const lease = leaseFrom(clock.now());
        expect((await store.claim(envelopeOf(task), clock.now(), lease, 1)).claimed).toBe(false);
        const claimed = await store.claim(envelopeOf(task), clock.now(), lease, 0);
        expect(claimed.claimed && claimed.task).toMatchObject({ status: "running", attempts: 1 });
        const fresh = newTaskAt(submissionOf(), clock.now());
        expect((await store.claim(envelopeOf(fresh), clock.now(), lease, 1)).claimed).toBe(false);
        expect((await store.claim(envelopeOf(fresh), clock.now(), lease, 0)).claimed).toBe(true);
      });
    });

    describe("finishAttempt", () => {
      it("records success: the result, finishedAt, and an entry naming the attempt", async () => {
        const { store, clock, running } = await setUp();
        const task = await running();
        const at = clock.advance(2);
        expect(await store.finishAttempt(task.id, 1, { status: "succeeded", result: { n: 1 } }, at)).toBe(
          true,
        );
        const stored = await store.get(task.id);
        expect(stored).toMatchObject({ status: "succeeded", result: { n: 1 }, finishedAt: at.toISOString() });
        expect(stored?.history.at(-1)).toEqual({ status: "succeeded", at: at.toISOString(), attempt: 1 });
      });

      it("drops the outcome of a zombie attempt whose task was claimed again: the newer attempt's result stands", async () => {
        const { store, clock, claim, running } = await setUp();
        const task = await running({}, 10);
        clock.advance(11);
        const second = await claim(task);
        expect(second.claimed && second.task.attempts).toBe(2);
        // Attempt 1 still runs past its lease and finishes late, before and after attempt 2.
        expect(
          await store.finishAttempt(task.id, 1, { status: "succeeded", result: "zombie" }, clock.now()),
        ).toBe(false);
        expect(await store.get(task.id)).toMatchObject({ status: "running", attempts: 2 });
        expect(
          await store.finishAttempt(task.id, 2, { status: "succeeded", result: "second" }, clock.now()),
        ).toBe(true);
        expect(
          await store.finishAttempt(task.id, 1, { status: "failed", error: failure("late") }, clock.now()),
        ).toBe(false);
        const stored = await store.get(task.id);
        expect(stored).toMatchObject({ status: "succeeded", result: "second" });
        expect(stored?.error).toBeUndefined();
        expect(stored?.history.filter((entry) => entry.status === "succeeded")).toHaveLength(1);
      });

      it("refuses to finish an attempt of a task that is not running", async () => {
        const { store, clock, create } = await setUp();
        const task = await create();
        expect(await store.finishAttempt(task.id, 0, { status: "succeeded", result: 1 }, clock.now())).toBe(
          false,
        );
        expect(
          await store.finishAttempt(randomUUID(), 1, { status: "succeeded", result: 1 }, clock.now()),
        ).toBe(false);
        expect((await store.get(task.id))?.status).toBe("queued");
      });

      it("saves progress for the running attempt only, and tells a stale attempt to stop", async () => {
        const { store, clock, claim, running } = await setUp();
        const task = await running({}, 10);
        expect(await store.reportProgress(task.id, 1, { percent: 40 }, clock.now())).toEqual({
          cancelRequested: false,
        });
        expect((await store.get(task.id))?.progress).toEqual({ percent: 40 });
        clock.advance(11);
        expect((await claim(task)).claimed).toBe(true);
        expect((await store.get(task.id))?.progress).toBeUndefined();
        expect(await store.reportProgress(task.id, 1, { percent: 90 }, clock.now())).toEqual({
          cancelRequested: true,
        });
        expect((await store.get(task.id))?.progress).toBeUndefined();
      });
    });

    describe("expire", () => {
      it("expires queued, scheduled and retrying tasks, and nothing running or ended", async () => {
        const { store, clock, create, running } = await setUp();
        const queued = await create();
        const scheduled = await create({ runAt: new Date(clock.now().getTime() + 60_000).toISOString() });
        const retrying = await running();
        const nextAttemptAt = clock.advance(1).toISOString();
        await store.finishAttempt(
          retrying.id,
          1,
          { status: "retrying", error: failure("x"), nextAttemptAt },
          clock.now(),
        );
        const live = await running();
        for (const task of [queued, scheduled, retrying])
          expect(await store.expire(task.id, clock.now())).toBe(true);
        expect(await store.expire(live.id, clock.now())).toBe(false);
        expect(await store.expire(queued.id, clock.now())).toBe(false);
        expect(await store.expire(randomUUID(), clock.now())).toBe(false);
        const expired = await store.get(retrying.id);
        expect(expired).toMatchObject({ status: "expired", error: { type: "expired" } });
        expect(expired?.nextAttemptAt).toBeUndefined();
        expect(expired?.finishedAt).toBeDefined();
        expect((await store.get(live.id))?.status).toBe("running");
      });

      it("races a claim: the task either expires or runs, never both", async () => {
        const { store, clock, create, claim } = await setUp();
        for (let round = 0; round < 5; round++) {
          const task = await create();
          const [expired, claimed] = await Promise.all([store.expire(task.id, clock.now()), claim(task)]);
          expect(expired !== claimed.claimed).toBe(true);
          const stored = await store.get(task.id);
          expect(stored?.status).toBe(expired ? "expired" : "running");
          expect(statuses(stored)).toHaveLength(2);
        }
      });

      it("races a cancel: exactly one of them ends the task", async () => {
        const { store, clock, create } = await setUp();
        for (let round = 0; round < 5; round++) {
          const task = await create();
          const [expired, cancelled] = await Promise.all([
            store.expire(task.id, clock.now()),
            store.cancel(task.id, clock.now()),
          ]);
          expect(expired !== (cancelled.outcome === "cancelled")).toBe(true);
          if (expired) expect(cancelled).toMatchObject({ outcome: "terminal", task: { status: "expired" } });
          const stored = await store.get(task.id);
          expect(
            stored?.history.filter((entry) => entry.status === "expired" || entry.status === "cancelled"),
          ).toHaveLength(1);
        }
      });
    });

    describe("cancel", () => {
      it("cancels queued, scheduled and retrying tasks at once", async () => {
        const { store, clock, create, running } = await setUp();
        const queued = await create();
        const scheduled = await create({ runAt: new Date(clock.now().getTime() + 60_000).toISOString() });
        const retrying = await running();
        await store.finishAttempt(
          retrying.id,
          1,
          { status: "retrying", error: failure("x"), nextAttemptAt: clock.advance(30).toISOString() },
          clock.now(),
        );
        for (const task of [queued, scheduled, retrying]) {
          const result = await store.cancel(task.id, clock.now());
          expect(result).toMatchObject({ outcome: "cancelled", task: { status: "cancelled" } });
          // An attempt running unclaimed (the deferred claim) finds its task cancelled and stops.
          expect(await store.isCancelRequested(task.id)).toBe(true);
        }
        expect((await store.get(retrying.id))?.nextAttemptAt).toBeUndefined();
        expect(statuses(await store.get(retrying.id))).toEqual([
          "queued",
          "running",
          "retrying",
          "cancelled",
        ]);
      });

      it("asks a running task to stop; the attempt then ends cancelled", async () => {
        const { store, clock, running } = await setUp();
        const task = await running();
        const requested = await store.cancel(task.id, clock.now());
        expect(requested).toMatchObject({ outcome: "requested", task: { status: "running" } });
        expect(requested.outcome === "requested" && requested.task.cancelRequestedAt).toBe(
          clock.now().toISOString(),
        );
        expect(await store.isCancelRequested(task.id)).toBe(true);
        expect(await store.reportProgress(task.id, 1, { percent: 10 }, clock.now())).toEqual({
          cancelRequested: true,
        });
        // Asking again keeps the first request's time.
        clock.advance(1);
        const again = await store.cancel(task.id, clock.now());
        expect(again.outcome === "requested" && again.task.cancelRequestedAt).toBe(
          requested.outcome === "requested" && requested.task.cancelRequestedAt,
        );
        const error = { type: "cancelled", message: "cancelled on request", retryable: false };
        expect(await store.finishAttempt(task.id, 1, { status: "cancelled", error }, clock.now())).toBe(true);
        expect(await store.get(task.id)).toMatchObject({ status: "cancelled", error });
      });

      it("answers terminal for an ended task and not_found for none", async () => {
        const { store, clock, running } = await setUp();
        const task = await running();
        await store.finishAttempt(task.id, 1, { status: "succeeded", result: 1 }, clock.now());
        expect(await store.cancel(task.id, clock.now())).toMatchObject({
          outcome: "terminal",
          task: { status: "succeeded" },
        });
        expect(await store.cancel(randomUUID(), clock.now())).toEqual({ outcome: "not_found" });
      });

      it("races success: the task ends in exactly one terminal state", async () => {
        const { store, clock, running } = await setUp();
        for (let round = 0; round < 5; round++) {
          const task = await running();
          const [cancelled, finished] = await Promise.all([
            store.cancel(task.id, clock.now()),
            store.finishAttempt(task.id, 1, { status: "succeeded", result: round }, clock.now()),
          ]);
          expect(finished).toBe(true);
          expect(["requested", "terminal"]).toContain(cancelled.outcome);
          const stored = await store.get(task.id);
          expect(stored).toMatchObject({ status: "succeeded", result: round });
          expect(statuses(stored)).toEqual(["queued", "running", "succeeded"]);
        }
      });
    });

    describe("requeue (retry by id)", () => {
      it("queues failed, cancelled and expired tasks again, history kept, attempts and outcome reset", async () => {
        const { store, clock, create, running } = await setUp();
        const failed = await running();
        await store.finishAttempt(failed.id, 1, { status: "failed", error: failure("boom") }, clock.now());
        const cancelled = await create();
        await store.cancel(cancelled.id, clock.now());
        const expired = await create();
        await store.expire(expired.id, clock.now());
        for (const task of [failed, cancelled, expired]) {
          const before = await store.get(task.id);
          const result = await store.requeue(task.id, clock.advance(1));
          expect(result.task).toMatchObject({ id: task.id, status: "queued", attempts: 0 });
          const stored = await store.get(task.id);
          expect(stored?.error).toBeUndefined();
          expect(stored?.finishedAt).toBeUndefined();
          expect(statuses(stored)).toEqual([...(statuses(before) ?? []), "queued"]);
        }
        const again = await store.claim(envelopeOf(failed), clock.now(), leaseFrom(clock.now()));
        expect(again.claimed && again.task.attempts).toBe(1);
      });

      it("keeps the newest history entries however often a task is retried, counting the dropped ones", async () => {
        const { store, clock, create } = await setUp();
        const task = await create();
        const cycles = 30;
        for (let cycle = 0; cycle < cycles; cycle++) {
          await store.cancel(task.id, clock.advance(1));
          expect((await store.requeue(task.id, clock.advance(1))).task?.status).toBe("queued");
        }
        const stored = await store.get(task.id);
        const written = 1 + 2 * cycles; // queued, then cancelled and queued again each cycle
        expect(stored?.history).toHaveLength(historyLimit);
        expect(stored?.historyDropped).toBe(written - historyLimit);
        expect(statuses(stored)?.slice(-4)).toEqual(["cancelled", "queued", "cancelled", "queued"]);
        expect(stored?.history.at(-1)?.at).toBe(clock.now().toISOString());
      });

      it("refuses running, waiting and succeeded tasks, and answers nothing for a missing one", async () => {
        const { store, clock, create, running } = await setUp();
        const live = await running();
        const queued = await create();
        const done = await running();
        await store.finishAttempt(done.id, 1, { status: "succeeded", result: "kept" }, clock.now());
        for (const [task, status] of [
          [live, "running"],
          [queued, "queued"],
          [done, "succeeded"],
        ] as const) {
          expect(await store.requeue(task.id, clock.now())).toMatchObject({ current: { status } });
        }
        expect((await store.get(done.id))?.result).toBe("kept");
        expect(await store.requeue(randomUUID(), clock.now())).toEqual({});
      });

      it("leaves a workflow's node task to its workflow when asked to, and requeues it otherwise", async () => {
        const { store, clock } = await setUp();
        const node: Task = {
          ...newTaskAt(submissionOf({}), clock.now()),
          workflow: { id: "01WORKFLOW", node: "n0", index: 0 },
        };
        expect(await store.create(node)).toEqual({ created: true });
        await store.cancel(node.id, clock.now());
        const refused = await store.requeue(node.id, clock.advance(1), { outsideWorkflows: true });
        expect(refused).toEqual({ current: expect.objectContaining({ status: "cancelled" }) });
        expect(refused.task).toBeUndefined();
        expect((await store.get(node.id))?.status).toBe("cancelled");
        expect((await store.requeue(node.id, clock.advance(1))).task?.status).toBe("queued");
      });
    });

    describe("markDeadLettered and failUnsent", () => {
      it("fails a task whose message was dead-lettered before it ended, from any waiting or running state", async () => {
        const { store, clock, create, running } = await setUp();
        const error = { type: "dead_lettered", message: "to the DLQ", retryable: true };
        const live = await running();
        const scheduled = await create({ runAt: new Date(clock.now().getTime() + 60_000).toISOString() });
        const queued = await create();
        for (const task of [live, scheduled, queued]) {
          await store.markDeadLettered(task.id, error, clock.now());
          const stored = await store.get(task.id);
          expect(stored).toMatchObject({ status: "failed", error });
          expect(stored?.history.at(-1)).toMatchObject({ status: "failed", error });
        }
        // The dead-lettered attempt can no longer record an outcome.
        expect(await store.finishAttempt(live.id, 1, { status: "succeeded", result: 1 }, clock.now())).toBe(
          false,
        );
      });

      it("leaves an ended task as it ended", async () => {
        const { store, clock, create, running } = await setUp();
        const error = { type: "dead_lettered", message: "to the DLQ", retryable: true };
        const done = await running();
        await store.finishAttempt(done.id, 1, { status: "succeeded", result: "ok" }, clock.now());
        const cancelled = await create();
        await store.cancel(cancelled.id, clock.now());
        await store.markDeadLettered(done.id, error, clock.now());
        await store.markDeadLettered(cancelled.id, error, clock.now());
        await store.markDeadLettered(randomUUID(), error, clock.now());
        expect(await store.get(done.id)).toMatchObject({ status: "succeeded", result: "ok" });
        expect((await store.get(cancelled.id))?.status).toBe("cancelled");
      });

      it("fails a queued or scheduled task whose message could not be sent, and nothing else", async () => {
        const { store, clock, create, running } = await setUp();
        const error = { type: "enqueue_failed", message: "not sent", retryable: true };
        const queued = await create();
        const scheduled = await create({ runAt: new Date(clock.now().getTime() + 60_000).toISOString() });
        const live = await running();
        for (const task of [queued, scheduled, live]) await store.failUnsent(task.id, error, clock.now());
        expect(await store.get(queued.id)).toMatchObject({ status: "failed", error });
        expect(await store.get(scheduled.id)).toMatchObject({ status: "failed", error });
        expect((await store.get(live.id))?.status).toBe("running");
      });
    });

    describe("idempotency keys", () => {
      const claimOf = (key: string, requestHash: string, scope = "scope-a") => ({
        scope,
        key,
        requestHash,
        ttlSeconds: 24 * 3600,
      });
      /** Takes the key for the task and, when it was free, writes the task (as submitTask does). */
      const createWithKey = async (task: Task, claim: ReturnType<typeof claimOf>) => {
        const reserved = await store.reserveIdempotencyKey(claim, task.id, new Date(task.createdAt));
        if (reserved.created) await store.create(task);
        return reserved;
      };
      let store: TaskStore;

      it("returns the first task for the same key, with the first request's hash", async () => {
        const { store: fresh, clock } = await setUp();
        store = fresh;
        const key = randomUUID();
        const first = newTaskAt(submissionOf(), clock.now());
        expect(await createWithKey(first, claimOf(key, "hash-1"))).toEqual({ created: true });
        const second = newTaskAt(submissionOf(), clock.advance(60));
        expect(await createWithKey(second, claimOf(key, "hash-1"))).toEqual({
          created: false,
          existingTaskId: first.id,
          requestHash: "hash-1",
        });
        const other = newTaskAt(submissionOf(), clock.now());
        expect(await createWithKey(other, claimOf(key, "hash-2"))).toMatchObject({
          created: false,
          existingTaskId: first.id,
          requestHash: "hash-1",
        });
        // Refused creates leave no record behind.
        expect(await store.get(second.id)).toBeUndefined();
        expect(await store.get(other.id)).toBeUndefined();
      });

      it("keeps keys apart per scope", async () => {
        const { store: fresh, clock } = await setUp();
        store = fresh;
        const key = randomUUID();
        const ours = newTaskAt(submissionOf(), clock.now());
        const theirs = newTaskAt(submissionOf(), clock.now());
        expect(await createWithKey(ours, claimOf(key, "h", "scope-a"))).toEqual({ created: true });
        expect(await createWithKey(theirs, claimOf(key, "h", "scope-b"))).toEqual({ created: true });
      });

      it("frees a released key, so a resubmission creates a new task", async () => {
        const { store: fresh, clock } = await setUp();
        store = fresh;
        const key = randomUUID();
        const first = newTaskAt(submissionOf(), clock.now());
        await createWithKey(first, claimOf(key, "h"));
        await store.releaseIdempotency("scope-a", key);
        const second = newTaskAt(submissionOf(), clock.advance(1));
        expect(await createWithKey(second, claimOf(key, "h"))).toEqual({ created: true });
        const third = newTaskAt(submissionOf(), clock.advance(1));
        expect(await createWithKey(third, claimOf(key, "h"))).toMatchObject({ existingTaskId: second.id });
      });

      it("frees a key after its window", async () => {
        const { store: fresh, clock } = await setUp();
        store = fresh;
        const key = randomUUID();
        const first = newTaskAt(submissionOf(), clock.now());
        await createWithKey(first, claimOf(key, "h"));
        const withinWindow = newTaskAt(submissionOf(), clock.advance(24 * 3600 - 60));
        expect(await createWithKey(withinWindow, claimOf(key, "h"))).toMatchObject({
          existingTaskId: first.id,
        });
        const afterWindow = newTaskAt(submissionOf(), clock.advance(120));
        expect(await createWithKey(afterWindow, claimOf(key, "h"))).toEqual({ created: true });
      });

      it("lets exactly one of two simultaneous submissions with one key create a task", async () => {
        const { store: fresh, clock } = await setUp();
        store = fresh;
        const key = randomUUID();
        const tasks = [0, 1, 2].map(() => newTaskAt(submissionOf(), clock.now()));
        const results = await Promise.all(tasks.map((task) => createWithKey(task, claimOf(key, "h"))));
        expect(results.filter((result) => result.created)).toHaveLength(1);
        const winner = tasks[results.findIndex((result) => result.created)]!;
        for (const result of results) if (!result.created) expect(result.existingTaskId).toBe(winner.id);
      });
    });

    describe("listing, counts and housekeeping reads", () => {
      it("counts tasks by status and type as they move", async () => {
        const { store, countsLagMs, clock, create, running } = await setUp();
        const done = await running();
        await store.finishAttempt(done.id, 1, { status: "succeeded", result: 1 }, clock.now());
        const cancelled = await create();
        await store.cancel(cancelled.id, clock.now());
        await create();
        await running();
        await expectCounts(store, countsLagMs, {
          queued: 1,
          running: 1,
          succeeded: 1,
          cancelled: 1,
          failed: 0,
        });
        await store.requeue(cancelled.id, clock.now());
        await expectCounts(store, countsLagMs, { queued: 2, cancelled: 0 });
        const counts = await store.counts();
        expect(counts.byType.echo?.queued).toBe(2);
      });

      it("lists newest first by status and pages with a cursor", async () => {
        const { store, clock, create } = await setUp();
        const tag = { key: "contract", value: randomUUID() };
        const made: Task[] = [];
        for (let index = 0; index < 3; index++) {
          clock.advance(1);
          made.push(await create({ tags: { [tag.key]: tag.value } }));
        }
        const first = await store.list({ status: "queued", tag }, 2, undefined);
        expect(first.items.map((task) => task.id)).toEqual([made[2]!.id, made[1]!.id]);
        expect(first.nextCursor).not.toBeNull();
        const second = await store.list({ status: "queued", tag }, 2, first.nextCursor ?? undefined);
        expect(second.items.map((task) => task.id)).toEqual([made[0]!.id]);
        expect(second.nextCursor).toBeNull();
      });

      it("finds tasks submitted in a window in a status, oldest first, with their lease", async () => {
        const { store, clock, create, running } = await setUp();
        const windowStart = clock.now();
        clock.advance(1);
        const old = await running();
        clock.advance(10);
        const cutoff = clock.now();
        clock.advance(10);
        await create();
        const found = await store.findSubmittedBetween("running", windowStart, cutoff, 1_000);
        const ours = found.filter((entry) => entry.task.id === old.id);
        expect(ours).toHaveLength(1);
        expect(ours[0]?.leaseUntil).toBeDefined();
        expect(
          found.every(
            (entry) =>
              entry.task.createdAt >= windowStart.toISOString() &&
              entry.task.createdAt <= cutoff.toISOString(),
          ),
        ).toBe(true);
      });

      it("deletes a finished record only once its expiry has passed", async () => {
        const { store, clock, running } = await setUp();
        const task = await running();
        await store.finishAttempt(task.id, 1, { status: "succeeded", result: 1 }, clock.now());
        expect(await store.deleteExpired(task.id, clock.now())).toBe(false);
        const later = clock.advance(ttlSeconds + 60);
        expect(await store.findExpired(later, 1_000)).toContain(task.id);
        expect(await store.deleteExpired(task.id, later)).toBe(true);
        expect(await store.get(task.id)).toBeUndefined();
      });
    });
  });
}

export const contractResultTtlSeconds = ttlSeconds;
