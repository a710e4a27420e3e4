/**
 * Integration tier: what the monitoring reads, end to end on the local
 * runtime: the monitor page and its headers, the per-minute activity the
 * overview charts, and the EMF metrics and correlated logs the functions
 * print (the runtime writes function output to .local/integration-functions.log).
 * Local only: it reads that log file.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { contentSecurityPolicyFor } from "../../functions/monitor/content-security-policy.ts";
import { projectRoot } from "../../local/synthesize.ts";
import { api, eventually, submit, target, waitForStatus } from "./api-client.ts";

interface ActivityMinute {
  readonly minute: string;
  readonly submitted: number;
  readonly succeeded: number;
  readonly failed: number;
}

const functionLog = path.join(projectRoot, ".local", "integration-functions.log");

/** Parsed JSON output lines of the functions that mention `taskId`, with the function's name as `function`. */
function outputAbout(taskId: string): Record<string, unknown>[] {
  return readFileSync(functionLog, "utf8")
    .split("\n")
    .filter((line) => line.includes(taskId))
    .flatMap((line) => {
      const match = /^\[([^\]]+)\] (\{.*\})$/.exec(line);
      if (!match) return [];
      try {
        return [{ ...(JSON.parse(match[2]!) as Record<string, unknown>), function: match[1]! }];
      } catch {
        return [];
      }
    });
}

/** The task's metrics lines: the counters function's, from the table's stream, that name it. */
const metricsLinesAbout = (taskId: string) =>
  outputAbout(taskId).filter(
    (line) => line._aws && typeof line.taskIds === "string" && line.taskIds.split(" ").includes(taskId),
  );

const metricNames = (line: Record<string, unknown>) =>
  (line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics.flatMap(
    (directive) => directive.Metrics.map((metric) => metric.Name),
  );

describe("web monitor page", () => {
  it("is served without a key, as HTML whose policy allows only its own inline script", async () => {
    const response = await fetch(`${target.url}/monitor`);
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe(contentSecurityPolicyFor(page));
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(page).toContain("<title>claw-tasks monitor</title>");
  });

  it("gets no data without a key: every data route still answers 401", async () => {
    for (const route of ["/v1/stats", "/v1/stats/activity", "/v1/tasks", "/v1/queues"]) {
      expect((await api("GET", route, { key: null })).status, route).toBe(401);
    }
  });
});

describe("per-minute activity", () => {
  const read = async () =>
    (await api<{ items: ActivityMinute[] }>("GET", "/v1/stats/activity?minutes=5")).body.items;

  it("lists the last hour by default, oldest minute first, ending with the current one", async () => {
    const response = await api<{ items: ActivityMinute[]; time: string }>("GET", "/v1/stats/activity");
    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(60);
    const minutes = response.body.items.map((item) => Date.parse(item.minute));
    for (let index = 1; index < minutes.length; index++)
      expect(minutes[index]! - minutes[index - 1]!).toBe(60_000);
    expect(Date.parse(response.body.time) - minutes.at(-1)!).toBeLessThan(60_000);
  });

  it("counts submissions and outcomes in the minute they happen", async () => {
    const before = new Map((await read()).map((item) => [item.minute, item]));
    const ok = await submit({ type: "echo", input: { value: 1 } });
    const bad = await submit({ type: "echo", input: { value: 2, fail: "permanent" } });
    await waitForStatus(ok.id, ["succeeded"]);
    await waitForStatus(bad.id, ["failed"]);
    // Minutes present in both reads only, so a minute boundary between them does not matter.
    const grownIn = (items: ActivityMinute[], field: keyof Omit<ActivityMinute, "minute">) =>
      items.reduce((sum, item) => sum + item[field] - (before.get(item.minute)?.[field] ?? 0), 0);
    // The counters aggregate the task table's stream: they follow the records within about a second.
    const after = await eventually(
      read,
      (items) =>
        grownIn(items, "submitted") >= 2 && grownIn(items, "succeeded") >= 1 && grownIn(items, "failed") >= 1,
    );
    const grown = (field: keyof Omit<ActivityMinute, "minute">) => grownIn(after, field);
    expect(grown("submitted")).toBeGreaterThanOrEqual(2);
    expect(grown("succeeded")).toBeGreaterThanOrEqual(1);
    expect(grown("failed")).toBeGreaterThanOrEqual(1);
  });

  it("names the field of a bad window", async () => {
    const response = await api<{ error: { details: { issues: { path: string }[] } } }>(
      "GET",
      "/v1/stats/activity?minutes=500",
    );
    expect(response.status).toBe(400);
    expect(response.body.error.details.issues[0]!.path).toBe("minutes");
  });
});

describe("metrics and logs", () => {
  it("publish submitted, outcome, duration and queue wait per lane and type, with the task id", async () => {
    const task = await submit({ type: "echo", input: { value: "measured", sleepMs: 50 } });
    await waitForStatus(task.id, ["succeeded"]);
    // From the table's stream, in the counters function's lines: up to its batching window (5 s) later.
    const metrics = await eventually(
      async () => metricsLinesAbout(task.id),
      (lines) =>
        lines.some((line) => metricNames(line).includes("TasksSucceeded")) &&
        lines.some((line) => metricNames(line).includes("TasksSubmitted")),
    );
    expect(metrics.every((line) => /CountersHandler/.test(String(line.function)))).toBe(true);
    const submitted = metrics.find((line) => metricNames(line).includes("TasksSubmitted"));
    const succeeded = metrics.find((line) => metricNames(line).includes("TasksSucceeded"));
    expect(submitted).toMatchObject({ lane: "default", type: "echo", service: "claw-tasks" });
    expect(submitted!.TasksSubmitted).toBeGreaterThanOrEqual(1);
    // One line per stream batch, lane and type: counts summed, times a list, and the tasks' ids.
    expect(succeeded).toMatchObject({ lane: "default", type: "echo" });
    expect(succeeded!.TasksSucceeded).toBeGreaterThanOrEqual(1);
    const values = (name: string) =>
      metrics.flatMap((line) => (line[name] === undefined ? [] : [line[name]].flat())) as number[];
    expect(Math.max(...values("TaskDuration"))).toBeGreaterThanOrEqual(50);
    expect(values("QueueWait").length).toBeGreaterThan(0);
    expect(values("QueueWait").every((value) => value >= 0)).toBe(true);
    const directive = (
      succeeded!._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }
    ).CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe("ClawTasks");
    expect(directive.Dimensions[0]!.sort()).toEqual(["lane", "service", "type"]);
    // Neither the API nor the worker publishes task metrics of its own for it.
    const anyMetrics = outputAbout(task.id).filter((line) => line._aws);
    expect(anyMetrics.every((line) => /CountersHandler/.test(String(line.function)))).toBe(true);
  });

  it("count retries, and correlate the worker's log lines by task id, lane and type", async () => {
    const task = await submit({ type: "echo", input: { value: "again", failTimes: 1 } });
    await waitForStatus(task.id, ["succeeded"], 30_000);
    const counted = (lines: Record<string, unknown>[], name: string) =>
      lines.some((line) => line._aws && metricNames(line).includes(name));
    const lines = await eventually(
      async () => outputAbout(task.id),
      (found) =>
        found.some((line) => line.message === "delivery handled") &&
        counted(found, "TasksSucceeded") &&
        counted(found, "TasksRetried"),
    );
    // Every outcome but a plain success has an INFO line; the success is in a stream batch's metrics line.
    const handled = lines.filter((line) => line.message === "delivery handled");
    expect(handled.map((line) => line.outcome)).toEqual(["retrying"]);
    for (const line of handled) {
      expect(line).toMatchObject({ level: "INFO", taskId: task.id, lane: "default", taskType: "echo" });
    }
    expect(counted(lines, "TasksRetried")).toBe(true);
  });
});
