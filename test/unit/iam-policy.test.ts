/**
 * Unit tier: the local IAM check's two pure halves: evaluating a role's
 * statements as AWS does, and reading an SDK request as the actions and
 * resources AWS authorizes.
 */
import { describe, expect, it } from "vitest";
import { evaluate, type PolicyStatement, wildcardMatch } from "../../local/iam-policy.ts";
import { authorizationOf, type ResourceArns, type SdkRequest } from "../../local/iam-requests.ts";

const table = "arn:aws:dynamodb:us-east-1:000000000000:table/Tasks";
const queue = "arn:aws:sqs:us-east-1:000000000000:lane-default";

const statements: PolicyStatement[] = [
  { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:Query"], Resource: [table, `${table}/index/*`] },
  { Effect: "Allow", Action: "s3:GetObject*", Resource: "arn:aws:s3:::payloads/*" },
  { Effect: "Allow", Action: "sqs:*", Resource: queue },
  { Effect: "Deny", Action: "sqs:PurgeQueue", Resource: "*" },
  {
    Effect: "Allow",
    Action: "iam:PassRole",
    Resource: "arn:aws:iam::000000000000:role/scheduler",
    Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
  },
];

describe("evaluate", () => {
  it("allows what a statement grants, with wildcards in actions and resources", () => {
    expect(evaluate(statements, { action: "dynamodb:GetItem", resource: table })).toBe("allowed");
    expect(evaluate(statements, { action: "dynamodb:Query", resource: `${table}/index/byStatus` })).toBe(
      "allowed",
    );
    expect(
      evaluate(statements, { action: "S3:GetObjectVersion", resource: "arn:aws:s3:::payloads/a/b" }),
    ).toBe("allowed");
    expect(evaluate(statements, { action: "sqs:SendMessage", resource: queue })).toBe("allowed");
  });

  it("denies implicitly what no statement grants, and explicitly what a Deny names", () => {
    expect(evaluate(statements, { action: "dynamodb:DeleteItem", resource: table })).toBe("implicit-deny");
    expect(evaluate(statements, { action: "dynamodb:GetItem", resource: `${table}2` })).toBe("implicit-deny");
    expect(evaluate(statements, { action: "sqs:SendMessage", resource: `${queue}-2` })).toBe("implicit-deny");
    expect(evaluate(statements, { action: "sqs:PurgeQueue", resource: queue })).toBe("explicit-deny");
  });

  it("applies a conditional statement only when the request carries the matching key", () => {
    const passRole = { action: "iam:PassRole", resource: "arn:aws:iam::000000000000:role/scheduler" };
    expect(
      evaluate(statements, { ...passRole, context: { "iam:PassedToService": "scheduler.amazonaws.com" } }),
    ).toBe("allowed");
    expect(
      evaluate(statements, { ...passRole, context: { "iam:PassedToService": "lambda.amazonaws.com" } }),
    ).toBe("implicit-deny");
    expect(evaluate(statements, passRole)).toBe("implicit-deny");
  });

  it("honours NotAction", () => {
    const everythingButIam: PolicyStatement[] = [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }];
    expect(evaluate(everythingButIam, { action: "sqs:SendMessage", resource: queue })).toBe("allowed");
    expect(evaluate(everythingButIam, { action: "iam:PassRole", resource: "*" })).toBe("implicit-deny");
  });

  it("matches IAM wildcards literally otherwise", () => {
    expect(wildcardMatch("arn:aws:s3:::b/in?uts/*", "arn:aws:s3:::b/inputs/x.json")).toBe(true);
    expect(wildcardMatch("arn:aws:s3:::b/inputs/*", "arn:aws:s3:::b/results/x")).toBe(false);
    expect(wildcardMatch("a.b", "aXb")).toBe(false);
  });
});

const arns: ResourceArns = {
  region: "us-east-1",
  accountId: "000000000000",
  table: (name) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`,
  queueFromUrl: (url) => `arn:aws:sqs:us-east-1:000000000000:${url.split("/").pop()}`,
  queueFromName: (name) => `arn:aws:sqs:us-east-1:000000000000:${name}`,
  secret: (id) => id,
};

const request = (partial: Partial<SdkRequest> & Pick<SdkRequest, "service">): SdkRequest => ({
  method: "POST",
  url: "/",
  target: undefined,
  contentType: "application/x-amz-json-1.0",
  body: Buffer.alloc(0),
  ...partial,
});

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("authorizationOf", () => {
  it("reads DynamoDB operations, indexes and each table and item action of a transaction", () => {
    expect(
      authorizationOf(
        request({
          service: "dynamodb",
          target: "DynamoDB_20120810.Query",
          body: json({ TableName: "Tasks", IndexName: "byStatus" }),
        }),
        arns,
      ),
    ).toMatchObject({
      ok: true,
      checks: [{ action: "dynamodb:Query", resource: `${table}/index/byStatus` }],
    });
    expect(
      authorizationOf(
        request({
          service: "dynamodb",
          target: "DynamoDB_20120810.TransactWriteItems",
          body: json({
            TransactItems: [{ Put: { TableName: "Tasks" } }, { ConditionCheck: { TableName: "Keys" } }],
          }),
        }),
        arns,
      ),
    ).toMatchObject({
      checks: [
        { action: "dynamodb:PutItem", resource: table },
        { action: "dynamodb:ConditionCheckItem", resource: arns.table("Keys") },
      ],
    });
  });

  it("reads SQS batch operations as their single-message action on the queue of the URL", () => {
    expect(
      authorizationOf(
        request({
          service: "sqs",
          target: "AmazonSQS.DeleteMessageBatch",
          body: json({ QueueUrl: "http://127.0.0.1:9/000000000000/lane-default", Entries: [] }),
        }),
        arns,
      ),
    ).toMatchObject({ checks: [{ action: "sqs:DeleteMessage", resource: queue }] });
  });

  it("reads S3 object operations from method and path", () => {
    expect(
      authorizationOf(request({ service: "s3", method: "HEAD", url: "/payloads/inputs/a.json" }), arns),
    ).toMatchObject({
      checks: [{ action: "s3:GetObject", resource: "arn:aws:s3:::payloads/inputs/a.json" }],
    });
    expect(
      authorizationOf(request({ service: "s3", method: "PUT", url: "/payloads/results/b" }), arns),
    ).toMatchObject({
      checks: [{ action: "s3:PutObject", resource: "arn:aws:s3:::payloads/results/b" }],
    });
  });

  it("adds iam:PassRole for the target role of a schedule being created", () => {
    expect(
      authorizationOf(
        request({
          service: "scheduler",
          url: "/schedules/nightly",
          body: json({
            GroupName: "dynamic",
            Target: { RoleArn: "arn:aws:iam::000000000000:role/scheduler" },
          }),
        }),
        arns,
      ),
    ).toMatchObject({
      checks: [
        {
          action: "scheduler:CreateSchedule",
          resource: "arn:aws:scheduler:us-east-1:000000000000:schedule/dynamic/nightly",
        },
        { action: "iam:PassRole", context: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      ],
    });
  });

  it("reports a request it cannot map instead of guessing", () => {
    expect(authorizationOf(request({ service: "kinesis" }), arns)).toMatchObject({ ok: false });
    expect(
      authorizationOf(
        request({ service: "dynamodb", target: "DynamoDB_20120810.ExecuteStatement", body: json({}) }),
        arns,
      ),
    ).toMatchObject({ ok: false });
  });
});
