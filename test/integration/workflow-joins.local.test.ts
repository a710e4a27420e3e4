/**
 * Integration tier, local only: the join fires exactly once. The workflow
 * use cases run on the DynamoDB stores, against DynamoDB Local, in an empty
 * copy of the task table (no worker and no stream consumer touches it), so
 * the test decides when each node's end is delivered, how often, and where
 * the function dies:
 *
 * - every step of moving a chord on is made to fail in turn (a crash between
 *   two steps: the steps before it happened, the rest did not), then the same
 *   completion is delivered again, as the stream does after a failed batch;
 * - fast-check runs random interleavings of the header's completions with
 *   duplicates and crashes at random steps, ending with one more delivery of
 *   each (what the stream's retries guarantee).
 *
 * Either way each child counts once, the join's task is written once and
 * carries the header's results in header order, and the workflow ends once.
 * And where the stream gives up on a record (its retries are bounded), the
 * health check's repair (`repairWorkflow`) finishes what was left undone.
 * The only stand-ins are the queue (a recording TaskQueue, so no worker runs
 * the nodes; the test ends them through the real store) and the crash itself.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoTaskStore } from "../../functions/adapters/dynamodb-task-store.ts";
import { createDynamoWorkflowStore } from "../../functions/adapters/dynamodb-workflow-store.ts";
import { envelopeOf, type TaskEnvelope } from "../../functions/core/envelope.ts";
import type { PayloadStore, TaskQueue, TaskStore } from "../../functions/core/ports.ts";
import {
  advanceWorkflow,
  repairStalledWorkflows,
  repairWorkflow,
  submitWorkflow,
  type WorkflowDeps,
} from "../../functions/core/run-workflow.ts";
import type { Task } from "../../functions/core/task.ts";
import { newTaskId } from "../../functions/core/task-ids.ts";
import { compileWorkflow, nodeTaskId } from "../../functions/core/workflow.ts";
import type { WorkflowStore } from "../../functions/core/workflow-ports.ts";
import { copyTaskTable, type TaskTableCopy } from "./task-table-copy.ts";

let table: TaskTableCopy;
beforeAll(async () => {
  table = await copyTaskTable();
});
afterAll(async () => {
  await table.drop();
});

class Crash extends Error {}

/** Counts the steps (port calls) of one delivery and throws at step `crashAt`. */
class StepCounter {
  steps = 0;
  crashAt: number | undefined;
  step(name: string): void {
    this.steps += 1;
    if (this.crashAt !== undefined && this.steps === this.crashAt) throw new Crash(`crash before ${name}`);
  }
}

/** A port whose every method counts as a step before it runs. */
function counted<T extends object>(port: T, counter: StepCounter): T {
  return new Proxy(port, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        counter.step(String(name));
        return value.apply(target, args);
      };
    },
  });
}

const noPayloads: PayloadStore = {
  put: async () => {
    throw new Error("no payloads expected");
  },
  get: async () => {
    throw new Error("no payloads expected");
  },
} as unknown as PayloadStore;

interface Harness {
  readonly deps: WorkflowDeps;
  readonly counter: StepCounter;
  readonly sent: TaskEnvelope[];
  readonly store: TaskStore;
  readonly workflows: WorkflowStore;
  /** How many times the join's task write succeeded. */
  joinWrites: number;
}

function harness(namespace: string): Harness {
  const counter = new StepCounter();
  const sent: TaskEnvelope[] = [];
  const store = createDynamoTaskStore(table.client, {
    tableName: table.tableName,
    resultTtlSeconds: 86_400,
    namespace,
  });
  const workflows = createDynamoWorkflowStore(table.client, {
    tableName: table.tableName,
    resultTtlSeconds: 86_400,
    namespace,
  });
  const queue: TaskQueue = {
    async send(envelope) {
      sent.push(envelope);
    },
  };
  const result: Harness = {
    counter,
    sent,
    store,
    workflows,
    joinWrites: 0,
    deps: {
      namespace,
      store: counted(store, counter),
      workflows: counted(
        new Proxy(workflows, {
          get(target, name) {
            const value = Reflect.get(target, name);
            if (name !== "startNode") return value;
            return async (...args: Parameters<WorkflowStore["startNode"]>) => {
              const start = await target.startNode(...args);
              if (start.outcome === "created") result.joinWrites += 1;
              return start;
            };
          },
        }),
        counter,
      ),
      queue: counted(queue, counter),
      payloads: noPayloads,
      now: () => new Date(),
      newId: () => newTaskId(),
      log: () => {},
    },
  };
  return result;
}

const headerSize = 4;
const chordBody = (values: readonly number[]) => ({
  workflow: {
    chord: {
      header: values.map((value) => ({ type: "echo", input: { value } })),
      body: { type: "echo", input: {}, resultInto: "value" },
    },
  },
});

/** Submits a chord and ends its header tasks `succeeded` in the store (as a worker would); returns them. */
async function chordWithEndedHeader(
  h: Harness,
  values: readonly number[],
): Promise<{ id: string; ended: Task[] }> {
  h.counter.crashAt = undefined;
  const { id } = await submitWorkflow(compileWorkflow(chordBody(values), new Date()), h.deps);
  const ended: Task[] = [];
  for (const [index, value] of values.entries()) {
    const envelope = h.sent.find((message) => message.id === nodeTaskId(id, `n${index}`))!;
    const now = new Date();
    const claim = await h.store.claim(envelope, now, new Date(now.getTime() + 60_000));
    if (!claim.claimed) throw new Error("the header task could not be claimed");
    await h.store.finishAttempt(
      claim.task.id,
      claim.task.attempts,
      { status: "succeeded", result: value },
      now,
    );
    ended.push((await h.store.get(claim.task.id))!);
  }
  return { id, ended };
}

/** One delivery of a node's end, dying at step `crashAt` if given; true when it ran to its end. */
async function deliver(h: Harness, task: Task, crashAt?: number): Promise<boolean> {
  h.counter.steps = 0;
  h.counter.crashAt = crashAt;
  try {
    await advanceWorkflow(task, h.deps);
    return true;
  } catch (error) {
    if (error instanceof Crash) return false;
    throw error;
  } finally {
    h.counter.crashAt = undefined;
  }
}

async function expectJoinedOnce(h: Harness, id: string, values: readonly number[]) {
  const state = (await h.workflows.state(id))!;
  expect(state.counts.succeeded).toBe(values.length);
  expect([...state.settled].sort()).toEqual(values.map((_, index) => index));
  expect(h.joinWrites).toBe(1);
  const bodyId = nodeTaskId(id, `n${values.length}`);
  const body = (await h.store.get(bodyId))!;
  expect((body.input as { value: unknown }).value).toEqual(values);
  expect(h.sent.filter((message) => message.id === bodyId).length).toBeGreaterThanOrEqual(1);
  return body;
}

describe("a chord's join", () => {
  it("fires once when the function dies between any two steps and the completion comes again", async () => {
    // How many steps the last header's delivery takes when nothing fails.
    const probe = harness("wfprobe");
    const values = Array.from({ length: headerSize }, (_, index) => index * 10);
    const { ended: probeEnded } = await chordWithEndedHeader(probe, values);
    for (const task of probeEnded.slice(0, -1)) await deliver(probe, task);
    probe.counter.steps = 0;
    await deliver(probe, probeEnded.at(-1)!);
    const lastSteps = probe.counter.steps;
    expect(lastSteps).toBeGreaterThan(4);

    const report: string[] = [];
    for (let crashAt = 1; crashAt <= lastSteps; crashAt++) {
      const h = harness(`wfcrash${crashAt}`);
      const { id, ended } = await chordWithEndedHeader(h, values);
      for (const task of ended.slice(0, -1)) expect(await deliver(h, task)).toBe(true);
      expect(await deliver(h, ended.at(-1)!, crashAt)).toBe(false);
      // The stream delivers the batch again: the same record, and the records around it.
      for (const task of ended) expect(await deliver(h, task)).toBe(true);
      await expectJoinedOnce(h, id, values);
      report.push(`${crashAt}:${h.sent.filter((m) => m.id.endsWith(`.n${headerSize}`)).length}`);
    }
    // Which steps were crashed at, and how many times the join's message went out after it (the claim runs it once).
    console.log(`chord join, crash at step:sends of the join's message -> ${report.join(" ")}`);
  }, 240_000);

  it("fires once, with the header's results in order, over random interleavings with duplicates and crashes", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            node: fc.nat({ max: headerSize - 1 }),
            crashAt: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
          }),
          { maxLength: 12 },
        ),
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: headerSize, maxLength: headerSize }),
        async (deliveries, values) => {
          run += 1;
          const h = harness(`wfprop${run}`);
          const { id, ended } = await chordWithEndedHeader(h, values);
          for (const delivery of deliveries) await deliver(h, ended[delivery.node]!, delivery.crashAt);
          // Whatever happened, every record is delivered once more without a crash.
          for (const task of ended) await deliver(h, task);
          await expectJoinedOnce(h, id, values);
          // The body ends: the workflow succeeds with the body's result, and only once.
          const bodyId = nodeTaskId(id, `n${headerSize}`);
          const envelope = h.sent.find((message) => message.id === bodyId)!;
          const now = new Date();
          const claim = await h.store.claim(envelope, now, new Date(now.getTime() + 60_000));
          expect(claim.claimed).toBe(true);
          if (!claim.claimed) return;
          await h.store.finishAttempt(
            bodyId,
            claim.task.attempts,
            { status: "succeeded", result: values },
            now,
          );
          const body = (await h.store.get(bodyId))!;
          await deliver(h, body);
          await deliver(h, body);
          const state = (await h.workflows.state(id))!;
          expect(state.status).toBe("succeeded");
          expect(state.counts.succeeded).toBe(headerSize + 1);
        },
      ),
      { numRuns: 25, interruptAfterTimeLimit: 90_000 },
    );
    console.log(`chord join property: ${run} runs`);
  }, 180_000);
});

describe("a workflow the stream gave up on", () => {
  /** Ends the body task of a chord `succeeded` in the store, as a worker would. */
  async function endBody(h: Harness, id: string, result: unknown): Promise<Task> {
    const bodyId = nodeTaskId(id, `n${headerSize}`);
    const envelope = h.sent.find((message) => message.id === bodyId)!;
    const now = new Date();
    const claim = await h.store.claim(envelope, now, new Date(now.getTime() + 60_000));
    if (!claim.claimed) throw new Error("the body task could not be claimed");
    await h.store.finishAttempt(bodyId, claim.task.attempts, { status: "succeeded", result }, now);
    return (await h.store.get(bodyId))!;
  }

  it("is joined by repairWorkflow when no node's end was ever delivered, and ended when its body's was not", async () => {
    const h = harness("wfrepairall");
    const values = [3, 1, 4, 1];
    const { id } = await chordWithEndedHeader(h, values);
    expect((await h.workflows.state(id))!.settled.size).toBe(0);

    expect(await repairWorkflow(id, h.deps)).toEqual({ counted: headerSize, started: 1, ended: false });
    await expectJoinedOnce(h, id, values);
    // Nothing left to do: a second repair changes nothing.
    expect(await repairWorkflow(id, h.deps)).toEqual({ counted: 0, started: 0, ended: false });
    expect(h.joinWrites).toBe(1);

    await endBody(h, id, values);
    expect(await repairWorkflow(id, h.deps)).toEqual({ counted: 1, started: 0, ended: true });
    const state = (await h.workflows.state(id))!;
    expect(state.status).toBe("succeeded");
    expect(state.counts.succeeded).toBe(headerSize + 1);
  });

  it("is finished by repairWorkflow whichever step the last delivery died at, with no delivery after", async () => {
    const values = [5, 6, 7, 8];
    const probe = harness("wfrepairprobe");
    const { ended: probeEnded } = await chordWithEndedHeader(probe, values);
    for (const task of probeEnded.slice(0, -1)) await deliver(probe, task);
    probe.counter.steps = 0;
    await deliver(probe, probeEnded.at(-1)!);
    const lastSteps = probe.counter.steps;

    for (let crashAt = 1; crashAt <= lastSteps; crashAt++) {
      const h = harness(`wfrepair${crashAt}`);
      const { id, ended } = await chordWithEndedHeader(h, values);
      for (const task of ended.slice(0, -1)) expect(await deliver(h, task)).toBe(true);
      expect(await deliver(h, ended.at(-1)!, crashAt)).toBe(false);
      // The stream never delivers that record again; the health check's repair does what is missing.
      const bodyId = nodeTaskId(id, `n${headerSize}`);
      const sentBefore = h.sent.some((message) => message.id === bodyId);
      const bodyBefore = await h.store.get(bodyId);
      await repairWorkflow(id, h.deps);
      if (bodyBefore && !sentBefore) {
        // Died between writing the join's task and sending it: a queued task without a message,
        // which the health check's unsent repair sends (as for any task). Here, the same send.
        expect(await h.store.get(bodyId)).toMatchObject({ status: "queued" });
        expect(h.sent.some((message) => message.id === bodyId)).toBe(false);
        await h.deps.queue.send(envelopeOf(bodyBefore));
      }
      await expectJoinedOnce(h, id, values);
    }
  }, 240_000);

  it("repairs only the running workflows of the window that stopped moving", async () => {
    // Two harnesses on one namespace: each counts its own join writes and sends.
    const h = harness("wfstalled");
    const other = harness("wfstalled");
    const values = [1, 2, 3, 4];
    const stalled = await chordWithEndedHeader(h, values);
    const moving = await chordWithEndedHeader(other, values);
    for (const task of moving.ended) await deliver(other, task);
    const before = new Date(Date.now() - 60_000);
    const quietNow = new Date(Date.now() + 1_000);

    // Nothing has been quiet since a minute ago: nothing is checked.
    const early = await repairStalledWorkflows({ since: before, quietSince: before, limit: 100 }, h.deps);
    expect(early).toEqual({ checked: 0, repaired: [], repairedCount: 0 });
    // Outside the window (submitted before `since`): nothing is checked either.
    const later = await repairStalledWorkflows({ since: quietNow, quietSince: quietNow, limit: 100 }, h.deps);
    expect(later.checked).toBe(0);

    // The listing reads only the months from `since` on: none of next month's has these two.
    const nextMonth = new Date(Date.now() + 32 * 86_400_000);
    expect((await h.workflows.list(100, undefined, nextMonth)).ids).toEqual([]);
    expect((await h.workflows.list(100, undefined, before)).ids).toEqual([moving.id, stalled.id]);
    // Both are quiet now; the one whose join fired is read and left as it is.
    const found = await repairStalledWorkflows({ since: before, quietSince: quietNow, limit: 100 }, h.deps);
    expect(found).toEqual({ checked: 2, repaired: [stalled.id], repairedCount: 1 });
    await expectJoinedOnce(h, stalled.id, values);
    await expectJoinedOnce(other, moving.id, values);
  });
});
