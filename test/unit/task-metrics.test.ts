/**
 * Unit tier: the task metrics the counters function publishes from the task
 * table's stream: what each record change measures (counts, attempt duration,
 * queue wait), how a stream record is read for it, and the EMF lines a batch
 * of measurements becomes.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  measurementOfChange,
  type TaskMeasurement,
  TaskMetricsBatch,
  type TaskMetricsChange,
} from "../../functions/adapters/task-metrics.ts";
import { taskMetricsChangeOf } from "../../functions/adapters/task-stream-changes.ts";
import type { TaskStatus, TaskTransition } from "../../functions/core/task.ts";

const t = (seconds: number) => new Date(Date.UTC(2026, 10, 30, 10, 0, 0, seconds * 1000)).toISOString();
const entry = (status: TaskStatus, seconds: number, attempt?: number): TaskTransition => ({
  status,
  at: t(seconds),
  ...(attempt === undefined ? {} : { attempt }),
});

const change = (
  fields: Partial<TaskMetricsChange> & Pick<TaskMetricsChange, "after">,
): TaskMetricsChange => ({
  id: "01TASK",
  lane: "default",
  type: "echo",
  createdAt: t(0),
  added: [],
  ...fields,
});

const measured = (fields: Partial<TaskMetricsChange> & Pick<TaskMetricsChange, "after">) => {
  const { lane, type, taskId, ...rest } = measurementOfChange(change(fields));
  expect({ lane, type, taskId }).toEqual({ lane: "default", type: "echo", taskId: "01TASK" });
  return rest;
};

describe("what a task record change measures", () => {
  it("counts a new record as submitted, and nothing else while it waits", () => {
    expect(measured({ after: "queued", added: [entry("queued", 0)] })).toEqual({ counts: ["submitted"] });
    expect(measured({ after: "scheduled", runAt: t(60), added: [entry("scheduled", 0)] })).toEqual({
      counts: ["submitted"],
    });
  });

  it("measures the queue wait when a claim starts the first attempt, and the duration when it ends", () => {
    const claim = measured({
      before: "queued",
      after: "running",
      startedAt: t(3),
      previous: entry("queued", 0),
      added: [entry("running", 3)],
    });
    expect(claim).toEqual({ counts: [], queueWaitMs: 3_000 });
    const finish = measured({
      before: "running",
      after: "succeeded",
      startedAt: t(3),
      previous: entry("running", 3),
      added: [entry("succeeded", 5, 1)],
    });
    expect(finish).toEqual({ counts: ["succeeded"], durationMs: 2_000 });
  });

  it("measures an attempt the deferred claim recorded in one write: queued -> succeeded", () => {
    expect(
      measured({
        before: "queued",
        after: "succeeded",
        startedAt: t(2),
        previous: entry("queued", 0),
        added: [entry("running", 2), entry("succeeded", 2.25, 1)],
      }),
    ).toEqual({ counts: ["succeeded"], durationMs: 250, queueWaitMs: 2_000 });
  });

  it("counts a delayed task's wait from its runAt", () => {
    expect(
      measured({
        before: "scheduled",
        after: "succeeded",
        runAt: t(10),
        startedAt: t(11),
        previous: entry("scheduled", 0),
        added: [entry("running", 11), entry("succeeded", 12, 1)],
      }),
    ).toEqual({ counts: ["succeeded"], durationMs: 1_000, queueWaitMs: 1_000 });
  });

  it("counts a retried attempt, and no queue wait for the retry's start", () => {
    const retried = measured({
      before: "running",
      after: "retrying",
      startedAt: t(1),
      previous: entry("running", 1),
      added: [entry("retrying", 4, 1)],
    });
    expect(retried).toEqual({ counts: ["retried"], durationMs: 3_000 });
    const again = measured({
      before: "retrying",
      after: "succeeded",
      startedAt: t(20),
      previous: entry("retrying", 4, 1),
      added: [entry("running", 20), entry("succeeded", 21, 2)],
    });
    expect(again).toEqual({ counts: ["succeeded"], durationMs: 1_000 });
  });

  it("counts an unclaimed attempt of a retrying task that ends retrying again", () => {
    expect(
      measured({
        before: "retrying",
        after: "retrying",
        startedAt: t(20),
        previous: entry("retrying", 4, 1),
        added: [entry("running", 20), entry("retrying", 20.5, 2)],
      }),
    ).toEqual({ counts: ["retried"], durationMs: 500 });
  });

  it("counts a record the worker created (the submit's write had not landed) as submitted", () => {
    expect(
      measured({
        after: "succeeded",
        startedAt: t(4),
        added: [entry("queued", 0), entry("running", 4), entry("succeeded", 5, 1)],
      }),
    ).toEqual({ counts: ["submitted", "succeeded"], durationMs: 1_000, queueWaitMs: 4_000 });
    expect(
      measured({ after: "running", startedAt: t(4), added: [entry("queued", 0), entry("running", 4)] }),
    ).toEqual({ counts: ["submitted"], queueWaitMs: 4_000 });
  });

  it("counts endings that are no attempt's without a duration", () => {
    const ended = (before: TaskStatus, after: TaskStatus) =>
      measured({ before, after, previous: entry(before, 1), added: [entry(after, 9)] });
    expect(ended("queued", "cancelled")).toEqual({ counts: ["cancelled"] });
    expect(ended("retrying", "expired")).toEqual({ counts: ["expired"] });
    // A dead letter: the attempt never recorded its end.
    expect(ended("running", "failed")).toEqual({ counts: ["failed"] });
  });

  it("measures nothing for a crashed attempt claimed again, a progress report or a cancel request", () => {
    expect(
      measured({
        before: "running",
        after: "running",
        startedAt: t(40),
        previous: entry("running", 1),
        added: [entry("running", 40)],
      }),
    ).toEqual({ counts: [] });
    expect(measured({ before: "running", after: "running", startedAt: t(1) })).toEqual({ counts: [] });
  });
});

describe("reading a stream record for the metrics", () => {
  const image = (status: TaskStatus, history: TaskTransition[], extra: Record<string, unknown> = {}) =>
    marshall(
      {
        pk: "task#default#2026-11#3",
        sk: "2026-11-30T10:00:00.000Z#01TASK",
        id: "01TASK",
        type: "echo",
        lane: "default",
        status,
        createdAt: t(0),
        updatedAt: history.at(-1)!.at,
        history: history.map((item) => ({ ...item, error: undefined })),
        ...extra,
      },
      { removeUndefinedValues: true },
    );
  const record = (eventName: "INSERT" | "MODIFY" | "REMOVE", oldImage?: unknown, newImage?: unknown) =>
    ({
      eventName,
      dynamodb: {
        Keys: { pk: { S: "task#default#2026-11#3" }, sk: { S: "x" } },
        SequenceNumber: "100",
        ...(oldImage ? { OldImage: oldImage } : {}),
        ...(newImage ? { NewImage: newImage } : {}),
      },
    }) as unknown as DynamoDBRecord;

  it("reads the deferred claim's one write as a start and an end appended to the history", () => {
    const queued = image("queued", [entry("queued", 0)]);
    const succeeded = image(
      "succeeded",
      [entry("queued", 0), entry("running", 2), { ...entry("succeeded", 2.25, 1) }],
      { startedAt: t(2), finishedAt: t(2.25), attempts: 1 },
    );
    const read = taskMetricsChangeOf(record("MODIFY", queued, succeeded));
    expect(read).toEqual({
      id: "01TASK",
      lane: "default",
      type: "echo",
      before: "queued",
      after: "succeeded",
      createdAt: t(0),
      startedAt: t(2),
      previous: entry("queued", 0),
      added: [entry("running", 2), entry("succeeded", 2.25, 1)],
    });
    expect(measurementOfChange(read!)).toMatchObject({
      counts: ["succeeded"],
      durationMs: 250,
      queueWaitMs: 2_000,
    });
  });

  it("reads a new record as submitted, and leaves out deletions and other items", () => {
    const queued = image("queued", [entry("queued", 0)]);
    expect(measurementOfChange(taskMetricsChangeOf(record("INSERT", undefined, queued))!)).toMatchObject({
      counts: ["submitted"],
    });
    expect(taskMetricsChangeOf(record("REMOVE", queued))).toBeUndefined();
    const stats = record("INSERT", undefined, queued);
    stats.dynamodb!.Keys!.pk = { S: "stats#default" };
    expect(taskMetricsChangeOf(stats)).toBeUndefined();
  });
});

describe("a batch's metrics lines", () => {
  let lines: Record<string, unknown>[];
  beforeEach(() => {
    lines = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const measurement = (id: string, fields: Partial<TaskMeasurement> = {}): TaskMeasurement => ({
    lane: "default",
    type: "echo",
    taskId: id,
    counts: ["succeeded"],
    durationMs: 5,
    ...fields,
  });

  it("writes one line per lane and type: counts summed, times listed, each task id once", () => {
    const batch = new TaskMetricsBatch();
    batch.add(measurement("a", { counts: ["submitted"], durationMs: undefined }));
    batch.add(measurement("a", { queueWaitMs: 7 }));
    batch.add(measurement("b"));
    batch.add(measurement("c", { type: "send_notification", lane: "notification_default" }));
    batch.add(measurement("d", { counts: [], durationMs: undefined }));
    batch.publish();
    expect(lines).toHaveLength(2);
    const echo = lines.find((line) => line.type === "echo")!;
    expect(echo).toMatchObject({
      service: "claw-tasks",
      lane: "default",
      TasksSubmitted: 1,
      TasksSucceeded: 2,
      TaskDuration: [5, 5],
      QueueWait: 7,
      taskIds: "a b",
    });
    const directive = (echo._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] })
      .CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe("ClawTasks");
    expect([...directive.Dimensions[0]!].sort()).toEqual(["lane", "service", "type"]);
    expect(lines.find((line) => line.type === "send_notification")).toMatchObject({
      TasksSucceeded: 1,
      taskIds: "c",
    });
    batch.publish();
    expect(lines).toHaveLength(2);
  });

  it("starts another line after 99 measurements, before Powertools would flush by itself, each with its own task ids", () => {
    const batch = new TaskMetricsBatch();
    for (let index = 0; index < 150; index++) batch.add(measurement(`t${index}`));
    batch.publish();
    expect(lines).toHaveLength(2);
    expect(String(lines[0]!.taskIds).split(" ")).toHaveLength(99);
    expect(lines.map((line) => line.TasksSucceeded)).toEqual([99, 51]);
    expect(lines.map((line) => (line.TaskDuration as number[]).length)).toEqual([99, 51]);
    expect(String(lines[1]!.taskIds).split(" ")).toEqual(
      Array.from({ length: 51 }, (_, index) => `t${index + 99}`),
    );
  });
});
