/**
 * Integration tier, local: `claw-tasks doctor` and `claw-tasks logs` through
 * the real binary against the local runtime. doctor reads the static
 * schedules from the runtime's scheduler emulator (its endpoint in the SDK's
 * AWS_ENDPOINT_URL_SCHEDULER, as `npm start`'s .local/runtime.json gives it);
 * logs reads the runtime's raw function log (the test runtime writes it to
 * .local/integration-functions.log, `npm start` to .local/functions.log).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { laneNames } from "../../functions/tasks/lanes.ts";
import { staticSchedules } from "../../functions/tasks/static-schedules.ts";
import { projectRoot } from "../../local/synthesize.ts";
import { api, eventually, localRuntime, submit, waitForStatus } from "./api-client.ts";
import { cli, cliBin, scratch } from "./cli-runner.ts";

const local = localRuntime();
const emulatorEnv = {
  AWS_ENDPOINT_URL_SCHEDULER: local.endpoints.scheduler,
  AWS_REGION: local.region,
  AWS_ACCESS_KEY_ID: local.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: local.credentials.secretAccessKey,
};
const logFile = path.join(projectRoot, ".local", "integration-functions.log");
/** A doctor run waits up to a minute for its echo task; on a busy machine the whole run takes longer. */
const doctorMs = 120_000;

async function deadLetters(): Promise<number> {
  const queues = await api<{ items: { deadLetters: number }[] }>("GET", "/v1/queues");
  return queues.body.items.reduce((sum, lane) => sum + lane.deadLetters, 0);
}

/**
 * The test runtime creates the stack's static schedules disabled (a quiet runtime: global-setup.ts), which
 * doctor rightly reports. These tests turn them on while doctor looks, as `npm start` has them.
 */
async function setStaticSchedules(state: "ENABLED" | "DISABLED"): Promise<void> {
  const scheduler = new SchedulerClient({
    region: local.region,
    endpoint: local.endpoints.scheduler,
    credentials: local.credentials,
  });
  try {
    const { Schedules = [] } = await scheduler.send(new ListSchedulesCommand({}));
    for (const entry of Schedules) {
      if (!entry.GroupName?.endsWith("-static") || !staticSchedules.some((s) => s.name === entry.Name))
        continue;
      const schedule = await scheduler.send(
        new GetScheduleCommand({ Name: entry.Name, GroupName: entry.GroupName }),
      );
      await scheduler.send(
        new UpdateScheduleCommand({
          Name: schedule.Name,
          GroupName: schedule.GroupName,
          ScheduleExpression: schedule.ScheduleExpression,
          ScheduleExpressionTimezone: schedule.ScheduleExpressionTimezone,
          FlexibleTimeWindow: schedule.FlexibleTimeWindow,
          Target: schedule.Target,
          State: state,
        }),
      );
    }
  } finally {
    scheduler.destroy();
  }
}

describe("claw-tasks doctor", () => {
  beforeAll(() => setStaticSchedules("ENABLED"));
  afterAll(() => setStaticSchedules("DISABLED"));
  afterEach(async () => {
    await api("PATCH", "/v1/workers/knowledge_default", { body: { enabled: true } });
  });

  it(
    "checks health, each worker, the static schedules, the DLQs and an echo round trip",
    async () => {
      const run = await cli(["doctor", "--timeout", "60"], emulatorEnv, doctorMs);
      const lines = run.stdout.split("\n");
      expect(run.stdout).toMatch(/^✓ API health: ok/m);
      for (const lane of laneNames) expect(run.stdout).toMatch(new RegExp(`^✓ worker ${lane}: enabled`, "m"));
      for (const schedule of staticSchedules) {
        expect(run.stdout).toMatch(
          new RegExp(`^✓ schedule ${schedule.name}: .+ Asia/Shanghai, next \\d{4}-\\d\\d-\\d\\dT`, "m"),
        );
      }
      expect(run.stdout).toMatch(/^✓ echo round trip: [\d.]+ s/m);
      expect(run.stdout).toMatch(/^– alarms: not checked/m);
      // Other test files may have left dead letters behind (faults, crashes): then those, and only those, fail.
      const failures = lines.filter((line) => line.startsWith("✗"));
      if ((await deadLetters()) === 0) {
        expect(failures).toEqual([]);
        expect(run.code, run.stdout + run.stderr).toBe(0);
        expect(run.stdout).toContain("all checks passed");
      } else {
        expect(failures.length).toBeGreaterThan(0);
        for (const line of failures) expect(line).toMatch(/^✗ DLQ \w+: \d+ dead letter/);
        expect(run.code).toBe(1);
      }
    },
    doctorMs + 10_000,
  );

  it(
    "fails, naming the lane, when a lane's worker is paused",
    async () => {
      const paused = await api("PATCH", "/v1/workers/knowledge_default", { body: { enabled: false } });
      expect(paused.status).toBe(200);
      const run = await cli(["doctor", "--timeout", "60"], emulatorEnv, doctorMs);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^✗ worker knowledge_default: paused .*claw-tasks workers resume knowledge_default$/m,
      );
      expect(run.stdout).toMatch(/^✓ worker ai_high_priority: enabled/m);
      expect(run.stdout).toMatch(/check(s)? failed$/m);
    },
    doctorMs + 10_000,
  );

  it(
    "says which static schedule check could not run, and fails",
    async () => {
      const run = await cli(
        ["doctor", "--timeout", "60"],
        { AWS_ENDPOINT_URL_SCHEDULER: undefined },
        doctorMs,
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^✗ static schedules: no local runtime found/m);
    },
    doctorMs + 10_000,
  );

  it("answers bad usage with exit code 2", async () => {
    const run = await cli(["doctor", "--timeout", "-1"]);
    expect(run.code).toBe(2);
  });
});

describe("claw-tasks logs", () => {
  it("--follow shows a task's lines as it runs", async () => {
    const task = await submit({
      type: "echo",
      input: { value: "followed", sleepMs: 4_000, progressSteps: 2 },
    });
    await waitForStatus(task.id, ["running"]);
    const follower = spawn(
      process.execPath,
      [cliBin, "logs", "--follow", "--task", task.id, "--file", logFile],
      { env: { PATH: process.env.PATH, HOME: scratch }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    follower.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    try {
      // Submitted before the follow began: read from the log's past. Task metrics come from the
      // table's stream, in the counters function's line (up to its 5 s batching window later).
      await eventually(
        async () => output,
        (text) => /METRIC CountersHandler .*TasksSubmitted=\d+.* taskIds=\S+/.test(text),
        15_000,
      );
      expect(output).not.toContain("LaneDefaultWorker");
      // The end of the attempt arrives while the follow runs, in the stream batch's metrics line that
      // names the task (one line per batch: published at or after the record's finishedAt).
      const ended = await waitForStatus(task.id, ["succeeded"], 20_000);
      const finishedClock = ended.finishedAt!.slice(11, 23);
      const successLine = (text: string) =>
        text
          .split("\n")
          .find(
            (line) =>
              /METRIC CountersHandler .*TasksSucceeded=\d+.*TaskDuration=/.test(line) &&
              line.slice(0, 12) >= finishedClock,
          );
      await eventually(
        async () => output,
        (text) => successLine(text) !== undefined,
        20_000,
      );
      expect(follower.exitCode).toBeNull();
      const lines = output.trim().split("\n");
      for (const line of lines) expect(line).toContain(task.id);
      expect(successLine(output)).toMatch(new RegExp(`taskIds="?[^=]*${task.id}`));
    } finally {
      follower.kill();
    }
  });

  it("filters by lane and prints raw records with --json", async () => {
    // A failed attempt has an INFO line in the worker's log (a plain success's is DEBUG).
    const task = await submit({ type: "echo", input: { value: "json", failTimes: 1 } });
    const run = await eventually(
      () => cli(["logs", "--lane", "default", "--json", "--since", "5m", "--file", logFile]),
      (result) =>
        result.stdout.split("\n").some((line) => line.includes(task.id) && line.includes('"retrying"')),
    );
    expect(run.code).toBe(0);
    const records = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { function: string; taskId?: string; outcome?: string });
    expect(records.every((record) => /LaneDefaultWorker/.test(record.function))).toBe(true);
    expect(records).toContainEqual(expect.objectContaining({ taskId: task.id, outcome: "retrying" }));
    // The task's metrics line is the counters function's (from the table's stream): not the lane's.
    const metrics = await eventually(
      () => cli(["logs", "--function", "Counters", "--json", "--since", "5m", "--file", logFile]),
      (result) => result.stdout.includes(task.id),
    );
    const metricsRecords = metrics.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { function: string; taskIds?: string });
    expect(metricsRecords.some((record) => record.taskIds?.split(" ").includes(task.id))).toBe(true);

    const unknown = await cli(["logs", "--lane", "nope", "--file", logFile]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("lanes: ai_high_priority");
    const missing = await cli(["logs", "--file", path.join(scratch, "none.log")]);
    expect(missing.code).toBe(1);
  });
});
