/**
 * Infra tier: the template of each stage. Every stage: names generated from
 * the stack name (so CloudFormation can replace resources), the stage tag,
 * the outputs a deployment needs, an alarm on each lane's DLQ reporting to
 * the alarm topic. prod: data kept (retention, deletion protection, log
 * retention), stack termination protection, alarm mail subscribed.
 */
import { App } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { originVerifyHeader, originVerifySecretVariable } from "../../functions/api/origin-verify.ts";
import { pageRoutes } from "../../functions/api/routes.ts";
import { laneNames } from "../../functions/tasks/lanes.ts";
import { ClawTasksStack, stageTagKey } from "../../lib/claw-tasks-stack.ts";
import { builtInStages, type StageConfig, stackNameOf, stageConfig } from "../../lib/stage-config.ts";
import { cdkJsonContext } from "./cdk-context.ts";

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };

function synth(config: StageConfig) {
  const app = new App({ context: { ...cdkJsonContext, "aws:cdk:bundling-stacks": [] } });
  const stack = new ClawTasksStack(app, stackNameOf(config.stage), { config, env: { region: "eu-west-1" } });
  return { stack, template: Template.fromStack(stack) };
}

const resourcesOf = (template: Template) => template.toJSON().Resources as Record<string, Resource>;

/**
 * The property that would fix a resource's physical name, by type. (Alarms
 * carry fixed names, `claw-tasks-<stage>-…`, to read well in notifications:
 * a renamed alarm is replaced, which alarms allow.)
 */
const nameProperties: Record<string, string> = {
  "AWS::DynamoDB::Table": "TableName",
  "AWS::SQS::Queue": "QueueName",
  "AWS::Lambda::Function": "FunctionName",
  "AWS::Logs::LogGroup": "LogGroupName",
  "AWS::SNS::Topic": "TopicName",
  "AWS::IAM::Role": "RoleName",
};

/** Resource types that take tags, as this stack uses them. */
const taggedTypes = [
  "AWS::DynamoDB::Table",
  "AWS::SQS::Queue",
  "AWS::Lambda::Function",
  "AWS::Logs::LogGroup",
  "AWS::SNS::Topic",
  "AWS::IAM::Role",
];

describe.each(Object.keys(builtInStages))("stage %s", (name) => {
  const config = stageConfig(name);
  const { template } = synth(config);
  const resources = resourcesOf(template);

  it("lets CloudFormation name every resource, so names carry the stack name ClawTasks-<stage>", () => {
    const named = Object.entries(resources).filter(([, resource]) => resource.Type in nameProperties);
    expect(named.length).toBeGreaterThan(10);
    for (const [id, resource] of named) {
      expect(resource.Properties?.[nameProperties[resource.Type]!], id).toBeUndefined();
    }
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", { Name: `claw-tasks-${name}` });
  });

  it("tags every taggable resource with its stage", () => {
    const tagged = Object.entries(resources).filter(([, resource]) => taggedTypes.includes(resource.Type));
    expect(tagged.length).toBeGreaterThan(10);
    for (const [id, resource] of tagged) {
      expect(resource.Properties?.Tags, id).toEqual(
        expect.arrayContaining([{ Key: stageTagKey, Value: name }]),
      );
    }
  });

  it("outputs the API URL, the monitor URL, where the API key hashes live, and the alarm topic", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(["ApiUrl", "MonitorUrl", "ApiKeyTableName", "TaskTableName"]),
    );
    const [keyTableId] = Object.keys(
      template.findResources("AWS::DynamoDB::Table", {
        Properties: { KeySchema: [{ AttributeName: "keyHash", KeyType: "HASH" }] },
      }),
    );
    expect(outputs.ApiKeyTableName!.Value).toEqual({ Ref: keyTableId });
    expect(JSON.stringify(outputs.MonitorUrl!.Value)).toContain(pageRoutes[0].path);
    const [topicId] = Object.keys(template.findResources("AWS::SNS::Topic"));
    const topicOutputs = Object.entries(outputs).filter(([, output]) => {
      const value = output.Value as { Ref?: string };
      return value.Ref === topicId;
    });
    expect(topicOutputs.map(([key]) => key)).toEqual([expect.stringContaining("AlarmTopicArn")]);
  });

  it("has every alarm notify the alarm topic, one of them on each lane's dead-letter queue", () => {
    const [topicId] = Object.keys(template.findResources("AWS::SNS::Topic"));
    const alarms = Object.values(
      template.findResources("AWS::CloudWatch::Alarm") as Record<string, Resource>,
    );
    expect(alarms.length).toBeGreaterThanOrEqual(laneNames.length);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
    }
    const watchedQueues = alarms
      .filter((alarm) => alarm.Properties!.MetricName === "ApproximateNumberOfMessagesVisible")
      .map(
        (alarm) =>
          (alarm.Properties!.Dimensions as { Value: { "Fn::GetAtt": string[] } }[])[0]!.Value[
            "Fn::GetAtt"
          ][0],
      );
    const deadLetterQueues = Object.values(
      template.findResources("AWS::SQS::Queue") as Record<string, Resource>,
    )
      .map(
        (queue) =>
          (queue.Properties?.RedrivePolicy as { deadLetterTargetArn: { "Fn::GetAtt": string[] } } | undefined)
            ?.deadLetterTargetArn["Fn::GetAtt"][0],
      )
      .filter(Boolean);
    for (const deadLetterQueue of new Set(deadLetterQueues)) expect(watchedQueues).toContain(deadLetterQueue);
  });
});

describe("prod keeps its data", () => {
  const { stack, template } = synth(stageConfig("prod"));
  const resources = Object.values(resourcesOf(template));
  const ofType = (type: string) => resources.filter((resource) => resource.Type === type);

  it("retains tables and protects them from deletion", () => {
    expect(ofType("AWS::DynamoDB::Table").length).toBeGreaterThanOrEqual(2);
    for (const table of ofType("AWS::DynamoDB::Table")) {
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties?.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
    }
  });

  it("retains queues and log groups, and keeps logs 90 days", () => {
    for (const resource of [...ofType("AWS::SQS::Queue"), ...ofType("AWS::Logs::LogGroup")]) {
      expect(resource.DeletionPolicy).toBe("Retain");
    }
    for (const group of ofType("AWS::Logs::LogGroup")) expect(group.Properties?.RetentionInDays).toBe(90);
  });

  it("turns on termination protection for the stack", () => {
    expect(stack.terminationProtection).toBe(true);
  });

  it("subscribes the alarm e-mail to the alarm topic when the stage has one", () => {
    const withMail = synth(stageConfig("prod", { prod: { alarmEmail: "ops@example.com" } })).template;
    const [topicId] = Object.keys(withMail.findResources("AWS::SNS::Topic"));
    withMail.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
      TopicArn: { Ref: topicId },
    });
  });

  it("warns at synth when prod's alarms would reach no one", () => {
    template.resourceCountIs("AWS::SNS::Subscription", 0);
    Annotations.fromStack(stack).hasWarning("*", Match.stringLikeRegexp("no alarmEmail"));
  });
});

describe("dev can be thrown away", () => {
  const { stack, template } = synth(stageConfig("dev"));

  it("deletes its tables, queues and logs with the stack", () => {
    for (const resource of Object.values(resourcesOf(template))) {
      if (["AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Logs::LogGroup"].includes(resource.Type)) {
        expect(resource.DeletionPolicy).toBe("Delete");
      }
    }
    template.allResourcesProperties("AWS::DynamoDB::Table", { DeletionProtectionEnabled: false });
    expect(stack.terminationProtection).toBe(false);
  });
});

describe("a per-IP rate limit at the edge (edgeRateLimit; on in prod)", () => {
  const prod = synth(stageConfig("prod")).template;
  const dev = synth(stageConfig("dev")).template;
  const tightened = synth(
    stageConfig("dev", { dev: { edgeRateLimit: { requestsPerWindow: 100, windowSeconds: 60 } } }),
  ).template;

  it("puts CloudFront with a WAF web ACL in front of the HTTP API, blocking a client IP over the stage's rate", () => {
    const [aclId] = Object.keys(
      prod.findResources("AWS::WAFv2::WebACL", {
        Properties: {
          Scope: "CLOUDFRONT",
          DefaultAction: { Allow: {} },
          Rules: [
            {
              Priority: 0,
              Action: { Block: {} },
              Statement: {
                RateBasedStatement: { AggregateKeyType: "IP", Limit: 15_000, EvaluationWindowSec: 300 },
              },
            },
          ],
        },
      }),
    );
    expect(aclId).toBeDefined();
    prod.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({
        WebACLId: { "Fn::GetAtt": [aclId, "Arn"] },
        DefaultCacheBehavior: Match.objectLike({
          AllowedMethods: Match.arrayWith(["PUT", "PATCH", "POST", "DELETE"]),
          ViewerProtocolPolicy: "https-only",
        }),
      }),
    });
    tightened.hasResourceProperties("AWS::WAFv2::WebACL", {
      Rules: [
        Match.objectLike({
          Statement: { RateBasedStatement: Match.objectLike({ Limit: 100, EvaluationWindowSec: 60 }) },
        }),
      ],
    });
    dev.resourceCountIs("AWS::WAFv2::WebACL", 0);
    dev.resourceCountIs("AWS::CloudFront::Distribution", 0);
  });

  it("closes the way around it: CloudFront sends a secret header, read by reference, that the API function checks", () => {
    const [secretId] = Object.keys(
      prod.findResources("AWS::SecretsManager::Secret", {
        Properties: { Description: Match.stringLikeRegexp("header CloudFront adds") },
      }),
    );
    const distribution = Object.values(prod.findResources("AWS::CloudFront::Distribution"))[0]!;
    const origin = (
      distribution.Properties.DistributionConfig.Origins as { OriginCustomHeaders: unknown }[]
    )[0]!;
    const headers = JSON.stringify(origin.OriginCustomHeaders);
    expect(headers).toContain(originVerifyHeader);
    expect(headers).toContain("{{resolve:secretsmanager:");
    expect(headers).toContain(secretId);
    prod.hasResourceProperties("AWS::Lambda::Function", {
      Description: "claw-tasks prod HTTP API",
      Environment: { Variables: Match.objectLike({ [originVerifySecretVariable]: { Ref: secretId } }) },
    });
    // In the role's inline policy, or in the managed policy CDK moves overflowing statements to.
    const statements = ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"].flatMap((type) =>
      Object.values(prod.findResources(type)).flatMap(
        (policy) =>
          (policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
            .Statement,
      ),
    );
    expect(
      statements.some(
        (statement) =>
          [statement.Action].flat().includes("secretsmanager:GetSecretValue") &&
          JSON.stringify(statement.Resource) === JSON.stringify({ Ref: secretId }),
      ),
    ).toBe(true);
    const outputs = prod.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs.ApiUrl!.Value)).toContain("DomainName");
  });

  it("deploys only in us-east-1, where CloudFront's web ACLs live, and says so", () => {
    const rules = prod.toJSON().Rules as Record<
      string,
      { Assertions: { Assert: unknown; AssertDescription: string }[] }
    >;
    const assertions = Object.values(rules).flatMap((rule) => rule.Assertions);
    expect(assertions).toContainEqual({
      Assert: { "Fn::Equals": [{ Ref: "AWS::Region" }, "us-east-1"] },
      AssertDescription: expect.stringContaining("edgeRateLimit"),
    });
    expect(dev.toJSON().Rules ?? {}).not.toHaveProperty(Object.keys(rules)[0]!);
  });

  it("refuses a rate AWS WAF would refuse", () => {
    expect(() =>
      stageConfig("dev", { dev: { edgeRateLimit: { requestsPerWindow: 5, windowSeconds: 300 } } }),
    ).toThrow(/edgeRateLimit/);
    expect(() =>
      stageConfig("dev", { dev: { edgeRateLimit: { requestsPerWindow: 100, windowSeconds: 30 } } }),
    ).toThrow(/edgeRateLimit/);
  });
});
