/**
 * A model of the task state machine, and a fast-check model-based test that
 * drives a real TaskStore through random interleavings of what happens to
 * tasks in production:
 *
 * - submit (now, delayed, expiring; with an Idempotency-Key, its body's keys
 *   in either order) through the `submitTask` use case;
 * - deliveries of any queued message copy through `runDelivery` (handler
 *   succeeds, fails, or fails retryably), keeping the copy (a duplicate) or not:
 *   a copy's first delivery records its attempt in one write (the deferred
 *   claim), a copy that came back is claimed first, and a stale copy (its
 *   attempts hint no longer the task's) records nothing and comes back;
 * - attempts that stay open: a claim (first, or deferred, with the hint)
 *   whose handler runs on, reports progress, and finishes later, maybe after
 *   its lease ran out and another attempt took the task (a zombie);
 * - cancel, retry by id (`retryTask`), expiry, dead-lettering and redrive
 *   (`redriveLane`), and the clock moving (leases run out, runAt and
 *   expiresAt pass, the idempotency window closes).
 *
 * After every step the touched task is read back and held to the model and
 * to the invariants users rely on: one terminal state per run (history), a
 * succeeded task's result is its last attempt's, no attempt starts after a
 * terminal state unless retried by id, attempts match the history's
 * attempts, a non-terminal task always has a message to move it on (nothing
 * lost); after each run every task is checked again and counts agree.
 *
 * The queue is simulated (TaskQueue and LaneQueues in memory); the store is
 * the one under test: in memory (test/unit/task-model.test.ts) or DynamoDB
 * Local (test/integration/task-model.local.test.ts).
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { expect } from "vitest";
import { ApiError } from "../../functions/core/api-error.ts";
import type { TaskEnvelope } from "../../functions/core/envelope.ts";
import { type ManageTaskDeps, redriveLane, retryTask } from "../../functions/core/manage-task.ts";
import { defaultNamespace } from "../../functions/core/namespaces.ts";
import type {
  AttemptOutcome,
  DelayedDelivery,
  LaneQueues,
  PayloadStore,
  TaskQueue,
  TaskStore,
} from "../../functions/core/ports.ts";
import { runDelivery } from "../../functions/core/run-task.ts";
import type { Submission } from "../../functions/core/submission.ts";
import { submitTask } from "../../functions/core/submit-task.ts";
import { isTerminal, type Task, type TaskStatus, taskStatuses } from "../../functions/core/task.ts";
import { permanentFailure, TaskFailure } from "../../functions/core/task-failure.ts";
import type { TaskHandlers } from "../../functions/core/task-handler.ts";
import { taskCatalog } from "../../functions/tasks/catalog.ts";

const maxAttempts = 3;
/** The lease runDelivery takes: echo's hard limit plus the margin below. */
const leaseMarginSeconds = 1;
const deliveryLeaseSeconds = taskCatalog.echo.timeLimits.hardSeconds + leaseMarginSeconds;
/** The lease of an attempt that stays open (its handler runs on). */
const openLeaseSeconds = 30;
const idempotencyWindowSeconds = 24 * 3600;

type Behaviour = "succeed" | "fail" | "retry";

/**
 * A copy of a task message in the lane queue; `heldBy` while an open attempt
 * has it in flight; `deliveries`: how often it was received (SQS's receive
 * count less one), so a copy that came back is claimed first.
 */
interface Copy {
  readonly envelope: TaskEnvelope;
  heldBy?: { readonly attempt: number; readonly until: number };
  deliveries?: number;
}

interface ModelTask {
  readonly id: string;
  status: TaskStatus;
  attempts: number;
  result?: unknown;
  /** The error type of the last failure recorded (checked when failed). */
  errorType?: string;
  cancelRequested: boolean;
  /** Epoch ms of the lease of the running attempt. */
  leaseUntil?: number;
}

interface OpenAttempt {
  readonly id: string;
  readonly attempt: number;
  readonly copy: Copy;
}

/** What the model expects; also holds the simulated queues, which the harness fills. */
export interface Model {
  now: number;
  /** Commands run so far (those whose precondition held). */
  steps: number;
  /** How often each race or rare path happened, printed after the runs to show what the cases covered. */
  readonly events: Map<string, number>;
  readonly tasks: ModelTask[];
  readonly queue: Copy[];
  readonly deadLetters: Copy[];
  readonly open: OpenAttempt[];
  readonly keys: Map<string, { readonly id: string; readonly body: string; readonly atSeconds: number }>;
}

/** The system under test: the store, and the use cases' other ports in memory. */
export interface Real {
  readonly store: TaskStore;
  /** Messages the use cases sent during the current step. */
  readonly sent: TaskEnvelope[];
  behaviour: Behaviour;
  readonly deps: ManageTaskDeps;
  readonly runDeps: Parameters<typeof runDelivery>[1];
  readonly lanes: LaneQueues;
  /** The idempotency scope of the run: runs sharing a store do not share keys. */
  readonly scope: string;
}

const waiting: readonly TaskStatus[] = ["queued", "scheduled", "retrying"];

function harness(store: TaskStore, model: Model, runPrefix: string): Real {
  let nextId = 0;
  const payloads: PayloadStore = {
    put: async () => {
      throw new Error("the model submits small inputs only");
    },
    get: async () => {
      throw new Error("the model submits small inputs only");
    },
  };
  const sent: TaskEnvelope[] = [];
  const queue: TaskQueue = {
    send: async (envelope) => {
      sent.push(envelope);
    },
  };
  const now = () => new Date(model.now);
  const log = () => {};
  /** The model's tasks are due at once or within one SQS delay: nothing is handed to the scheduler. */
  const noDelays: DelayedDelivery = {
    async schedule() {
      throw new Error("the model submits no task due beyond one SQS delay");
    },
    async cancel() {
      return false;
    },
  };
  const real: Real = {
    store,
    scope: runPrefix,
    sent,
    behaviour: "succeed",
    deps: {
      store,
      namespace: defaultNamespace,
      queue,
      payloads,
      now,
      newId: () => `${runPrefix}-${nextId++}`,
      delays: noDelays,
      maxSqsDelaySeconds: 900,
      log,
      onTerminal: async () => {},
    },
    runDeps: {
      store,
      queue,
      payloads,
      handlers: {
        echo: async (_input: unknown, context: { attempt: number }) => {
          if (real.behaviour === "fail") throw permanentFailure("model_permanent", "fails for good");
          if (real.behaviour === "retry")
            throw new TaskFailure("model_flaky", "fails for now", { retryable: true });
          return { by: context.attempt };
        },
      } as unknown as TaskHandlers,
      rateLimiter: { acquire: async () => ({ granted: true }) },
      rateLimitOf: async () => undefined,
      onTerminal: async () => {},
      now,
      random: () => 0.5,
      delays: noDelays,
      maxSqsDelaySeconds: 900,
      // The handlers answer at once: no cancel poll fires during an attempt.
      cancelPollMs: 3_600_000,
      leaseMarginSeconds,
      log,
    },
    lanes: {
      depth: async () => {
        throw new Error("not used by the model");
      },
      drainDeadLetters: async (_lane, accept) => {
        let moved = 0;
        for (const copy of model.deadLetters.splice(0)) {
          if (await accept(JSON.stringify(copy.envelope))) moved += 1;
        }
        return moved;
      },
    },
  };
  return real;
}

const taskOf = (model: Model, id: string) => {
  const task = model.tasks.find((candidate) => candidate.id === id);
  if (!task) throw new Error(`the model has no task ${id}`);
  return task;
};

/** Takes a copy out of the queue (deleted, or moved to the DLQ); a copy already gone stays gone. */
function removeCopy(model: Model, copy: Copy): void {
  const index = model.queue.indexOf(copy);
  if (index >= 0) model.queue.splice(index, 1);
}

const deliverable = (model: Model) =>
  model.queue.filter((copy) => !copy.heldBy || copy.heldBy.until < model.now);

/** Moves the messages the step sent into the model's queue, after checking they are the ones expected. */
function takeSent(model: Model, real: Real, expected: readonly string[]): void {
  expect(real.sent.map((envelope) => envelope.id)).toEqual(expected);
  for (const envelope of real.sent.splice(0)) model.queue.push({ envelope });
}

function note(model: Model, event: string): void {
  model.events.set(event, (model.events.get(event) ?? 0) + 1);
}

function claimInModel(model: Model, task: ModelTask, leaseSeconds: number): boolean {
  const now = model.now;
  const lapsed = task.status === "running" && task.leaseUntil !== undefined && task.leaseUntil < now;
  if (!waiting.includes(task.status) && !lapsed) return false;
  if (lapsed) note(model, "claim of a crashed attempt's task (lease ran out)");
  task.status = "running";
  task.attempts += 1;
  task.leaseUntil = now + leaseSeconds * 1000;
  return true;
}

/** The start of an unclaimed attempt, recorded with its end in one write: no lease is ever taken. */
function startInModel(model: Model, task: ModelTask): boolean {
  const lapsed = task.status === "running" && task.leaseUntil !== undefined && task.leaseUntil < model.now;
  if (!waiting.includes(task.status) && !lapsed) return false;
  if (lapsed) note(model, "unclaimed attempt recorded over a crashed attempt's lapsed lease");
  task.status = "running";
  task.attempts += 1;
  delete task.leaseUntil;
  return true;
}

function endInModel(task: ModelTask, status: TaskStatus, errorType?: string): void {
  task.status = status;
  delete task.leaseUntil;
  if (errorType) task.errorType = errorType;
}

/** Reads the task back and holds it to the model and the invariants. */
export async function verifyTask(model: Model, real: Real, id: string): Promise<void> {
  const expected = taskOf(model, id);
  const stored = await real.store.get(id);
  if (!stored) throw new Error(`task ${id} is lost: the store has no record`);
  const where = `task ${id}: ${JSON.stringify(stored.history.map((entry) => entry.status))}`;
  expect(stored.status, where).toBe(expected.status);
  expect(stored.attempts, where).toBe(expected.attempts);
  expect(stored.cancelRequestedAt !== undefined, `${where} cancel requested`).toBe(expected.cancelRequested);
  if (expected.status === "succeeded") {
    expect(stored.result, where).toEqual(expected.result);
    // A succeeded task's result is its last attempt's.
    expect(stored.result, where).toEqual({ by: stored.attempts });
    expect(stored.history.at(-1)?.attempt, where).toBe(stored.attempts);
  }
  if (expected.status === "failed") expect(stored.error?.type, where).toBe(expected.errorType);
  expect(stored.history.at(-1)?.status, where).toBe(stored.status);
  // Runs are separated by retries by id (a terminal entry followed by queued).
  let runs = 1;
  let attemptsInRun = 0;
  for (let index = 1; index < stored.history.length; index++) {
    const previous = stored.history[index - 1]!.status;
    const entry = stored.history[index]!.status;
    if (isTerminal(previous)) {
      expect(entry, `${where}: only a retry by id follows an end`).toBe("queued");
      runs += 1;
      attemptsInRun = 0;
    }
    if (entry === "running") attemptsInRun += 1;
  }
  expect(attemptsInRun, `${where}: attempts of run ${runs}`).toBe(stored.attempts);
  // Nothing lost: a task that has not ended has a message that will move it on.
  if (!isTerminal(stored.status)) {
    expect(
      model.queue.some((copy) => copy.envelope.id === id),
      `${where}: a ${stored.status} task has no message left`,
    ).toBe(true);
  }
}

/** Tallies the model's tasks by status, for comparing with counts(). */
export function tally(model: Model): Partial<Record<TaskStatus, number>> {
  const byStatus: Partial<Record<TaskStatus, number>> = {};
  for (const status of taskStatuses)
    byStatus[status] = model.tasks.filter((task) => task.status === status).length;
  return byStatus;
}

type ModelCommand = fc.AsyncCommand<Model, Real>;

type SubmitKind = "now" | "delayed" | "expiring";

class Submit implements ModelCommand {
  readonly kind: SubmitKind;
  readonly key: number | undefined;
  readonly value: number;
  readonly reordered: boolean;
  constructor(kind: SubmitKind, key: number | undefined, value: number, reordered: boolean) {
    this.kind = kind;
    this.key = key;
    this.value = value;
    this.reordered = reordered;
  }
  check = () => true;
  async run(model: Model, real: Real) {
    model.steps += 1;
    const at = model.now;
    const value = {
      label: `v${this.value}`,
      nested: { first: this.value, second: [this.value, { x: 1, y: 2 }] },
    };
    const reorderedValue = {
      nested: { second: [this.value, { y: 2, x: 1 }], first: this.value },
      label: `v${this.value}`,
    };
    const submission: Submission = {
      type: "echo",
      input: { value: this.reordered ? reorderedValue : value },
      priority: "normal",
      maxAttempts,
      ...(this.kind === "delayed" ? { runAt: new Date(at + 30_000).toISOString() } : {}),
      ...(this.kind === "expiring" ? { expiresAt: new Date(at + 20_000).toISOString() } : {}),
    };
    // Only plain submissions carry a key: expiresAt is absolute, so a later resend would differ anyway.
    const key = this.key !== undefined && this.kind === "now" ? `key-${this.key}` : undefined;
    const body = `${this.kind}:${this.value}`;
    const taken = key ? model.keys.get(key) : undefined;
    const live =
      taken && Math.floor(at / 1000) <= taken.atSeconds + idempotencyWindowSeconds ? taken : undefined;
    let outcome: { task: Task; replayed: boolean } | ApiError;
    try {
      outcome = await submitTask(submission, real.deps, key ? { scope: real.scope, key } : undefined);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      outcome = error;
    }
    if (live)
      note(
        model,
        live.body === body
          ? this.reordered
            ? "idempotent replay (keys reordered)"
            : "idempotent replay"
          : "idempotency conflict",
      );
    if (taken && !live) note(model, "idempotency key reused after its window");
    if (live && live.body !== body) {
      expect(outcome instanceof ApiError && outcome.status, "another body under a live key").toBe(409);
      takeSent(model, real, []);
      return;
    }
    if (outcome instanceof ApiError) throw outcome;
    if (live) {
      expect(outcome, "the same body under a live key returns the first task").toMatchObject({
        replayed: true,
        task: { id: live.id },
      });
      takeSent(model, real, []);
      return;
    }
    expect(outcome.replayed).toBe(false);
    const id = outcome.task.id;
    if (key) model.keys.set(key, { id, body, atSeconds: Math.floor(at / 1000) });
    model.tasks.push({
      id,
      status: this.kind === "delayed" ? "scheduled" : "queued",
      attempts: 0,
      cancelRequested: false,
    });
    takeSent(model, real, [id]);
    await verifyTask(model, real, id);
  }
  toString() {
    return `Submit(${this.kind}, key=${this.key}, value=${this.value}${this.reordered ? ", reordered" : ""})`;
  }
}

/** One delivery of a message copy through runDelivery; `duplicate` keeps the copy (SQS delivers it again). */
class Deliver implements ModelCommand {
  readonly pick: number;
  readonly behaviour: Behaviour;
  readonly duplicate: boolean;
  constructor(pick: number, behaviour: Behaviour, duplicate: boolean) {
    this.pick = pick;
    this.behaviour = behaviour;
    this.duplicate = duplicate;
  }
  check = (model: Readonly<Model>) => deliverable(model as Model).length > 0;
  async run(model: Model, real: Real) {
    model.steps += 1;
    const candidates = deliverable(model);
    const copy = candidates[this.pick % candidates.length]!;
    const { envelope } = copy;
    const task = taskOf(model, envelope.id);
    const expectedSends: string[] = [];
    let expectedOutcome: string;
    const receiveCount = (copy.deliveries ?? 0) + 1;
    const prior = envelope.attempts ?? 0;
    // echo's claimAfterMs is above 0 and the model's handlers answer at once: a first delivery writes once.
    const unclaimed = receiveCount === 1 && prior < envelope.maxAttempts;
    const lapsed = task.status === "running" && task.leaseUntil !== undefined && task.leaseUntil < model.now;
    if (envelope.runAt && Math.ceil((Date.parse(envelope.runAt) - model.now) / 1000) > 0) {
      expectedOutcome = "deferred";
      expectedSends.push(task.id);
    } else if (
      envelope.expiresAt &&
      Date.parse(envelope.expiresAt) <= model.now &&
      waiting.includes(task.status)
    ) {
      // Not started by its expiresAt: it never runs. (One that started and crashed is claimed again below.)
      endInModel(task, "expired", "expired");
      expectedOutcome = "expired";
    } else if (unclaimed && waiting.includes(task.status) && task.attempts !== prior) {
      // A stale copy: its one write is refused, nothing is recorded, and the message comes back.
      note(model, "stale copy of a waiting task sent back");
      expectedOutcome = "comes back";
    } else if (unclaimed && lapsed && task.attempts !== prior) {
      note(model, "stale copy of a crashed attempt's task skipped");
      expectedOutcome = "skipped";
    } else if (unclaimed ? !startInModel(model, task) : !claimInModel(model, task, deliveryLeaseSeconds)) {
      expectedOutcome = "skipped";
    } else if (task.attempts > maxAttempts) {
      endInModel(task, "failed", "attempts_exhausted");
      expectedOutcome = "failed";
    } else if (this.behaviour === "succeed") {
      endInModel(task, "succeeded");
      task.result = { by: task.attempts };
      expectedOutcome = "succeeded";
    } else if (this.behaviour === "fail" || task.attempts >= maxAttempts) {
      endInModel(task, "failed", this.behaviour === "fail" ? "model_permanent" : "model_flaky");
      expectedOutcome = "failed";
    } else {
      endInModel(task, "retrying", "model_flaky");
      expectedOutcome = "retrying";
      expectedSends.push(task.id);
    }
    if (expectedOutcome === "skipped") note(model, `duplicate delivery of a ${task.status} task`);
    if (expectedOutcome === "expired") note(model, "expired at delivery");
    if (["succeeded", "failed", "retrying"].includes(expectedOutcome))
      note(model, unclaimed ? "attempt recorded in one write" : "attempt claimed first");
    real.behaviour = this.behaviour;
    const delivered = runDelivery(envelope, real.runDeps, { receiveCount });
    copy.deliveries = receiveCount;
    if (expectedOutcome === "comes back") {
      await expect(delivered, `delivery of ${task.id}`).rejects.toThrow(/claimed first/);
      delete copy.heldBy;
    } else {
      expect((await delivered).outcome, `delivery of ${task.id}`).toBe(expectedOutcome);
      // The delivered copy is deleted unless SQS delivers it again.
      if (!this.duplicate) removeCopy(model, copy);
      else delete copy.heldBy;
    }
    takeSent(model, real, expectedSends);
    await verifyTask(model, real, task.id);
  }
  toString() {
    return `Deliver(#${this.pick}, ${this.behaviour}${this.duplicate ? ", duplicate" : ""})`;
  }
}

/**
 * A delivery whose handler runs on: the claim happens now, the outcome later
 * (FinishOpen). `deferred`: the claim a first delivery writes once its
 * handler outlives the threshold, which holds the message's attempts hint.
 */
class ClaimOpen implements ModelCommand {
  readonly pick: number;
  readonly deferred: boolean;
  constructor(pick: number, deferred: boolean) {
    this.pick = pick;
    this.deferred = deferred;
  }
  check = (model: Readonly<Model>) => deliverable(model as Model).length > 0;
  async run(model: Model, real: Real) {
    model.steps += 1;
    const candidates = deliverable(model);
    const copy = candidates[this.pick % candidates.length]!;
    const task = taskOf(model, copy.envelope.id);
    const now = new Date(model.now);
    const prior = copy.envelope.attempts ?? 0;
    const deferred = this.deferred && !copy.deliveries && prior < copy.envelope.maxAttempts;
    copy.deliveries = (copy.deliveries ?? 0) + 1;
    const stale = deferred && task.attempts !== prior;
    const expected = !stale && claimInModel(model, task, openLeaseSeconds);
    const result = await real.store.claim(
      copy.envelope,
      now,
      new Date(model.now + openLeaseSeconds * 1000),
      deferred ? prior : undefined,
    );
    expect(result.claimed, `claim of ${task.id}`).toBe(expected);
    if (result.claimed) {
      if (deferred) note(model, "deferred claim");
      copy.heldBy = { attempt: task.attempts, until: model.now + openLeaseSeconds * 1000 };
      model.open.push({ id: task.id, attempt: task.attempts, copy });
    } else if (stale && waiting.includes(task.status)) {
      // A stale copy of a waiting task: the delivery records nothing and its message comes back.
      note(model, "deferred claim of a stale copy refused");
      delete copy.heldBy;
    } else {
      // A delivery that claims nothing is acknowledged: the copy is gone.
      removeCopy(model, copy);
    }
    await verifyTask(model, real, task.id);
  }
  toString() {
    return `ClaimOpen(#${this.pick}${this.deferred ? ", deferred" : ""})`;
  }
}

type Ending = "succeeded" | "failed" | "cancelled" | "retrying";

/** An open attempt ends (maybe long after its lease ran out). */
class FinishOpen implements ModelCommand {
  readonly pick: number;
  readonly ending: Ending;
  constructor(pick: number, ending: Ending) {
    this.pick = pick;
    this.ending = ending;
  }
  check = (model: Readonly<Model>) => model.open.length > 0;
  async run(model: Model, real: Real) {
    model.steps += 1;
    const [open] = model.open.splice(this.pick % model.open.length, 1);
    const { id, attempt, copy } = open!;
    const task = taskOf(model, id);
    const error = { type: `model_${this.ending}`, message: "ended in the model", retryable: true };
    const outcome: AttemptOutcome =
      this.ending === "succeeded"
        ? { status: "succeeded", result: { by: attempt } }
        : this.ending === "retrying"
          ? { status: "retrying", error, nextAttemptAt: new Date(model.now + 1_000).toISOString() }
          : { status: this.ending, error };
    // Only the attempt that holds the task may record its end.
    const current = task.status === "running" && task.attempts === attempt;
    if (!current) {
      note(
        model,
        task.attempts === attempt
          ? `attempt finished after its task was ${task.status}`
          : task.status === "running"
            ? "zombie attempt finished while a newer attempt runs"
            : `zombie attempt finished after its task was ${task.status}`,
      );
    }
    if (current) {
      endInModel(task, this.ending, error.type);
      if (this.ending === "succeeded") task.result = { by: attempt };
    }
    const recorded = await real.store.finishAttempt(id, attempt, outcome, new Date(model.now));
    expect(recorded, `finish of attempt ${attempt} of ${id}`).toBe(current);
    // The worker deletes its copy (still its own only if no later delivery took it); a retry sends a new one.
    if (copy.heldBy?.attempt === attempt) removeCopy(model, copy);
    // The worker's retry message says how many attempts the task has recorded.
    if (recorded && this.ending === "retrying")
      model.queue.push({ envelope: { ...copy.envelope, attempts: attempt } });
    await verifyTask(model, real, id);
  }
  toString() {
    return `FinishOpen(#${this.pick}, ${this.ending})`;
  }
}

class Progress implements ModelCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (model: Readonly<Model>) => model.open.length > 0;
  async run(model: Model, real: Real) {
    model.steps += 1;
    const { id, attempt } = model.open[this.pick % model.open.length]!;
    const task = taskOf(model, id);
    const current = task.status === "running" && task.attempts === attempt && !task.cancelRequested;
    const { cancelRequested } = await real.store.reportProgress(
      id,
      attempt,
      { percent: 50 },
      new Date(model.now),
    );
    expect(cancelRequested, `progress of attempt ${attempt} of ${id}`).toBe(!current);
    await verifyTask(model, real, id);
  }
  toString() {
    return `Progress(#${this.pick})`;
  }
}

/** A command on one of the tasks submitted so far, the one `pick` chooses; it prints as `Name(#pick)`. */
abstract class OnSubmittedTask implements ModelCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (model: Readonly<Model>) => model.tasks.length > 0;
  abstract run(model: Model, real: Real): Promise<void>;
  /** Counts the step and returns the picked task. */
  protected step(model: Model): ModelTask {
    model.steps += 1;
    return model.tasks[this.pick % model.tasks.length]!;
  }
  toString() {
    return `${this.constructor.name}(#${this.pick})`;
  }
}

class Cancel extends OnSubmittedTask {
  async run(model: Model, real: Real) {
    const task = this.step(model);
    const expected = waiting.includes(task.status)
      ? "cancelled"
      : task.status === "running"
        ? "requested"
        : "terminal";
    note(model, `cancel of a ${task.status} task`);
    if (expected === "cancelled") endInModel(task, "cancelled");
    if (expected === "requested") task.cancelRequested = true;
    const result = await real.store.cancel(task.id, new Date(model.now));
    expect(result.outcome, `cancel of ${task.id}`).toBe(expected);
    await verifyTask(model, real, task.id);
  }
}

class RetryById extends OnSubmittedTask {
  async run(model: Model, real: Real) {
    const task = this.step(model);
    const allowed = task.status === "failed" || task.status === "cancelled" || task.status === "expired";
    let status: number | undefined;
    try {
      await retryTask(task.id, real.deps);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
    }
    expect(status, `retry of a ${task.status} task`).toBe(allowed ? undefined : 409);
    if (allowed) requeueInModel(task);
    takeSent(model, real, allowed ? [task.id] : []);
    await verifyTask(model, real, task.id);
  }
}

function requeueInModel(task: ModelTask): void {
  task.status = "queued";
  task.attempts = 0;
  task.cancelRequested = false;
  delete task.result;
  delete task.leaseUntil;
}

/** The expiry a delivery records, called directly: races whatever state the task is in. */
class Expire extends OnSubmittedTask {
  async run(model: Model, real: Real) {
    const task = this.step(model);
    const expected = waiting.includes(task.status);
    if (expected) endInModel(task, "expired", "expired");
    expect(await real.store.expire(task.id, new Date(model.now)), `expire of a ${task.status} task`).toBe(
      expected,
    );
    await verifyTask(model, real, task.id);
  }
}

/** A message copy failed its deliveries and went to the DLQ; the worker records it. */
class DeadLetter implements ModelCommand {
  readonly pick: number;
  constructor(pick: number) {
    this.pick = pick;
  }
  check = (model: Readonly<Model>) => deliverable(model as Model).length > 0;
  async run(model: Model, real: Real) {
    model.steps += 1;
    const candidates = deliverable(model);
    const copy = candidates[this.pick % candidates.length]!;
    removeCopy(model, copy);
    delete copy.heldBy;
    model.deadLetters.push(copy);
    const task = taskOf(model, copy.envelope.id);
    if (!isTerminal(task.status)) endInModel(task, "failed", "dead_lettered");
    const error = { type: "dead_lettered", message: "to the DLQ in the model", retryable: true };
    await real.store.markDeadLettered(task.id, error, new Date(model.now));
    await verifyTask(model, real, task.id);
  }
  toString() {
    return `DeadLetter(#${this.pick})`;
  }
}

/** Redrives the DLQ: a task dead-lettered (and nothing since) is queued again; every copy is re-sent. */
class Redrive implements ModelCommand {
  check = (model: Readonly<Model>) => model.deadLetters.length > 0;
  async run(model: Model, real: Real) {
    model.steps += 1;
    const copies = [...model.deadLetters];
    const ids = copies.map((copy) => copy.envelope.id);
    for (const id of ids) {
      const task = taskOf(model, id);
      if (task.status === "failed" && task.errorType === "dead_lettered") {
        requeueInModel(task);
        note(model, "redrive requeued a dead letter");
      } else note(model, `redrive left a ${task.status} task alone`);
    }
    const { moved } = await redriveLane("default", real.lanes, () => real.deps);
    expect(moved).toBe(copies.length);
    takeSent(model, real, ids);
    for (const id of new Set(ids)) await verifyTask(model, real, id);
  }
  toString() {
    return "Redrive()";
  }
}

class AdvanceClock implements ModelCommand {
  readonly seconds: number;
  constructor(seconds: number) {
    this.seconds = seconds;
  }
  check = () => true;
  async run(model: Model) {
    model.steps += 1;
    model.now += this.seconds * 1000;
  }
  toString() {
    return `AdvanceClock(${this.seconds}s)`;
  }
}

const pick = fc.nat(1_000);

/** The commands, weighted towards what makes races: several tasks, open attempts, time moving. */
const claimOpen = fc.tuple(pick, fc.boolean()).map(([index, deferred]) => new ClaimOpen(index, deferred));
const finishOpen = fc
  .tuple(pick, fc.constantFrom<Ending>("succeeded", "failed", "cancelled", "retrying"))
  .map(([index, ending]) => new FinishOpen(index, ending));
const advanceClock = fc
  .constantFrom(1, 10, 25, 31, 31, 45, 90, idempotencyWindowSeconds + 60)
  .map((seconds) => new AdvanceClock(seconds));

export const modelCommands = [
  fc
    .tuple(
      fc.constantFrom<SubmitKind>("now", "now", "delayed", "expiring"),
      fc.option(fc.nat(2), { nil: undefined }),
      fc.nat(1),
      fc.boolean(),
    )
    .map(([kind, key, value, reordered]) => new Submit(kind, key, value, reordered)),
  fc
    .tuple(pick, fc.constantFrom<Behaviour>("succeed", "succeed", "fail", "retry", "retry"), fc.boolean())
    .map(([index, behaviour, duplicate]) => new Deliver(index, behaviour, duplicate)),
  // Open attempts, their ends and the clock come up more often: they make the zombies and lost leases.
  claimOpen,
  claimOpen,
  claimOpen,
  finishOpen,
  finishOpen,
  pick.map((index) => new Progress(index)),
  pick.map((index) => new Cancel(index)),
  pick.map((index) => new RetryById(index)),
  pick.map((index) => new Expire(index)),
  pick.map((index) => new DeadLetter(index)),
  fc.constant(new Redrive()),
  advanceClock,
  advanceClock,
];

export interface ModelRunOptions {
  readonly numRuns: number;
  readonly maxCommands: number;
  /** Replays a failing case: the seed, path and replayPath fast-check printed. */
  readonly seed?: number;
  readonly path?: string;
  readonly replayPath?: string;
  /** Stops starting new runs after this long (the runs done must all pass); the count run is printed. */
  readonly timeLimitMs?: number;
  /** Called after each run with the run's model, e.g. to compare counts. */
  readonly afterRun?: (model: Model, real: Real) => Promise<void>;
}

/** Replay settings from the environment: MODEL_SEED, MODEL_PATH, MODEL_REPLAY_PATH, MODEL_RUNS. */
export function modelReplayFromEnvironment(): Pick<ModelRunOptions, "seed" | "path" | "replayPath"> & {
  numRuns?: number;
} {
  const { MODEL_SEED, MODEL_PATH, MODEL_REPLAY_PATH, MODEL_RUNS } = process.env;
  return {
    ...(MODEL_SEED ? { seed: Number(MODEL_SEED) } : {}),
    ...(MODEL_PATH ? { path: MODEL_PATH } : {}),
    ...(MODEL_REPLAY_PATH ? { replayPath: MODEL_REPLAY_PATH } : {}),
    ...(MODEL_RUNS ? { numRuns: Number(MODEL_RUNS) } : {}),
  };
}

/**
 * Runs the model-based test against stores from `storeOf`, printing how many
 * runs and steps it took and how long; a failure prints fast-check's seed and
 * path, replayable with MODEL_SEED / MODEL_PATH / MODEL_REPLAY_PATH.
 */
export async function checkTaskModel(storeOf: () => TaskStore, options: ModelRunOptions): Promise<void> {
  const started = performance.now();
  let runs = 0;
  let steps = 0;
  const events = new Map<string, number>();
  const property = fc.asyncProperty(
    fc.commands(modelCommands, {
      maxCommands: options.maxCommands,
      size: "max",
      ...(options.replayPath ? { replayPath: options.replayPath } : {}),
    }),
    async (commands) => {
      runs += 1;
      const model: Model = {
        now: Math.floor(Date.now() / 1000) * 1000,
        steps: 0,
        events: new Map(),
        tasks: [],
        queue: [],
        deadLetters: [],
        open: [],
        keys: new Map(),
      };
      const real = harness(storeOf(), model, `model-${randomUUID()}`);
      try {
        await fc.asyncModelRun(() => ({ model, real }), commands);
      } finally {
        steps += model.steps;
        for (const [event, count] of model.events) events.set(event, (events.get(event) ?? 0) + count);
      }
      for (const task of model.tasks) await verifyTask(model, real, task.id);
      await options.afterRun?.(model, real);
    },
  );
  try {
    await fc.assert(property, {
      numRuns: options.numRuns,
      ...(options.timeLimitMs === undefined
        ? {}
        : { plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs)] }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.path === undefined ? {} : { path: options.path }),
      ...(options.seed === undefined ? {} : { endOnFailure: true }),
    });
  } finally {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const covered = [...events]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([event, count]) => `${event}: ${count}`);
    console.log(`task model: ${runs} runs, ${steps} steps, ${seconds} s\n  ${covered.join("\n  ")}`);
  }
}
