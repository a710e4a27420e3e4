/**
 * Unit tier: the pieces of monitoring that are pure: the readable rendering
 * of function logs and metrics for `npm start`, the queue wait the worker
 * reports, and the monitor page's Content-Security-Policy and script.
 */
import { readFileSync } from "node:fs";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import type { Task, TaskTransition } from "../../functions/core/task.ts";
import { queueWaitMs } from "../../functions/core/task-times.ts";
import { contentSecurityPolicyFor } from "../../functions/monitor/content-security-policy.ts";
import { formatLogLine, functionLabel } from "../../local/log-format.ts";

describe("local log rendering", () => {
  it("renders a Powertools line as time, level, function, message and keys, correlation keys first", () => {
    const line = JSON.stringify({
      level: "INFO",
      message: "delivery handled",
      timestamp: "2026-01-02T03:04:05.678Z",
      service: "claw-tasks",
      sampling_rate: 0,
      function_request_id: "r-1",
      outcome: "succeeded",
      taskType: "echo",
      lane: "default",
      taskId: "t-1",
    });
    expect(formatLogLine("LaneDefaultWorker", line)).toBe(
      "03:04:05.678 INFO  LaneDefaultWorker delivery handled taskId=t-1 lane=default taskType=echo outcome=succeeded",
    );
  });

  it("puts an error's message and first stack frames on their own lines", () => {
    const line = JSON.stringify({
      level: "ERROR",
      message: "delivery failed",
      timestamp: "2026-01-02T03:04:05.678Z",
      error: { name: "TypeError", message: "boom", stack: "TypeError: boom\n    at run (a.js:1:1)" },
    });
    expect(formatLogLine("ApiHandler", line).split("\n")).toEqual([
      "03:04:05.678 ERROR ApiHandler delivery failed",
      "  error: TypeError: boom",
      "    at run (a.js:1:1)",
    ]);
  });

  it("renders an EMF blob as one METRIC line with units", () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: Date.parse("2026-01-02T03:04:05.678Z"),
        CloudWatchMetrics: [
          {
            Namespace: "ClawTasks",
            Dimensions: [["service", "lane", "type"]],
            Metrics: [
              { Name: "TasksSucceeded", Unit: "Count" },
              { Name: "QueueWait", Unit: "Milliseconds" },
            ],
          },
        ],
      },
      service: "claw-tasks",
      lane: "default",
      type: "echo",
      TasksSucceeded: 1,
      QueueWait: 12,
      taskId: "t-1",
    });
    expect(formatLogLine("LaneDefaultWorker", line)).toBe(
      "03:04:05.678 METRIC LaneDefaultWorker TasksSucceeded=1 QueueWait=12ms taskId=t-1 lane=default type=echo",
    );
  });

  it("passes other output through, labelled", () => {
    expect(formatLogLine("ApiHandler", "plain text")).toBe("ApiHandler  plain text");
    expect(formatLogLine("ApiHandler", "{not json")).toBe("ApiHandler  {not json");
  });

  it("labels a function by its logical id without the stack name and CDK's hash", () => {
    expect(functionLabel("ClawTasks-dev-LaneDefaultWorker1A2B3C4D", "ClawTasks-dev")).toBe(
      "LaneDefaultWorker",
    );
    expect(functionLabel("event-source", "ClawTasks-dev")).toBe("event-source");
  });
});

describe("queue wait", () => {
  const at = (iso: string, status: TaskTransition["status"]): TaskTransition => ({ status, at: iso });
  const task = (history: TaskTransition[], extra: Partial<Task> = {}) =>
    ({ createdAt: "2026-01-01T00:00:00.000Z", history, ...extra }) as Task;
  const started = new Date("2026-01-01T00:00:05.000Z");

  it("is the time from queued to the claim", () => {
    const claimed = task([at("2026-01-01T00:00:00.000Z", "queued"), at(started.toISOString(), "running")]);
    expect(queueWaitMs(claimed, started)).toBe(5_000);
  });

  it("counts a delayed task from its runAt, not from its submission", () => {
    const claimed = task(
      [at("2026-01-01T00:00:00.000Z", "scheduled"), at(started.toISOString(), "running")],
      { runAt: "2026-01-01T00:00:04.000Z" },
    );
    expect(queueWaitMs(claimed, started)).toBe(1_000);
  });

  it("counts a task retried by id from when it was queued again", () => {
    const claimed = task([
      at("2025-12-31T00:00:00.000Z", "queued"),
      at("2025-12-31T00:00:01.000Z", "running"),
      at("2025-12-31T00:00:02.000Z", "failed"),
      at("2026-01-01T00:00:03.000Z", "queued"),
      at(started.toISOString(), "running"),
    ]);
    expect(queueWaitMs(claimed, started)).toBe(2_000);
  });

  it("is not reported for retries after a backoff or for crashed attempts claimed again", () => {
    const retry = task([at("2026-01-01T00:00:00.000Z", "retrying"), at(started.toISOString(), "running")]);
    const reclaimed = task([at("2026-01-01T00:00:00.000Z", "running"), at(started.toISOString(), "running")]);
    expect(queueWaitMs(retry, started)).toBeUndefined();
    expect(queueWaitMs(reclaimed, started)).toBeUndefined();
  });
});

describe("monitor page", () => {
  const page = readFileSync(new URL("../../functions/monitor/monitor.html", import.meta.url), "utf8");
  const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;

  it("allows exactly its own inline script and style, data from its own origin, and nothing else", () => {
    const policy = contentSecurityPolicyFor(page);
    expect(policy).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]{44}'; style-src 'sha256-/);
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("unsafe");
    expect(contentSecurityPolicyFor(page.replace(script, `${script} `))).not.toBe(policy);
  });

  it("loads nothing from elsewhere and uses no inline handlers or style attributes the policy would block", () => {
    expect(page).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(page).not.toMatch(/\son[a-z]+="/);
    expect(page).not.toMatch(/\sstyle="/);
    expect(page.match(/<script\b/g)).toHaveLength(1);
  });

  it("puts data into the page as text: no markup from strings (the workflow graph included)", () => {
    expect(script).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment/,
    );
    expect(script).toContain("createElementNS");
  });

  it("keeps the API key in session storage only", () => {
    expect(script).toContain("sessionStorage");
    expect(script).not.toMatch(/localStorage|document\.cookie/);
  });

  it("has a script that parses", () => {
    expect(() => new Script(script)).not.toThrow();
  });
});
