/**
 * Integration tier, against the local runtime: cleanup_expired_results
 * deletes finished records whose expiry passed (and nothing else), and
 * check_task_health re-sends tasks stuck `running` with a long-expired lease
 * and `queued` tasks whose message was lost, then reports DLQ depths.
 * Records in those states are written straight into the task table, as a
 * crash or a lost message would leave them.
 * Local only: it reaches the local runtime's own endpoints (see localRuntime()).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { createDynamoTaskStore, ttlAttribute } from "../../functions/adapters/dynamodb-task-store.ts";
import { taskKeyOf } from "../../functions/adapters/task-item-layout.ts";
import type { Task, TaskStatus } from "../../functions/core/task.ts";
import type { HealthReport } from "../../functions/core/task-health.ts";
import { newTaskId } from "../../functions/core/task-ids.ts";
import { laneNames } from "../../functions/tasks/lanes.ts";
import { api, eventually, laneQueueUrl, localRuntime, submit, waitForStatus } from "./api-client.ts";

const runtime = localRuntime();

const config = { region: runtime.region, credentials: runtime.credentials };
const dynamo = DynamoDBDocumentClient.from(
  new DynamoDBClient({ ...config, endpoint: runtime.endpoints.dynamodb }),
);
const sqs = new SQSClient({ ...config, endpoint: runtime.endpoints.sqs });
const tableName = runtime.outputs.TaskTableName!;
const store = createDynamoTaskStore(dynamo, { tableName, resultTtlSeconds: 7 * 86_400 });
afterAll(() => {
  dynamo.destroy();
  sqs.destroy();
});

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

async function writeTask(
  status: TaskStatus,
  createdAt: string,
  extra: Record<string, unknown> = {},
  namespace?: string,
): Promise<Task> {
  const target = namespace
    ? createDynamoTaskStore(dynamo, { tableName, resultTtlSeconds: 7 * 86_400, namespace })
    : store;
  const task: Task = {
    // A ULID for its creation time, as the API makes ids: the record lands in its creation month's partition.
    id: newTaskId(new Date(createdAt)),
    type: "echo",
    status,
    lane: "default",
    priority: "normal",
    input: { value: `written ${status}`, sleepMs: 0, failTimes: 0 },
    attempts: status === "queued" ? 0 : 1,
    maxAttempts: 3,
    createdAt,
    updatedAt: createdAt,
    history: [{ status, at: createdAt }],
  };
  expect(await target.create(task)).toEqual({ created: true });
  const names = Object.keys(extra);
  if (names.length > 0) {
    await dynamo.send(
      new UpdateCommand({
        TableName: tableName,
        Key: taskKeyOf(task.id, namespace),
        UpdateExpression: `SET ${names.map((_, index) => `#n${index} = :v${index}`).join(", ")}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#n${index}`, name])),
        ExpressionAttributeValues: Object.fromEntries(
          names.map((name, index) => [`:v${index}`, extra[name]]),
        ),
      }),
    );
  }
  return task;
}

describe("cleanup_expired_results", () => {
  it("deletes finished records past their expiry, keeps the rest, and deletes nothing on a second run", async () => {
    const epochAgo = (hours: number) => Math.floor(Date.now() / 1000) - hours * 3_600;
    // The cleanup reads the records created a result TTL (7 days in dev) to two days more ago, whose TTL may
    // not have run yet; older ones are left to TTL (docs/architecture.md, Storage layout).
    const expired = await Promise.all([
      writeTask("succeeded", hoursAgo(24 * 8), { [ttlAttribute]: epochAgo(24) }),
      writeTask("failed", hoursAgo(24 * 7 + 2), { [ttlAttribute]: epochAgo(1) }),
    ]);
    const notYet = await writeTask("succeeded", hoursAgo(24 * 8), { [ttlAttribute]: epochAgo(-24) });

    const run = await submit({ type: "cleanup_expired_results", input: { batchLimit: 1_000 } });
    // A scan of every terminal status shard: slow on a busy machine's DynamoDB Local.
    const done = await waitForStatus(run.id, ["succeeded", "failed"], 60_000);
    expect(done.status).toBe("succeeded");
    expect((done.result as { deleted: number }).deleted).toBeGreaterThanOrEqual(2);
    for (const task of expired) expect((await api("GET", `/v1/tasks/${task.id}`)).status).toBe(404);
    expect((await api("GET", `/v1/tasks/${notYet.id}`)).status).toBe(200);

    const again = await waitForStatus(
      (await submit({ type: "cleanup_expired_results", input: {} })).id,
      ["succeeded", "failed"],
      60_000,
    );
    expect(again.result).toMatchObject({ deleted: 0 });
  }, 150_000);
});

describe("check_task_health", () => {
  it("re-sends a stuck running task and an unsent queued task, which then run, and reports DLQ depth", async () => {
    const stuck = await writeTask("running", hoursAgo(2), { leaseUntil: hoursAgo(1) });
    const alive = await writeTask("running", hoursAgo(2), {
      leaseUntil: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const unsent = await writeTask("queued", hoursAgo(1));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: laneQueueUrl("default", "dead-letters"), MessageBody: "parked" }),
    );

    // The check reads the records submitted in its window (an hour by default): these are two hours old.
    const run = await submit({
      type: "check_task_health",
      input: { unsentAfterSeconds: 600, scanWindowSeconds: 3 * 3_600 },
    });
    const done = await waitForStatus(run.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    const report = done.result as HealthReport;
    expect(report.stuckRunning.requeued).toContain(stuck.id);
    expect(report.stuckRunning.requeued).not.toContain(alive.id);
    expect(report.unsentQueued.requeued).toContain(unsent.id);
    expect(report.lanes.default!.deadLetters).toBeGreaterThanOrEqual(1);
    expect(report.healthy).toBe(false);
    expect(Object.keys(report.lanes).sort()).toEqual([...laneNames].sort());

    const [stuckDone, unsentDone] = await Promise.all([
      waitForStatus(stuck.id, ["succeeded", "failed"]),
      waitForStatus(unsent.id, ["succeeded", "failed"]),
    ]);
    expect(stuckDone).toMatchObject({ status: "succeeded", attempts: 2, result: "written running" });
    expect(unsentDone).toMatchObject({ status: "succeeded", attempts: 1, result: "written queued" });
    expect((await api<Task>("GET", `/v1/tasks/${alive.id}`)).body.status).toBe("running");
  });

  it("repairs the tasks of every namespace, each in its own", async () => {
    const namespace = `hk-${newTaskId().slice(-6).toLowerCase()}`;
    const stuck = await writeTask("running", hoursAgo(2), { leaseUntil: hoursAgo(1) }, namespace);
    // The counters register a namespace when they count its first record (from the table's stream).
    await eventually(
      () => store.namespaces(),
      (names) => names.includes(namespace),
    );
    const run = await submit({
      type: "check_task_health",
      input: { unsentAfterSeconds: 600, scanWindowSeconds: 3 * 3_600 },
    });
    const done = await waitForStatus(run.id, ["succeeded", "failed"]);
    expect((done.result as HealthReport).stuckRunning.requeued).toContain(stuck.id);
    const repaired = await eventually(
      async () => (await api<Task>("GET", `/v1/tasks/${stuck.id}?namespace=${namespace}`)).body,
      (task) => task.status === "succeeded",
    );
    expect(repaired).toMatchObject({ attempts: 2, result: "written running" });
    // It ran in its own namespace: the default namespace has no such task.
    expect((await api("GET", `/v1/tasks/${stuck.id}`)).status).toBe(404);
  });
});
