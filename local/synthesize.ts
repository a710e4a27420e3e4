/**
 * Synthesizes the CDK app with the project's own CDK CLI, into a folder of
 * its own, and reads the stack's template from the cloud assembly manifest.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Template } from "./template.ts";

export const projectRoot = path.resolve(import.meta.dirname, "..");

export interface Assembly {
  readonly outdir: string;
  readonly stackName: string;
  readonly template: Template;
  /**
   * The account the CDK CLI resolved for the stack (from the credentials in
   * use; an emulator such as moto answers STS too), when it resolved one:
   * the template then holds it literally in ARNs instead of AWS::AccountId.
   */
  readonly account?: string;
}

interface Manifest {
  readonly artifacts: Record<
    string,
    { type: string; properties?: { templateFile?: string }; displayName?: string; environment?: string }
  >;
}

/**
 * Synthesizes stage `stage` into `outdir`; `context` adds CDK context values
 * (`-c key=value`), e.g. stage overrides under `claw-tasks:stages`.
 */
export async function synthesize(
  outdir: string,
  stage: string,
  context: Readonly<Record<string, string>> = {},
): Promise<Assembly> {
  const cli = path.join(projectRoot, "node_modules", "aws-cdk", "bin", "cdk");
  try {
    await promisify(execFile)(
      process.execPath,
      [
        cli,
        "synth",
        "--quiet",
        "--no-notices",
        "--no-version-reporting",
        "-c",
        `stage=${stage}`,
        ...Object.entries(context).flatMap(([key, value]) => ["-c", `${key}=${value}`]),
        "--output",
        outdir,
      ],
      {
        cwd: projectRoot,
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: "true" },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`cdk synth failed:\n${stderr || stdout || (error as Error).message}`);
  }
  const manifest = JSON.parse(await readFile(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
  const stacks = Object.entries(manifest.artifacts).filter(
    ([, artifact]) => artifact.type === "aws:cloudformation:stack",
  );
  if (stacks.length !== 1) throw new Error(`expected one stack in the assembly, found ${stacks.length}`);
  const [stackName, artifact] = stacks[0]!;
  const templateFile = artifact.properties?.templateFile ?? `${stackName}.template.json`;
  const template = JSON.parse(await readFile(path.join(outdir, templateFile), "utf8")) as Template;
  const account = /^aws:\/\/(\d{12})\//.exec(artifact.environment ?? "")?.[1];
  return { outdir, stackName, template, ...(account ? { account } : {}) };
}
