/**
 * Integration tier, local only: delays beyond one SQS delay go through a
 * one-time EventBridge Scheduler schedule (functions/core/delivery.ts), not
 * re-delay hops. The test runtime lowers the threshold from 900 s to 2 s
 * (MAX_SQS_DELAY_SECONDS), so a delay of a few seconds takes the schedule path, and the
 * local scheduler fires at() schedules on the real clock.
 *
 * Requests are counted by the local runtime's proxies in front of SQS,
 * DynamoDB and the scheduler (local/aws-fault-proxy.ts watches): every
 * request whose path or body names the task (its id, or a marker in its
 * input) counts. The workers' ReceiveMessage and DeleteMessage calls name no
 * task (receipt handles); they come once per delivered message.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  GetScheduleCommand,
  type GetScheduleOutput,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from "@aws-sdk/client-scheduler";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { createDynamoTaskStore } from "../../functions/adapters/dynamodb-task-store.ts";
import { delayScheduleName } from "../../functions/adapters/eventbridge-delayed-delivery.ts";
import type { TaskEnvelope } from "../../functions/core/envelope.ts";
import type { Task } from "../../functions/core/task.ts";
import {
  api,
  eventually,
  injectFault,
  laneQueueUrl,
  localRuntime,
  submit,
  waitForStatus,
} from "./api-client.ts";

const runtime = localRuntime();
const config = { region: runtime.region, credentials: runtime.credentials };
// Straight to the local scheduler and SQS, not through the proxies: the test's own calls are not counted.
const scheduler = new SchedulerClient({ ...config, endpoint: runtime.endpoints.scheduler });
const sqs = new SQSClient({ ...config, endpoint: runtime.endpoints.sqs });
const dynamodb = new DynamoDBClient({ ...config, endpoint: runtime.endpoints.dynamodb });
/** The task records, read past the proxies (a read through the API would name the task and count). */
const records = createDynamoTaskStore(DynamoDBDocumentClient.from(dynamodb), {
  tableName: runtime.outputs.TaskTableName!,
  resultTtlSeconds: 3_600,
});

afterAll(() => {
  scheduler.destroy();
  sqs.destroy();
  dynamodb.destroy();
});

const statuses = (task: Task) => task.history.map((entry) => entry.status);

/** The delay schedules of a task, in any group. */
async function schedulesOf(taskId: string) {
  const { Schedules = [] } = await scheduler.send(
    new ListSchedulesCommand({ NamePrefix: delayScheduleName(taskId) }),
  );
  return Schedules;
}

async function delaySchedule(taskId: string): Promise<GetScheduleOutput | undefined> {
  const [summary] = await schedulesOf(taskId);
  if (!summary) return undefined;
  try {
    return await scheduler.send(new GetScheduleCommand({ Name: summary.Name, GroupName: summary.GroupName }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

type Counts = Record<string, number>;
const proxied = ["sqs", "dynamodb", "scheduler"] as const;

function proxyOf(service: (typeof proxied)[number]): string {
  const url = runtime.faultProxies?.[service];
  if (!url) throw new Error("the local runtime was started without its proxies (faultInjection)");
  return url;
}

/** Counts, per service and operation, the functions' requests that name any of `includes` (from now on). */
async function watch(name: string, includes: string[]): Promise<void> {
  for (const service of proxied) {
    const response = await fetch(`${proxyOf(service)}/__claw-faults/watches`, {
      method: "POST",
      body: JSON.stringify({ name, includes }),
    });
    if (response.status !== 204) throw new Error(`${service} proxy answered ${response.status}`);
  }
}

async function counted(name: string): Promise<Counts> {
  const all: Counts = {};
  for (const service of proxied) {
    const response = await fetch(`${proxyOf(service)}/__claw-faults/watches?name=${name}`);
    for (const [operation, count] of Object.entries((await response.json()) as Counts))
      all[`${service} ${operation}`] = count;
  }
  return all;
}

const total = (counts: Counts) => Object.values(counts).reduce((sum, count) => sum + count, 0);

/** Submits an echo task delayed by `delaySeconds` and watches its requests, from the submit on. */
async function submitWatched(delaySeconds: number): Promise<{ task: Task; watchName: string }> {
  const marker = randomUUID();
  await watch(marker, [marker]);
  const task = await submit({ type: "echo", input: { value: marker }, delaySeconds });
  // The submit's requests carry the marker (the input); later ones may name only the id.
  await watch(marker, [marker, task.id]);
  return { task, watchName: marker };
}

// Generous timeouts: on a loaded machine a no-op task can take seconds from firing to end.
describe("a delay beyond one SQS delay", { timeout: 120_000 }, () => {
  it("creates exactly one at() schedule, runs the task once when due, and leaves no schedule behind", async () => {
    // Seconds more than the threshold (2 s): time to look at the schedule before it fires, even on a busy machine.
    const accepted = await submit({ type: "echo", input: { value: "a year, locally 8 s" }, delaySeconds: 8 });
    expect(accepted.status).toBe("scheduled");

    const schedules = await schedulesOf(accepted.id);
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.GroupName).toMatch(/-delays$/);
    const schedule = (await delaySchedule(accepted.id))!;
    expect(schedule).toMatchObject({
      ScheduleExpression: `at(${new Date(Math.ceil(Date.parse(accepted.runAt!) / 1000) * 1000).toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: "UTC",
      ActionAfterCompletion: "DELETE",
      FlexibleTimeWindow: { Mode: "OFF" },
    });
    const envelope = JSON.parse(schedule.Target!.Input!) as TaskEnvelope;
    expect(envelope).toMatchObject({ id: accepted.id, type: "echo", runAt: accepted.runAt });
    expect(runtime.queues.find((queue) => queue.arn === schedule.Target!.Arn)?.tags).toMatchObject({
      "claw-tasks:lane": "default",
      "claw-tasks:queue": "normal",
    });

    const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 60_000);
    expect(done.status).toBe("succeeded");
    expect(done.attempts).toBe(1);
    expect(statuses(done)).toEqual(["scheduled", "running", "succeeded"]);
    expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(accepted.runAt!));
    expect(await schedulesOf(accepted.id)).toEqual([]);
  });

  it("is cancelled with its schedule: the schedule is deleted and the task never runs", async () => {
    const accepted = await submit({ type: "echo", delaySeconds: 8 });
    expect(await schedulesOf(accepted.id)).toHaveLength(1);
    const cancelled = await api<Task>("POST", `/v1/tasks/${accepted.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(await schedulesOf(accepted.id)).toEqual([]);
    // Past the time it was due.
    await sleep(Math.max(0, Date.parse(accepted.runAt!) + 2_000 - Date.now()));
    const after = (await api<Task>("GET", `/v1/tasks/${accepted.id}`)).body;
    expect(after.status).toBe("cancelled");
    expect(after.attempts).toBe(0);
  });

  it("answers 503 and marks the task failed when the schedule cannot be created; retry by id runs it", async () => {
    const marker = randomUUID();
    // More failures than the SDK's three tries.
    await injectFault("scheduler", { target: "POST /schedules", bodyIncludes: [marker], times: 3 });
    const response = await api<{ error: { details: { taskId: string } } }>("POST", "/v1/tasks", {
      body: { type: "echo", input: { value: marker }, delaySeconds: 365 * 86_400 },
    });
    expect(response.status).toBe(503);
    const { taskId } = response.body.error.details;
    const failed = (await api<Task>("GET", `/v1/tasks/${taskId}`)).body;
    expect(failed).toMatchObject({ status: "failed", error: { type: "enqueue_failed", retryable: true } });
    expect(await schedulesOf(taskId)).toEqual([]);

    expect((await api("POST", `/v1/tasks/${taskId}/retry`)).status).toBe(202);
    expect((await waitForStatus(taskId, ["succeeded"], 60_000)).result).toBe(marker);
  });

  it("handed to a worker early is scheduled again for what remains, then runs once", async () => {
    const id = randomUUID();
    const runAt = new Date(Date.now() + 15_000).toISOString();
    const early: TaskEnvelope = {
      v: 1,
      id,
      type: "echo",
      lane: "default",
      priority: "normal",
      input: { value: "early" },
      maxAttempts: 3,
      createdAt: new Date().toISOString(),
      runAt,
    };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: laneQueueUrl("default", "normal"),
        MessageBody: JSON.stringify(early),
      }),
    );
    // The worker takes it at once and, 15 s being more than one (test) SQS delay, schedules it.
    const deadline = Date.now() + 12_000;
    while ((await schedulesOf(id)).length === 0 && Date.now() < deadline) await sleep(100);
    expect(await schedulesOf(id)).toHaveLength(1);
    const done = await waitForStatus(id, ["succeeded", "failed"], 60_000);
    expect(done).toMatchObject({ status: "succeeded", result: "early", attempts: 1 });
    expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(runAt));
  });
});

describe("the cost of a delay", { timeout: 120_000 }, () => {
  it("is the same number of requests for any delay: a 365-day task costs what a 10 s one does", async () => {
    // Two delays on the schedule path, run to the end, and a year-long one, submitted and watched.
    const [short, longer, year] = await Promise.all([
      submitWatched(10),
      submitWatched(20),
      submitWatched(365 * 86_400),
    ]);
    const atSubmit = await counted(year.watchName);
    // What the submit costs: one record write and one schedule; no message yet.
    expect(atSubmit["scheduler POST /schedules"]).toBe(1);
    expect(atSubmit["sqs AmazonSQS.SendMessage"]).toBeUndefined();
    expect(await counted(short.watchName)).toEqual(atSubmit);

    for (const { task } of [short, longer]) {
      const done = await eventually(
        async () => records.get(task.id),
        (record) => record?.status === "succeeded" || record?.status === "failed",
        60_000,
      );
      expect(done).toMatchObject({ status: "succeeded", attempts: 1 });
    }
    const shortCounts = await counted(short.watchName);
    const longerCounts = await counted(longer.watchName);
    // Waiting 20 s instead of 10 s (5 more hops of 2 s before) costs nothing more: one message, sent when due.
    expect(longerCounts).toEqual(shortCounts);
    expect(shortCounts["sqs AmazonSQS.SendMessage"]).toBe(1);
    expect(shortCounts["scheduler POST /schedules"]).toBe(1);

    // Meanwhile (20 s, 10 former hops) nothing touched the year-long task: its cost is the submit's
    // until it fires, then what the firing and the run cost the shorter ones.
    expect(await counted(year.watchName)).toEqual(atSubmit);
    expect((await api<Task>("GET", `/v1/tasks/${year.task.id}`)).body.status).toBe("scheduled");
    const firingAndRun = total(shortCounts) - total(atSubmit);
    console.info(
      `requests of a 365-day delayed task: submit ${JSON.stringify(atSubmit)}, waiting 0, ` +
        `firing and run ${JSON.stringify(
          Object.fromEntries(
            Object.entries(shortCounts)
              .map(([operation, count]) => [operation, count - (atSubmit[operation] ?? 0)] as const)
              .filter(([, count]) => count > 0),
          ),
        )}; ${total(atSubmit) + firingAndRun} attributable in all, plus the worker's ReceiveMessage and DeleteMessage`,
    );

    expect((await api("POST", `/v1/tasks/${year.task.id}/cancel`)).status).toBe(200);
    expect(await schedulesOf(year.task.id)).toEqual([]);
  });
});
