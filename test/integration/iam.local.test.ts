/**
 * Integration tier, IAM: the local runtime checks every AWS call a function
 * makes against its role's policies in the template, as AWS would. Here the
 * calls are made with a function's own credentials, through the same
 * endpoint the function uses: outside its grants they are denied with
 * AccessDenied naming the action and the resource; inside they pass. A
 * schedule delivers only when its target role may send to its target. Local
 * only: it takes the functions' credentials and roles from the runtime.
 */
import { randomUUID } from "node:crypto";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { laneQueueUrl, localRuntime } from "./api-client.ts";

function functionCredentials(logicalIdPrefix: string) {
  const { iam } = localRuntime();
  if (!iam) throw new Error("the local runtime runs without IAM enforcement (CLAW_TASKS_IAM=off)");
  const found = Object.entries(iam.functionCredentials).find(([id]) => id.startsWith(logicalIdPrefix));
  if (!found) throw new Error(`no function ${logicalIdPrefix}* in the local runtime`);
  return { endpoint: iam.endpoint, credentials: found[1], region: localRuntime().region };
}

const clients: { destroy(): void }[] = [];
afterAll(() => {
  for (const client of clients) client.destroy();
});

function dynamoAs(logicalIdPrefix: string): DynamoDBClient {
  const client = new DynamoDBClient({ ...functionCredentials(logicalIdPrefix), maxAttempts: 1 });
  clients.push(client);
  return client;
}

function sqsAs(logicalIdPrefix: string): SQSClient {
  const client = new SQSClient({ ...functionCredentials(logicalIdPrefix), maxAttempts: 1 });
  clients.push(client);
  return client;
}

const taskTable = () => {
  const name = localRuntime().outputs.TaskTableName;
  if (!name) throw new Error("the stack has no TaskTableName output");
  return name;
};

describe("IAM enforced on the functions' AWS calls", () => {
  it("denies the API function a DeleteItem on the task table, naming action and resource", async () => {
    const key = { pk: { S: "task#iam-probe" }, sk: { S: "task" } };
    const error = await dynamoAs("ApiHandler")
      .send(new DeleteItemCommand({ TableName: taskTable(), Key: key }))
      .then(
        () => undefined,
        (caught: Error) => caught,
      );
    expect(error?.name).toBe("AccessDeniedException");
    expect(error?.message).toContain("is not authorized to perform: dynamodb:DeleteItem on resource:");
    expect(error?.message).toContain(`table/${taskTable()}`);
    expect(error?.message).toMatch(/assumed-role\/.+ApiHandler/);
  });

  it("lets the API function read the task table, which it is granted", async () => {
    const read = await dynamoAs("ApiHandler").send(
      new GetItemCommand({ TableName: taskTable(), Key: { pk: { S: "task#iam-probe" }, sk: { S: "task" } } }),
    );
    expect(read.Item).toBeUndefined();
  });

  it("denies a worker sending to another lane's queue, and lets it read its own", async () => {
    const worker = sqsAs("LaneNotificationDefaultWorker");
    const error = await worker
      .send(new SendMessageCommand({ QueueUrl: laneQueueUrl("default", "normal"), MessageBody: "{}" }))
      .then(
        () => undefined,
        (caught: Error) => caught,
      );
    expect(error?.name).toBe("AccessDenied");
    expect(error?.message).toContain("is not authorized to perform: sqs:SendMessage on resource: arn:");
    const own = await worker.send(
      new GetQueueAttributesCommand({
        QueueUrl: laneQueueUrl("notification_default", "normal"),
        AttributeNames: ["ApproximateNumberOfMessages"],
      }),
    );
    expect(own.Attributes?.ApproximateNumberOfMessages).toBeDefined();
  });
});

describe("IAM enforced on the Scheduler's target role", () => {
  const { region, credentials, endpoints } = localRuntime();
  const scheduler = new SchedulerClient({
    region,
    credentials,
    endpoint: endpoints.scheduler,
    maxAttempts: 1,
  });
  const sqs = new SQSClient({ region, credentials, endpoint: endpoints.sqs });
  clients.push(scheduler, sqs);

  const roleArn = (logicalIdPrefix: string) => {
    const found = Object.entries(localRuntime().iam?.roleArns ?? {}).find(([id]) =>
      id.startsWith(logicalIdPrefix),
    );
    if (!found) throw new Error(`no role ${logicalIdPrefix}* in the local runtime (is IAM enforced?)`);
    return found[1];
  };
  const target = () => {
    const queue = localRuntime().queues.find((candidate) =>
      candidate.logicalId.startsWith("SchedulesDeadLetters"),
    );
    if (!queue) throw new Error("no schedules dead-letter queue in the local runtime");
    return queue;
  };

  /** Fires a rate(1 minute) schedule (about every second on the test clock) as `role` for a while; returns what arrived. */
  async function fireAs(role: string, marker: string): Promise<number> {
    const name = `iam-${marker.slice(0, 8)}`;
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        ScheduleExpression: "rate(1 minute)",
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: { Arn: target().arn, RoleArn: role, Input: JSON.stringify({ marker }) },
      }),
    );
    let arrived = 0;
    try {
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline && arrived === 0) {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: target().url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const message of Messages ?? []) {
          if (message.Body?.includes(marker)) arrived++;
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: target().url, ReceiptHandle: message.ReceiptHandle }),
          );
        }
      }
    } finally {
      await scheduler.send(new DeleteScheduleCommand({ Name: name }));
    }
    return arrived;
  }

  it("delivers nothing for a schedule whose role may not send to the target, and delivers as the stack's scheduler role", async () => {
    expect(await fireAs(roleArn("ApiHandlerServiceRole"), randomUUID())).toBe(0);
    expect(await fireAs(roleArn("SchedulesSchedulerRole"), randomUUID())).toBeGreaterThan(0);
  }, 40_000);
});
