/**
 * `npm run preflight -- [--stage NAME]`: checks the AWS account and region a
 * stage would deploy to, before CloudFormation starts (`npm run deploy` runs
 * it first; `--skip-preflight` skips it). It synthesizes the stage, then
 * checks (tools/preflight-checks.ts): the CDK bootstrap, the Lambda
 * concurrency quota against the stage's reservations + 100, access to the
 * stage's Bedrock models, every service the stage uses in the region, and
 * prod's alarm e-mail. Prints ✓/✗ with what to do; exits 1 on any ✗.
 *
 * Credentials and region come as for the CDK CLI (profile, AWS_REGION ...),
 * the stage's pinned region first. AWS_ENDPOINT_URL points every check at an
 * emulator.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BedrockClient } from "@aws-sdk/client-bedrock";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { stackNameOf, stageConfig, stagesContextKey } from "../lib/stage-config.ts";
import { projectRoot, synthesize } from "../local/synthesize.ts";
import {
  type CheckResult,
  checkAlarmEmail,
  checkBedrockAccess,
  checkBootstrap,
  checkConcurrency,
  checkEdgeRegion,
  checkServices,
  formatResults,
  reservedConcurrencyOf,
  servicesOf,
} from "./preflight-checks.ts";

/** The stages context as the CDK app sees it from cdk.json and cdk.context.json. */
function stagesContext(): unknown {
  let merged: Record<string, unknown> | undefined;
  for (const file of ["cdk.json", "cdk.context.json"]) {
    const full = path.join(projectRoot, file);
    if (!existsSync(full)) continue;
    const json = JSON.parse(readFileSync(full, "utf8")) as { context?: Record<string, unknown> } & Record<
      string,
      unknown
    >;
    const value = file === "cdk.json" ? json.context?.[stagesContextKey] : json[stagesContextKey];
    if (value !== undefined)
      merged = { ...merged, ...(typeof value === "string" ? JSON.parse(value) : value) };
  }
  return merged;
}

function stageOf(argv: readonly string[]): string {
  let stage = process.env.CLAW_TASKS_STAGE || "dev";
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === "--stage") stage = argv[++index] ?? "";
    else if (argument.startsWith("--stage=")) stage = argument.slice("--stage=".length);
    else throw new Error(`unknown argument ${argument}; usage: preflight [--stage NAME]`);
  }
  if (!stage) throw new Error("--stage needs a stage name");
  return stage;
}

async function preflight(stage: string): Promise<CheckResult[]> {
  const config = stageConfig(stage, stagesContext());
  const probe = new LambdaClient(config.region ? { region: config.region } : {});
  const region = await probe.config.region().catch(() => undefined);
  probe.destroy();
  if (!region) {
    return [
      {
        name: "Region",
        ok: false,
        detail: "none set",
        fix: `set AWS_REGION (or a profile's region), or pin "region" for ${stage} in "claw-tasks:stages"`,
      },
    ];
  }
  const outdir = await mkdtemp(path.join(tmpdir(), "claw-tasks-preflight-"));
  try {
    const { template } = await synthesize(outdir, stage);
    const cloudformation = new CloudFormationClient({ region });
    const lambda = new LambdaClient({ region });
    const bedrock = new BedrockClient({ region });
    try {
      const stackDeployed = await cloudformation
        .send(new DescribeStacksCommand({ StackName: stackNameOf(stage) }))
        .then(
          ({ Stacks }) => (Stacks ?? []).length > 0,
          () => false,
        );
      const results = await Promise.all([
        checkBootstrap(cloudformation, region),
        checkConcurrency(lambda, { stage, region, reserved: reservedConcurrencyOf(template), stackDeployed }),
        checkBedrockAccess(bedrock, config, region),
        checkServices(
          servicesOf(template, config),
          region,
          process.env.AWS_ENDPOINT_URL ? { endpointOverride: process.env.AWS_ENDPOINT_URL } : {},
        ),
        checkAlarmEmail(config),
        checkEdgeRegion(config, region),
      ]);
      return [
        { name: "Target", ok: true, detail: `stage ${stage}, stack ${stackNameOf(stage)}, region ${region}` },
        ...results.flat(),
      ];
    } finally {
      for (const client of [cloudformation, lambda, bedrock]) client.destroy();
    }
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

try {
  const results = await preflight(stageOf(process.argv.slice(2)));
  console.log(formatResults(results));
  const failed = results.filter((result) => !result.ok).length;
  if (failed > 0) {
    console.error(`preflight: ${failed} check(s) failed; fix them, or deploy with --skip-preflight`);
    process.exit(1);
  }
  console.log("preflight: ready to deploy");
} catch (error) {
  console.error(`preflight: ${(error as Error).message}`);
  process.exit(2);
}
