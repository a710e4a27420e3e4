/**
 * The CDK CLI with stages: `npm run deploy|diff|destroy|synth|bootstrap --
 * [--stage NAME] [--localstack] [--dry-run] [cdk options]`.
 *
 * `--stage` (default CLAW_TASKS_STAGE, else dev) becomes `-c stage=NAME` and
 * picks the stage's stack `ClawTasks-NAME`. `--localstack` runs `cdklocal`
 * (npm aws-cdk-local) instead of `cdk`, which points the CLI at LocalStack;
 * there a deploy bootstraps first and asks no approval, since the
 * environment is throwaway. `--dry-run` prints the commands instead.
 *
 * A deploy to AWS runs the preflight first (tools/preflight.ts: bootstrap,
 * concurrency quota, Bedrock access, services in the region, prod's alarm
 * e-mail) and stops when it fails; `--skip-preflight` skips it.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { stackNameOf } from "../lib/stage-config.ts";
import { projectRoot } from "../local/synthesize.ts";

const commands = ["synth", "deploy", "diff", "destroy", "bootstrap"] as const;
type Command = (typeof commands)[number];

interface Step {
  readonly tool: "cdk" | "cdklocal" | "preflight";
  readonly args: readonly string[];
}

const toolPaths = {
  cdk: path.join(projectRoot, "node_modules", "aws-cdk", "bin", "cdk"),
  cdklocal: path.join(projectRoot, "node_modules", "aws-cdk-local", "bin", "cdklocal"),
  preflight: path.join(projectRoot, "bin", "preflight.ts"),
};

/** The CLI runs `argv` stands for: our options taken out, the rest passed on to cdk. */
function stepsOf(argv: readonly string[]): { steps: Step[]; dryRun: boolean } {
  const [command, ...rest] = argv;
  if (!commands.includes(command as Command)) {
    throw new Error(`first argument must be one of ${commands.join(", ")}; got ${command ?? "nothing"}`);
  }
  let stage = process.env.CLAW_TASKS_STAGE || "dev";
  let localstack = false;
  let dryRun = false;
  let skipPreflight = false;
  const passOn: string[] = [];
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index]!;
    if (argument === "--stage") {
      const value = rest[++index];
      if (!value || value.startsWith("-")) throw new Error("--stage needs a stage name");
      stage = value;
    } else if (argument.startsWith("--stage=")) stage = argument.slice("--stage=".length);
    else if (argument === "--localstack") localstack = true;
    else if (argument === "--dry-run") dryRun = true;
    else if (argument === "--skip-preflight") skipPreflight = true;
    else passOn.push(argument);
  }
  const tool = localstack ? "cdklocal" : "cdk";
  const context = ["-c", `stage=${stage}`];
  const stack = command === "bootstrap" ? [] : [stackNameOf(stage)];
  const steps: Step[] = [];
  // LocalStack is throwaway and bootstraps itself: nothing to check there.
  if (command === "deploy" && !localstack && !skipPreflight)
    steps.push({ tool: "preflight", args: ["--stage", stage] });
  if (localstack && command === "deploy") steps.push({ tool, args: ["bootstrap", ...context] });
  const approval = localstack && command === "deploy" ? ["--require-approval", "never"] : [];
  const force = localstack && command === "destroy" ? ["--force"] : [];
  steps.push({ tool, args: [command!, ...stack, ...context, ...approval, ...force, ...passOn] });
  return { steps, dryRun };
}

let plan: ReturnType<typeof stepsOf>;
try {
  plan = stepsOf(process.argv.slice(2));
} catch (error) {
  console.error(`cdk: ${(error as Error).message}`);
  process.exit(2);
}
for (const step of plan.steps) {
  console.error(`> ${step.tool} ${step.args.join(" ")}`);
  if (plan.dryRun) continue;
  const { status, error } = spawnSync(process.execPath, [toolPaths[step.tool], ...step.args], {
    cwd: projectRoot,
    stdio: "inherit",
  });
  if (error) throw error;
  if (status !== 0) process.exit(status ?? 1);
}
