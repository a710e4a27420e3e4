/**
 * Unit tier: EventBridge Scheduler expressions as the API validates them and
 * the local scheduler fires them (AWS's cron dialect, rates, one-time at(),
 * time zones), and the task message a schedule sends.
 */
import { describe, expect, it } from "vitest";
import { parseEnvelope, scheduledEnvelopeInput, scheduledTaskOf } from "../../functions/core/envelope.ts";
import {
  InvalidScheduleExpression,
  nextFireTimes,
  parseScheduleExpression,
} from "../../functions/core/schedule-expression.ts";

const fires = (text: string, timeZone: string, after: string, count = 3, anchor = after) =>
  nextFireTimes(parseScheduleExpression(text, timeZone), {
    timeZone,
    after: new Date(after),
    anchor: new Date(anchor),
    count,
  }).map((date) => date.toISOString());

describe("cron expressions", () => {
  it("read weekdays as AWS numbers them (1 = SUN) and names", () => {
    // 2025-03-08 is a Saturday.
    expect(fires("cron(0 10 ? * 2 *)", "UTC", "2025-03-08T00:00:00Z", 1)).toEqual([
      "2025-03-10T10:00:00.000Z",
    ]);
    expect(fires("cron(0 10 ? * MON-FRI *)", "UTC", "2025-03-08T00:00:00Z", 2)).toEqual([
      "2025-03-10T10:00:00.000Z",
      "2025-03-11T10:00:00.000Z",
    ]);
  });

  it("support L, W, #, steps from a number, and the year field", () => {
    expect(fires("cron(0 10 ? * 6L *)", "UTC", "2025-03-01T00:00:00Z", 1)).toEqual([
      "2025-03-28T10:00:00.000Z",
    ]);
    expect(fires("cron(0 10 ? * 3#2 *)", "UTC", "2025-03-01T00:00:00Z", 1)).toEqual([
      "2025-03-11T10:00:00.000Z",
    ]);
    expect(fires("cron(0 10 15W * ? *)", "UTC", "2025-03-01T00:00:00Z", 1)).toEqual([
      "2025-03-14T10:00:00.000Z",
    ]);
    expect(fires("cron(0 10 L * ? *)", "UTC", "2025-04-01T00:00:00Z", 1)).toEqual([
      "2025-04-30T10:00:00.000Z",
    ]);
    expect(fires("cron(5/20 * * * ? *)", "UTC", "2025-03-01T00:00:00Z", 3)).toEqual([
      "2025-03-01T00:05:00.000Z",
      "2025-03-01T00:25:00.000Z",
      "2025-03-01T00:45:00.000Z",
    ]);
    expect(fires("cron(0 0 1 1 ? 2030)", "UTC", "2025-03-01T00:00:00Z", 2)).toEqual([
      "2030-01-01T00:00:00.000Z",
    ]);
  });

  it("evaluate in the schedule's time zone, across daylight saving changes", () => {
    expect(fires("cron(0 9 * * ? *)", "Asia/Shanghai", "2025-03-08T00:00:00Z", 1)).toEqual([
      "2025-03-08T01:00:00.000Z",
    ]);
    // New York moves to UTC-4 on 2025-03-09: 08:00 local is 13:00 UTC before, 12:00 UTC after.
    expect(fires("cron(0 8 * * ? *)", "America/New_York", "2025-03-08T00:00:00Z", 2)).toEqual([
      "2025-03-08T13:00:00.000Z",
      "2025-03-09T12:00:00.000Z",
    ]);
  });

  it.each([
    ["five fields", "cron(0 10 * * ?)"],
    ["both day fields set", "cron(0 10 * * MON *)"],
    ["neither day field ?", "cron(0 10 * * * *)"],
    ["a value out of range", "cron(0 25 * * ? *)"],
    ["garbage", "cron(a b c d e f)"],
  ])("reject %s", (_, text) => {
    expect(() => parseScheduleExpression(text, "UTC")).toThrow(InvalidScheduleExpression);
  });
});

describe("rate and at expressions", () => {
  it("fire a rate every interval after its anchor", () => {
    expect(fires("rate(5 minutes)", "UTC", "2025-03-08T00:00:30Z", 2, "2025-03-08T00:00:30Z")).toEqual([
      "2025-03-08T00:05:30.000Z",
      "2025-03-08T00:10:30.000Z",
    ]);
    expect(fires("rate(1 hour)", "UTC", "2025-03-08T02:10:00Z", 1, "2025-03-08T00:00:00Z")).toEqual([
      "2025-03-08T03:00:00.000Z",
    ]);
  });

  it("fire an at() once, in its time zone, and never once it has passed", () => {
    expect(fires("at(2030-01-01T08:00:00)", "Asia/Shanghai", "2025-01-01T00:00:00Z")).toEqual([
      "2030-01-01T00:00:00.000Z",
    ]);
    expect(fires("at(2020-01-01T08:00:00)", "UTC", "2025-01-01T00:00:00Z")).toEqual([]);
  });

  it.each([
    ["rate(0 minutes)"],
    ["rate(1 minutes)"],
    ["rate(5 minute)"],
    ["rate(5 seconds)"],
    ["at(2030-01-01 08:00)"],
    ["at(2030-02-30T00:00:00)"],
    ["every day"],
  ])("reject %s", (text) => {
    expect(() => parseScheduleExpression(text, "UTC")).toThrow(InvalidScheduleExpression);
  });

  it("rejects an unknown time zone", () => {
    expect(() => parseScheduleExpression("rate(1 minute)", "Mars/Olympus_Mons")).toThrow(/time zone/);
  });
});

describe("the task message of a schedule", () => {
  it("becomes a distinct task per scheduled time, carrying the schedule's name", () => {
    const template = scheduledEnvelopeInput("nightly", {
      type: "echo",
      input: { value: 1 },
      priority: "low",
    });
    const at = (time: string) => parseEnvelope(template.replaceAll("<aws.scheduler.scheduled-time>", time));
    const first = at("2025-03-08T10:00:00Z");
    expect(first).toMatchObject({
      id: "nightly@2025-03-08T10:00:00Z",
      type: "echo",
      lane: "default",
      priority: "low",
      input: { value: 1 },
      createdAt: "2025-03-08T10:00:00Z",
      scheduleName: "nightly",
    });
    expect(at("2025-03-08T10:01:00Z").id).not.toBe(first.id);
    expect(scheduledTaskOf(template)).toEqual({
      type: "echo",
      input: { value: 1 },
      priority: "low",
      namespace: "default",
    });
    expect(scheduledTaskOf('{"not":"ours"}')).toBeUndefined();
  });
});
