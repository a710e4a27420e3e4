/**
 * CDK app entry: picks the stage (`-c stage=<name>`, else CLAW_TASKS_STAGE,
 * else dev; `npm run deploy -- --stage <name>` passes the first) and builds
 * its stack in the stage's pinned account and region, else those of the
 * usual AWS environment (profile, AWS_REGION, ...), as the CDK CLI resolves them.
 */
import { App } from "aws-cdk-lib";
import { ClawTasksStack } from "../lib/claw-tasks-stack.ts";
import { stackNameOf, stageConfig, stagesContextKey } from "../lib/stage-config.ts";

const app = new App();
const stageName =
  (app.node.tryGetContext("stage") as string | undefined) ?? (process.env.CLAW_TASKS_STAGE || "dev");
const config = stageConfig(stageName, app.node.tryGetContext(stagesContextKey));

new ClawTasksStack(app, stackNameOf(config.stage), {
  config,
  env: {
    account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: config.region ?? process.env.CDK_DEFAULT_REGION,
  },
});
