/**
 * CDK app entry: picks the stage (`-c stage=<name>`, else CLAW_TASKS_STAGE,
 * else dev) and builds its stack in the account and region of the usual AWS
 * environment.
 */
import { App } from "aws-cdk-lib";
import { ClawTasksStack } from "../lib/claw-tasks-stack.ts";
import { stageConfig } from "../lib/stage-config.ts";

const app = new App();
const stageName =
  (app.node.tryGetContext("stage") as string | undefined) ?? process.env.CLAW_TASKS_STAGE ?? "dev";
const config = stageConfig(stageName);

new ClawTasksStack(app, `ClawTasks-${config.stage}`, {
  config,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: `claw-tasks (${config.stage}): asynchronous task system`,
});
