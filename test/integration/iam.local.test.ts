/**
 * Integration tier, IAM: the local runtime checks every AWS call a function
 * makes against its role's policies in the template, as AWS would. Here the
 * calls are made with a function's own credentials, through the same
 * endpoint the function uses: outside its grants they are denied with
 * AccessDenied naming the action and the resource; inside they pass. Local
 * only: it takes the functions' credentials from the runtime.
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
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
