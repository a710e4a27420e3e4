/**
 * Infra tier: the deploy commands (tools/cdk.ts behind npm run synth|deploy|
 * diff|destroy|deploy:localstack), run for real where this machine allows:
 * synth offline, and a LocalStack deploy against a stand-in endpoint that
 * refuses everything, to see where cdklocal sends its calls.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../local/synthesize.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cdkCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["tools/cdk.ts", ...args], {
      cwd: projectRoot,
      env: { ...env, CDK_DISABLE_CLI_TELEMETRY: "true" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const outdir = mkdtempSync(path.join(tmpdir(), "claw-tasks-synth-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("deploy commands", () => {
  it.each([
    [
      ["deploy", "--stage", "prod"],
      ["preflight --stage prod", "cdk deploy ClawTasks-prod -c stage=prod"],
    ],
    [["deploy", "--stage", "prod", "--skip-preflight"], ["cdk deploy ClawTasks-prod -c stage=prod"]],
    [["diff", "--stage=dev"], ["cdk diff ClawTasks-dev -c stage=dev"]],
    [["destroy", "--stage", "dev", "--force"], ["cdk destroy ClawTasks-dev -c stage=dev --force"]],
    [
      ["deploy", "--localstack"],
      [
        "cdklocal bootstrap -c stage=dev",
        "cdklocal deploy ClawTasks-dev -c stage=dev --require-approval never",
      ],
    ],
  ])("%j runs %j", async (args, commands) => {
    const run = await cdkCommand([...args, "--dry-run"], { ...process.env, CLAW_TASKS_STAGE: "" });
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split("\n")).toEqual(commands.map((command) => `> ${command}`));
  });

  it("takes the stage from CLAW_TASKS_STAGE when --stage is absent", async () => {
    const run = await cdkCommand(["diff", "--dry-run"], { ...process.env, CLAW_TASKS_STAGE: "prod" });
    expect(run.stderr.trim()).toBe("> cdk diff ClawTasks-prod -c stage=prod");
  });

  it("refuses an unknown command with exit code 2", async () => {
    const run = await cdkCommand(["deploi"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/one of synth, deploy, diff, destroy, bootstrap/);
  });

  it("synthesizes prod offline, bundled, as `npm run synth -- --stage prod` does", async () => {
    const run = await cdkCommand(["synth", "--stage", "prod", "--quiet", "--no-notices", "--output", outdir]);
    expect(run.code, run.stderr).toBe(0);
    const template = JSON.parse(readFileSync(path.join(outdir, "ClawTasks-prod.template.json"), "utf8"));
    expect(template.Outputs.ApiKeyTableName).toBeDefined();
    // Two bundles (API and worker code), zipped from folders holding the ESM entry.
    const assets = JSON.parse(readFileSync(path.join(outdir, "ClawTasks-prod.assets.json"), "utf8")) as {
      files: Record<string, { source: { path: string; packaging: string } }>;
    };
    const bundles = Object.values(assets.files).filter((file) => file.source.packaging === "zip");
    expect(bundles.length).toBeGreaterThan(0);
    for (const bundle of bundles)
      expect(existsSync(path.join(outdir, bundle.source.path, "index.mjs"))).toBe(true);
    // Bundling two functions with the AWS SDK inside takes esbuild a few seconds each on a busy machine.
  }, 180_000);

  it("fails synth of an unknown stage with the known ones named", async () => {
    const run = await cdkCommand(["synth", "--stage", "nope", "--quiet", "--no-notices", "--output", outdir]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/unknown stage nope; known: dev, prod/);
  });

  it("deploys to LocalStack through cdklocal: every AWS call goes to the LocalStack endpoint", async () => {
    const calls: string[] = [];
    const localstack = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        calls.push(`${request.method} ${request.url} ${body}`);
        response.statusCode = 500;
        response.end("<ErrorResponse><Error><Code>InternalFailure</Code></Error></ErrorResponse>");
      });
    });
    localstack.listen(0, "127.0.0.1");
    await once(localstack, "listening");
    const endpoint = `http://127.0.0.1:${(localstack.address() as AddressInfo).port}`;
    try {
      const run = await cdkCommand(["deploy", "--localstack", "--no-notices"], {
        ...process.env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ENDPOINT_URL_S3: endpoint,
        // cdklocal drops AWS profile settings, so a real profile in the shell cannot be reached.
        AWS_PROFILE: "claw-tasks-no-such-profile",
      });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/> cdklocal bootstrap -c stage=dev/);
      expect(calls.some((call) => call.includes("Action=GetCallerIdentity"))).toBe(true);
    } finally {
      localstack.close();
    }
  });
});
