/**
 * Infra tier: the deploy preflight's checks (tools/preflight-checks.ts) with
 * the real SDK against stand-ins: the local runtime's Lambda control plane
 * (GetAccountSettings with a quota of the test's choosing) for the
 * concurrency quota, below and above what the dev stage needs, and moto
 * server (python3 -m moto.server) for the CDK bootstrap stack.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { CloudFormationClient, CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClawTasksStack } from "../../lib/claw-tasks-stack.ts";
import { builtInStages, stackNameOf } from "../../lib/stage-config.ts";
import { freePort } from "../../local/emulators.ts";
import { startLambdaService } from "../../local/lambda-service.ts";
import type { Template as CfnTemplate } from "../../local/template.ts";
import {
  checkAlarmEmail,
  checkBootstrap,
  checkConcurrency,
  checkEdgeRegion,
  checkServices,
  formatResults,
  reservedConcurrencyOf,
  servicesOf,
} from "../../tools/preflight-checks.ts";

const region = "eu-west-1";
const credentials = { accessKeyId: "preflight", secretAccessKey: "preflight" };

function devTemplate(): CfnTemplate {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new ClawTasksStack(app, stackNameOf("dev"), { config: builtInStages.dev!, env: { region } });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

describe("the Lambda concurrency check", () => {
  const reserved = reservedConcurrencyOf(devTemplate());
  const total = Object.values(reserved).reduce((sum, value) => sum + value, 0);

  async function checkWithQuota(quota: number, unreserved = quota) {
    const service = await startLambdaService(new Map(), {
      concurrentExecutions: quota,
      unreservedConcurrentExecutions: unreserved,
    });
    const lambda = new LambdaClient({ region, credentials, endpoint: service.url });
    try {
      return await checkConcurrency(lambda, { stage: "dev", region, reserved, stackDeployed: false });
    } finally {
      lambda.destroy();
      await service.stop();
    }
  }

  it("counts the dev stage's reservations: one per lane worker, each its one queue's mapping, 25 in all", () => {
    expect(Object.keys(reserved)).toHaveLength(4);
    expect(total).toBe(25);
  });

  it("refuses a quota below the reservations + 100, saying what to lower or request", async () => {
    const result = await checkWithQuota(total + 99);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(`needs ${total + 100}`);
    expect(result.fix).toContain('"reserveConcurrency": false');
    expect(result.fix).toContain(`--quota-code L-B99A9384 --desired-value ${total + 100}`);
    expect(formatResults([result])).toMatch(/^✗ Lambda concurrency quota/);
  });

  it("passes a quota that covers them", async () => {
    const result = await checkWithQuota(total + 100);
    expect(result.ok).toBe(true);
    expect(formatResults([result])).toMatch(/^✓ Lambda concurrency quota/);
  });

  it("refuses a first deploy when other functions already hold the room", async () => {
    const result = await checkWithQuota(1000, total + 50);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(`already reserve ${1000 - total - 50}`);
  });
});

describe("the CDK bootstrap check, on moto", () => {
  let moto: ChildProcess | undefined;
  let cloudformation: CloudFormationClient;

  beforeAll(async () => {
    const port = await freePort();
    moto = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
      stdio: "ignore",
    });
    const endpoint = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt++) {
      if (
        await fetch(endpoint).then(
          () => true,
          () => false,
        )
      )
        break;
      if (attempt > 300 || moto.exitCode !== null)
        throw new Error("moto server did not start (python3 -m moto.server)");
      await sleep(200);
    }
    cloudformation = new CloudFormationClient({ region, credentials, endpoint });
  }, 90_000);

  afterAll(() => {
    cloudformation?.destroy();
    moto?.kill();
  });

  it("says how to bootstrap when CDKToolkit is missing, and passes once it exists", async () => {
    const missing = await checkBootstrap(cloudformation, region);
    expect(missing.ok).toBe(false);
    expect(missing.fix).toContain("npm run bootstrap");
    await cloudformation.send(
      new CreateStackCommand({
        StackName: "CDKToolkit",
        TemplateBody: JSON.stringify({
          Resources: { StagingBucket: { Type: "AWS::S3::Bucket" } },
          Outputs: { BootstrapVersion: { Value: "30" } },
        }),
      }),
    );
    const present = await checkBootstrap(cloudformation, region);
    expect(present).toMatchObject({ ok: true });
    expect(present.detail).toContain("bootstrap version 30");
  });
});

describe("the other checks", () => {
  it("wants an alarm e-mail for prod only", () => {
    expect(checkAlarmEmail(builtInStages.prod!)).toMatchObject({ ok: false });
    expect(checkAlarmEmail({ ...builtInStages.prod!, alarmEmail: "oncall@example.com" })).toMatchObject({
      ok: true,
    });
    expect(checkAlarmEmail(builtInStages.dev!)).toMatchObject({ ok: true });
  });

  it("wants prod's edge (a CloudFront web ACL) in us-east-1, or turned off", () => {
    expect(checkEdgeRegion(builtInStages.prod!, "us-east-1")).toMatchObject({ ok: true });
    expect(checkEdgeRegion(builtInStages.prod!, "eu-west-1")).toMatchObject({
      ok: false,
      fix: expect.stringContaining('"edgeRateLimit": null'),
    });
    expect(checkEdgeRegion({ ...builtInStages.prod!, edgeRateLimit: null }, "eu-west-1")).toMatchObject({
      ok: true,
    });
    expect(checkEdgeRegion(builtInStages.dev!, "eu-west-1")).toMatchObject({ ok: true });
  });

  it("looks up each service the stage uses in its region, and names the missing ones", async () => {
    const services = servicesOf(devTemplate(), builtInStages.dev!);
    expect(services).toEqual(
      expect.arrayContaining(["lambda", "sqs", "dynamodb", "scheduler", "apigateway"]),
    );
    const result = await checkServices(services, region, {
      resolve: async (host) => {
        if (host.startsWith("scheduler.")) throw new Error("ENOTFOUND");
      },
    });
    expect(result.ok).toBe(false);
    expect(result.detail).toContain("scheduler.eu-west-1.amazonaws.com");
    expect(await checkServices(services, region, { resolve: async () => undefined })).toMatchObject({
      ok: true,
    });
  });
});
