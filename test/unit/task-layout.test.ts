/**
 * Unit tier: the task table's item layout (keys from ids, month buckets) and
 * the counting of stream changes (functions/adapters/task-item-layout.ts,
 * dynamodb-task-counters.ts, functions/counters/handler.ts' record reading).
 */
import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { ExpressionBuilder } from "../../functions/adapters/dynamodb-expressions.ts";
import { countDeltas, type TaskRecordChange } from "../../functions/adapters/dynamodb-task-counters.ts";
import {
  bucketsBetween,
  bucketsNewestFirst,
  taskKeyOf,
  undatedBucket,
} from "../../functions/adapters/task-item-layout.ts";
import { newTaskId, timeOfTaskId } from "../../functions/core/task-ids.ts";

describe("task ids", () => {
  it("are ULIDs that sort by creation time and give it back", () => {
    const earlier = newTaskId(new Date("2026-11-30T10:00:00.000Z"));
    const later = newTaskId(new Date("2026-11-30T10:00:00.001Z"));
    expect(earlier).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(earlier < later).toBe(true);
    expect(timeOfTaskId(earlier)?.toISOString()).toBe("2026-11-30T10:00:00.000Z");
  });

  it("read the scheduled time of a schedule firing's id, and nothing from other ids", () => {
    expect(timeOfTaskId("nightly@report@2026-11-30T10:00:00Z")?.toISOString()).toBe(
      "2026-11-30T10:00:00.000Z",
    );
    expect(timeOfTaskId("c9a1f7a2-2b7e-4f55-9a1e-7c0f2f0b1d3e")).toBeUndefined();
    expect(timeOfTaskId("name@not-a-time")).toBeUndefined();
  });
});

describe("task keys", () => {
  it("put a task in its creation month's partition, the same for every read of the id", () => {
    const id = newTaskId(new Date("2026-03-15T12:00:00.000Z"));
    const key = taskKeyOf(id);
    expect(key.pk).toMatch(/^task#default#2026-03#[0-7]$/);
    expect(key.sk).toBe(`2026-03-15T12:00:00.000Z#${id}`);
    expect(taskKeyOf(id)).toEqual(key);
    expect(taskKeyOf(id, "team-a").pk).toMatch(/^task#team-a#2026-03#/);
  });

  it("keep ids without a time in the undated bucket", () => {
    expect(taskKeyOf("hand-made-id").pk).toMatch(new RegExp(`^task#default#${undatedBucket}#[0-7]$`));
  });

  it("spread ids over every shard", () => {
    const shards = new Set(Array.from({ length: 200 }, () => taskKeyOf(newTaskId()).pk.split("#").at(-1)));
    expect(shards.size).toBe(8);
  });
});

describe("month buckets", () => {
  it("run newest first back to the horizon, then the undated bucket", () => {
    const buckets = bucketsNewestFirst(new Date("2026-03-10T00:00:00Z"), 70);
    expect(buckets).toEqual(["2026-03", "2026-02", "2026-01", "2025-12", undatedBucket]);
  });

  it("start with the next month in a month's last days (ids from clocks ahead)", () => {
    expect(bucketsNewestFirst(new Date("2026-11-30T20:00:00Z"), 10).slice(0, 2)).toEqual([
      "2026-12",
      "2026-11",
    ]);
  });

  it("cover a window oldest first", () => {
    expect(bucketsBetween(new Date("2025-11-20T00:00:00Z"), new Date("2026-01-02T00:00:00Z"))).toEqual([
      "2025-11",
      "2025-12",
      "2026-01",
    ]);
  });
});

describe("update expressions", () => {
  it("apply setLast after every other action, so no reader of moto sees a status before its fields", () => {
    const builder = new ExpressionBuilder()
      .setLast("status", "succeeded")
      .set("resultJson", "1")
      .remove("error")
      .add("count", 1)
      .append("history", [{ status: "succeeded" }]);
    const expression = builder.updateExpression();
    const status = Object.keys(builder.names).find((name) => builder.names[name] === "status");
    const actions = expression
      .split(/\b(?:SET|REMOVE|ADD)\b|,/)
      .map((part) => part.trim())
      .filter(Boolean);
    expect(actions.at(-1)).toMatch(new RegExp(`^${status} = :v\\d+$`));
    expect(expression.indexOf("SET")).toBeGreaterThan(expression.indexOf("REMOVE"));
    expect(expression.indexOf("SET")).toBeGreaterThan(expression.indexOf("ADD"));
  });
});

describe("counting stream changes", () => {
  const change = (
    before: TaskRecordChange["before"],
    after: TaskRecordChange["after"],
    at = "2026-11-30T10:00:30.000Z",
  ) => ({ namespace: "default", type: "echo", before, after, at, sequence: "1" }) as TaskRecordChange;

  it("counts a new task in its status and as submitted in its minute", () => {
    const deltas = countDeltas([change(undefined, "queued")]);
    expect(Object.fromEntries(deltas.totals.get("default")!)).toEqual({ s_queued: 1, t_echo_queued: 1 });
    expect(Object.fromEntries(deltas.minutes.get("default")!.get("2026-11-30T10:00")!)).toEqual({
      e_queued: 1,
      submitted: 1,
    });
  });

  it("moves a task between statuses, and sums a batch", () => {
    const deltas = countDeltas([
      change(undefined, "queued"),
      change("queued", "running"),
      change("running", "succeeded", "2026-11-30T10:01:05.000Z"),
    ]);
    expect(Object.fromEntries(deltas.totals.get("default")!)).toEqual({
      s_queued: 0,
      t_echo_queued: 0,
      s_running: 0,
      t_echo_running: 0,
      s_succeeded: 1,
      t_echo_succeeded: 1,
    });
    expect(Object.fromEntries(deltas.minutes.get("default")!.get("2026-11-30T10:01")!)).toEqual({
      e_succeeded: 1,
    });
  });

  it("ignores updates that keep the status and deletions", () => {
    const deltas = countDeltas([change("running", "running"), change("succeeded", undefined)]);
    expect(deltas.totals.size).toBe(0);
    expect(deltas.minutes.size).toBe(0);
  });
});

describe("reading stream records", async () => {
  process.env.TASK_TABLE_NAME ??= "unit-test-table";
  const { taskChangeOf } = await import("../../functions/adapters/task-stream-changes.ts");
  const record = (
    eventName: "INSERT" | "MODIFY" | "REMOVE",
    pk: string,
    oldStatus?: string,
    newStatus?: string,
  ) =>
    ({
      eventName,
      dynamodb: {
        Keys: { pk: { S: pk }, sk: { S: "x" } },
        SequenceNumber: "100",
        ...(oldStatus ? { OldImage: { type: { S: "echo" }, status: { S: oldStatus } } } : {}),
        ...(newStatus
          ? {
              NewImage: {
                type: { S: "echo" },
                status: { S: newStatus },
                updatedAt: { S: "2026-11-30T10:00:00.000Z" },
              },
            }
          : {}),
      },
    }) as unknown as DynamoDBRecord;

  it("takes the namespace from the key and the statuses from the images", () => {
    expect(taskChangeOf(record("MODIFY", "task#team-a#2026-11#3", "queued", "running"))).toEqual({
      namespace: "team-a",
      type: "echo",
      before: "queued",
      after: "running",
      at: "2026-11-30T10:00:00.000Z",
      sequence: "100",
    });
  });

  it("leaves out items that are not tasks, and deleted finished tasks", () => {
    expect(taskChangeOf(record("INSERT", "stats#default", undefined, "queued"))).toBeUndefined();
    expect(taskChangeOf(record("REMOVE", "task#default#2026-11#1", "succeeded"))).toBeUndefined();
  });
});
