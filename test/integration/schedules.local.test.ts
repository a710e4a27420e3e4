/**
 * Integration tier: dynamic schedules through the API, fired by the local
 * EventBridge Scheduler (its clock runs 60x faster here: a rate(1 minute)
 * schedule fires every second). A firing is an ordinary task carrying the
 * schedule's name; disabling stops the firings, deleting removes the schedule,
 * and bad definitions get a 400 naming the field. Local only: it needs the
 * fast scheduler clock and reads the runtime's task table.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { ScheduleView } from "../../functions/core/manage-schedules.ts";
import type { Task } from "../../functions/core/task.ts";
import { staticSchedules } from "../../functions/tasks/static-schedules.ts";
import { api } from "./api-client.ts";
import { tasksOfSchedule } from "./schedule-tasks.ts";

interface ErrorBody {
  error: { code: string; message: string; details?: { issues: { path: string; message: string }[] } };
}

const created: string[] = [];
afterAll(async () => {
  for (const name of created) await api("DELETE", `/v1/schedules/${name}`);
});

const uniqueName = (label: string) => `it-${label}-${randomBytes(3).toString("hex")}`;

async function createSchedule(body: Record<string, unknown>): Promise<ScheduleView> {
  const response = await api<ScheduleView>("POST", "/v1/schedules", { body });
  if (response.status !== 201)
    throw new Error(`create answered ${response.status}: ${JSON.stringify(response.body)}`);
  created.push(response.body.name);
  return response.body;
}

const everyMinute = (name: string, value: unknown) => ({
  name,
  expression: "rate(1 minute)",
  timezone: "UTC",
  task: { type: "echo", input: { value } },
});

/** Polls until the schedule's tasks satisfy `done`; fails after `timeoutMs`. */
async function waitForTasks(
  name: string,
  done: (tasks: Task[]) => boolean,
  timeoutMs = 30_000,
): Promise<Task[]> {
  const deadline = Date.now() + timeoutMs;
  let tasks: Task[] = [];
  while (Date.now() < deadline) {
    tasks = await tasksOfSchedule(name);
    if (done(tasks)) return tasks;
    await sleep(200);
  }
  throw new Error(`schedule ${name}: condition not met in ${timeoutMs} ms; tasks: ${JSON.stringify(tasks)}`);
}

/** Waits for `count` more firings of a probe schedule: a clock for "nothing else fired meanwhile". */
async function waitForProbeFirings(probe: string, count: number): Promise<void> {
  const before = (await tasksOfSchedule(probe)).length;
  await waitForTasks(probe, (tasks) => tasks.length >= before + count);
}

describe("dynamic schedules", () => {
  it("fire ordinary tasks that carry the schedule's name and succeed", async () => {
    const name = uniqueName("fire");
    const schedule = await createSchedule({ ...everyMinute(name, "tick"), description: "integration" });
    expect(schedule).toMatchObject({
      name,
      expression: "rate(1 minute)",
      timezone: "UTC",
      enabled: true,
      description: "integration",
      task: { type: "echo", priority: "normal", input: { value: "tick" } },
    });
    expect(schedule.nextFireTimes).toHaveLength(5);

    const tasks = await waitForTasks(
      name,
      (found) => found.filter((task) => task.status === "succeeded").length >= 2,
    );
    const succeeded = tasks.filter((task) => task.status === "succeeded");
    expect(new Set(succeeded.map((task) => task.id)).size).toBe(succeeded.length);
    for (const task of succeeded) {
      expect(task).toMatchObject({
        type: "echo",
        lane: "default",
        scheduleName: name,
        result: "tick",
        attempts: 1,
      });
      expect(task.id).toBe(`${name}@${task.createdAt}`);
      // The firing is the message: the claim creates the record, its first entry marked as recorded by the worker.
      expect(task.history.map((entry) => entry.status)).toEqual(["queued", "running", "succeeded"]);
      expect(task.history[0]?.note).toMatch(/recorded by the worker/);
    }

    const read = await api<ScheduleView>("GET", `/v1/schedules/${name}`);
    expect(read.status).toBe(200);
    expect(read.body.nextFireTimes).toHaveLength(5);
    const listed = await api<{ items: ScheduleView[] }>("GET", "/v1/schedules?limit=100");
    expect(listed.body.items.map((item) => item.name)).toContain(name);
  });

  it("stop firing when disabled, fire again when enabled, and are gone when deleted", async () => {
    const probe = uniqueName("probe");
    const target = uniqueName("toggle");
    await createSchedule(everyMinute(probe, "probe"));
    await createSchedule(everyMinute(target, "toggle"));
    await waitForTasks(target, (tasks) => tasks.length >= 1);

    const disabled = await api<ScheduleView>("PATCH", `/v1/schedules/${target}`, {
      body: { enabled: false },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false, nextFireTimes: [] });
    await waitForProbeFirings(probe, 3);
    const whileDisabled = await tasksOfSchedule(target);
    // Firings are scheduled times: none after the moment it was disabled (on the scheduler's clock).
    for (const task of whileDisabled) expect(task.createdAt <= disabled.body.updatedAt).toBe(true);
    await waitForProbeFirings(probe, 2);
    expect(await tasksOfSchedule(target)).toHaveLength(whileDisabled.length);

    const enabled = await api<ScheduleView>("PATCH", `/v1/schedules/${target}`, { body: { enabled: true } });
    expect(enabled.body.enabled).toBe(true);
    expect(enabled.body.nextFireTimes).toHaveLength(5);
    await waitForTasks(target, (tasks) => tasks.length > whileDisabled.length);

    const deleted = await api("DELETE", `/v1/schedules/${target}`);
    expect(deleted.status).toBe(204);
    expect((await api<ErrorBody>("GET", `/v1/schedules/${target}`)).status).toBe(404);
    expect((await api<ErrorBody>("DELETE", `/v1/schedules/${target}`)).status).toBe(404);
    const listed = await api<{ items: ScheduleView[] }>("GET", "/v1/schedules?limit=100");
    expect(listed.body.items.map((item) => item.name)).not.toContain(target);
    await waitForProbeFirings(probe, 3);
    const afterDelete = (await tasksOfSchedule(target)).length;
    await waitForProbeFirings(probe, 2);
    expect(await tasksOfSchedule(target)).toHaveLength(afterDelete);
  });

  it("shows the next fire times of a cron schedule in its time zone", async () => {
    const name = uniqueName("cron");
    const schedule = await createSchedule({
      name,
      expression: "cron(30 9 ? * MON-FRI *)",
      timezone: "Asia/Shanghai",
      enabled: false,
      task: { type: "echo" },
    });
    expect(schedule.nextFireTimes).toEqual([]);
    const enabled = await api<ScheduleView>("PATCH", `/v1/schedules/${name}`, { body: { enabled: true } });
    expect(enabled.body.nextFireTimes).toHaveLength(5);
    for (const time of enabled.body.nextFireTimes) {
      // 09:30 in Shanghai (UTC+8) is 01:30 UTC, on a weekday there.
      expect(time).toMatch(/T01:30:00\.000Z$/);
      expect([0, 6]).not.toContain(new Date(time).getUTCDay());
    }
  });

  it.each([
    ["a cron with five fields", { expression: "cron(0 10 * * ?)" }, ["expression"]],
    ["a cron setting both day fields", { expression: "cron(0 10 * * MON *)" }, ["expression"]],
    ["a cron field out of range", { expression: "cron(61 10 * * ? *)" }, ["expression"]],
    ["a cron that never fires again", { expression: "cron(0 10 * * ? 2001)" }, ["expression"]],
    ["a rate of zero", { expression: "rate(0 minutes)" }, ["expression"]],
    ["a rate with a wrong unit", { expression: "rate(5 seconds)" }, ["expression"]],
    ["an at() in the past", { expression: "at(2001-01-01T00:00:00)" }, ["expression"]],
    ["an at() that is no date", { expression: "at(2030-13-45T00:00:00)" }, ["expression"]],
    ["no kind of expression", { expression: "every 5 minutes" }, ["expression"]],
    ["an unknown time zone", { timezone: "Mars/Olympus_Mons" }, ["timezone"]],
    ["an unknown task type", { task: { type: "no_such_task" } }, ["task.type"]],
    ["a bad task input", { task: { type: "echo", input: { sleepMs: "soon" } } }, ["task.input.sleepMs"]],
    ["a bad priority", { task: { type: "echo", priority: "urgent" } }, ["task.priority"]],
    [
      "an input too large for a schedule",
      { task: { type: "echo", input: { value: "x".repeat(9_000) } } },
      ["task.input"],
    ],
    ["a name with spaces", { name: "my schedule" }, ["name"]],
    ["the name of a stack schedule", { name: staticSchedules[0]!.name }, ["name"]],
    ["an unknown field", { cadence: "often" }, ["cadence"]],
  ])("rejects %s with 400 naming the field", async (_, change, paths) => {
    const body = { ...everyMinute(uniqueName("bad"), "x"), ...change };
    const response = await api<ErrorBody>("POST", "/v1/schedules", { body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("validation_error");
    expect(response.body.error.details?.issues.map((issue) => issue.path)).toEqual(paths);
  });

  it("answers 409 for a name in use, 404 for an unknown schedule, 400 for a bad change", async () => {
    const name = uniqueName("dup");
    await createSchedule({ ...everyMinute(name, "x"), enabled: false });
    expect((await api<ErrorBody>("POST", "/v1/schedules", { body: everyMinute(name, "x") })).status).toBe(
      409,
    );
    expect((await api<ErrorBody>("GET", "/v1/schedules/no-such-schedule")).status).toBe(404);
    expect(
      (await api<ErrorBody>("PATCH", "/v1/schedules/no-such-schedule", { body: { enabled: true } })).status,
    ).toBe(404);
    const badChange = await api<ErrorBody>("PATCH", `/v1/schedules/${name}`, {
      body: { expression: "rate(1 fortnight)" },
    });
    expect(badChange.status).toBe(400);
    expect(badChange.body.error.details?.issues.map((issue) => issue.path)).toEqual(["expression"]);
    const empty = await api<ErrorBody>("PATCH", `/v1/schedules/${name}`, { body: {} });
    expect(empty.status).toBe(400);
  });
});
