/**
 * Integration tier: the `claw-tasks` command line through its real binary
 * (cli-runner.ts) against the API under test (any endpoint: local runtime or
 * test:remote); checks output and exit codes.
 * Pausing and resizing workers is tested in workers.test.ts, whose lane it
 * changes.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Task } from "../../clients/typescript/src/index.ts";
import { target } from "./api-client.ts";
import { cli, scratch } from "./cli-runner.ts";

describe("claw-tasks submit", () => {
  it("--wait shows a progress line until the task ends, then the task; exit 0", async () => {
    const run = await cli([
      "submit",
      "echo",
      "--input",
      '{"value":"hello","sleepMs":900,"progressSteps":3}',
      "--priority",
      "high",
      "--wait",
    ]);
    expect(run.stderr).toMatch(/running \d+% step \d of 3/);
    expect(run.stderr).toMatch(/succeeded 100% step 3 of 3/);
    expect(run.stdout).toMatch(/^status:\s+succeeded$/m);
    expect(run.stdout).toMatch(/^result:\s+"hello"$/m);
    expect(run.stdout).toMatch(/priority high/);
    expect(run.code).toBe(0);
  });

  it("reads the input from a file and prints the task as JSON; status, wait and ls find it", async () => {
    const tag = `cli-${randomUUID().slice(0, 8)}`;
    const file = path.join(scratch, "input.json");
    writeFileSync(file, JSON.stringify({ value: { from: "file" } }));
    const submitted = await cli(["submit", "echo", "--input", `@${file}`, "--tag", `run=${tag}`, "--json"]);
    expect(submitted.code).toBe(0);
    const task = JSON.parse(submitted.stdout) as Task;
    expect(task.type).toBe("echo");
    expect(task.input).toMatchObject({ value: { from: "file" } });

    const waited = await cli(["wait", task.id, "--json"]);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({
      id: task.id,
      status: "succeeded",
      result: { from: "file" },
    });

    const status = await cli(["status", task.id]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`id:           ${task.id}`);
    expect(status.stdout).toContain(`tags:         run=${tag}`);

    const listed = await cli(["ls", "--tag", `run:${tag}`, "--json"]);
    expect((JSON.parse(listed.stdout) as Task[]).map((item) => item.id)).toEqual([task.id]);
    const table = await cli(["ls", "--tag", `run:${tag}`, "--status", "succeeded"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+PROGRESS\s+ATTEMPTS/);
    expect(table.stdout).toMatch(new RegExp(`^${task.id}\\s+echo\\s+succeeded`, "m"));
  });

  it("exits 3 when the task fails, and 4 when it gives up waiting", async () => {
    const failed = await cli(["submit", "echo", "--input", '{"fail":"permanent"}', "--wait"]);
    expect(failed.code).toBe(3);
    expect(failed.stdout).toMatch(/^status:\s+failed$/m);
    expect(failed.stdout).toMatch(/^error:\s+echo_failure: .*permanent/m);

    const slow = await cli(["submit", "echo", "--input", '{"sleepMs":30000}', "--wait", "--timeout", "1"]);
    expect(slow.code).toBe(4);
    expect(slow.stderr).toMatch(/is still (queued|running) after 1000 ms/);
    const id = /claw-tasks: task (\S+) is still/.exec(slow.stderr)?.[1];
    expect((await cli(["cancel", id!])).code).toBe(0);
  });

  it("exits 1 naming the fields at fault when the API refuses the task", async () => {
    const run = await cli(["submit", "echo", "--input", '{"sleepMs":-1,"colour":"red"}']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("validation_error (400)");
    expect(run.stderr).toMatch(/^ {2}input\.sleepMs: /m);
    expect(run.stderr).toMatch(/^ {2}input\.colour: unknown field$/m);

    const unknown = await cli(["submit", "no_such_type", "--json"]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: { status: 400, code: "validation_error" } });
  });
});

describe("claw-tasks cancel, retry", () => {
  it("cancels a waiting task, retries it, and refuses an unknown one", async () => {
    const submitted = await cli(["submit", "echo", "--input", '{"value":"again"}', "--delay", "600"]);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const cancelled = await cli(["cancel", id]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `${id} cancelled\n` });
    const retried = await cli(["retry", id, "--wait"]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/^result:\s+"again"$/m);
    const unknown = await cli(["cancel", randomUUID()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not_found \(404\): task .* not found/);
  });
});

describe("claw-tasks stats, watch", () => {
  it("stats prints counts and lane depths; --json the API's object", async () => {
    const human = await cli(["stats"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^LANE\s+WAITING\s+IN FLIGHT\s+DELAYED\s+DLQ$/m);
    expect(human.stdout).toMatch(/^default\s+\d+/m);
    const json = await cli(["stats", "--json"]);
    expect(JSON.parse(json.stdout)).toHaveProperty("byStatus");
  });

  it("watch redraws the table every interval; --count stops it", async () => {
    const run = await cli(["watch", "--count", "2", "--interval", "100", "--type", "echo"]);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/^ID\s+TYPE\s+STATUS/gm)).toHaveLength(2);
    const json = await cli(["watch", "--count", "1", "--json"]);
    expect(JSON.parse(json.stdout)).toHaveProperty("tasks");
  });
});

describe("claw-tasks schedules, workers", () => {
  it("creates, lists, disables, enables and removes a schedule", async () => {
    const name = `cli-${randomUUID().slice(0, 8)}`;
    const created = await cli([
      "schedules",
      "create",
      name,
      "--expression",
      "rate(1 hour)",
      "--type",
      "echo",
      "--input",
      '{"value":"tick"}',
      "--timezone",
      "Asia/Shanghai",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^${name} created; next: \\d{4}-`));
    const listed = await cli(["schedules", "ls"]);
    expect(listed.stdout.split("\n")[0]).toMatch(/^NAME\s+EXPRESSION\s+TIMEZONE\s+TASK\s+ENABLED\s+NEXT/);
    expect(listed.stdout).toMatch(
      new RegExp(`^${name}\\s+rate\\(1 hour\\)\\s+Asia/Shanghai\\s+echo\\s+yes\\s+in `, "m"),
    );
    const disabled = await cli(["schedules", "disable", name, "--json"]);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ name, enabled: false, nextFireTimes: [] });
    expect((await cli(["schedules", "enable", name])).stdout).toMatch(`${name} enabled; next: `);
    expect(await cli(["schedules", "rm", name])).toMatchObject({ code: 0, stdout: `${name} deleted\n` });
    const gone = await cli(["schedules", "rm", name]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("not_found (404)");
  });

  it("refuses a bad expression with exit 1 naming the field, and a missing one with exit 2", async () => {
    const bad = await cli([
      "schedules",
      "create",
      "cli-bad",
      "--expression",
      "every tuesday",
      "--type",
      "echo",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^ {2}expression: /m);
    const missing = await cli(["schedules", "create", "cli-bad", "--type", "echo"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--expression is required");
  });

  it("lists the workers", async () => {
    const run = await cli(["workers", "ls"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^LANE\s+ENABLED\s+CONCURRENCY\s+BACKLOG\s+IN FLIGHT\s+DLQ\s+LAST ACTIVITY$/m);
    expect(run.stdout).toMatch(/^ai_high_priority\s+(yes|paused)\s+\d+/m);
  });
});

describe("claw-tasks configuration and usage", () => {
  it("reads URL and key from a config file; the environment wins", async () => {
    const config = path.join(scratch, "config.json");
    writeFileSync(config, JSON.stringify({ url: target.url, apiKey: target.apiKey }));
    const fromFile = await cli(["stats", "--json"], {
      CLAW_TASKS_CONFIG: config,
      CLAW_TASKS_API_URL: undefined,
      CLAW_TASKS_API_KEY: undefined,
    });
    expect(fromFile.code).toBe(0);
    const envWins = await cli(["stats"], { CLAW_TASKS_CONFIG: config, CLAW_TASKS_API_KEY: "ct_wrong" });
    expect(envWins.code).toBe(1);
    expect(envWins.stderr).toContain("unauthorized (401)");
  });

  it("exits 2 with a clear message for missing configuration and bad usage", async () => {
    const unconfigured = await cli(["stats"], {
      CLAW_TASKS_API_URL: undefined,
      CLAW_TASKS_API_KEY: undefined,
    });
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain("set CLAW_TASKS_API_URL and CLAW_TASKS_API_KEY");
    for (const args of [
      ["frobnicate"],
      ["submit"],
      ["submit", "echo", "--delay", "soon"],
      ["submit", "echo", "--input", "{"],
      ["status"],
      ["workers", "explode"],
      [],
    ]) {
      const run = await cli(args);
      expect(run.code, `claw-tasks ${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/^claw-tasks: |Usage:/m);
    }
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: claw-tasks <command>");
  });

  it("exits 1 when the API cannot be reached", async () => {
    const run = await cli(["stats"], { CLAW_TASKS_API_URL: "http://127.0.0.1:9" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no answer from http://127.0.0.1:9");
  });
});
