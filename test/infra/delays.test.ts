/**
 * Infra tier: long delays (functions/core/delivery.ts) in the template. The
 * delay group; the API may create and delete schedules in that group only,
 * each worker may create them only (an early message of its own lane); both
 * pass the scheduler role to EventBridge Scheduler only; and both get the
 * group, role, DLQ and the queue ARNs they target in their environment.
 */
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { laneNames, laneQueueArnVariable, queuedPriorities } from "../../functions/tasks/lanes.ts";
import { ClawTasksStack } from "../../lib/claw-tasks-stack.ts";
import { stageConfig } from "../../lib/stage-config.ts";

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }
>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function synth(stage: "dev" | "prod"): Template {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new ClawTasksStack(app, `Delays-${stage}`, {
    config: stageConfig(stage),
    env: { region: "eu-west-1" },
  });
  return Template.fromStack(stack);
}

let template: Template;
let resources: Resources;
beforeAll(() => {
  template = synth("dev");
  resources = template.toJSON().Resources as Resources;
});

/** [logical id, properties] of the function whose environment has `variable` = `value` (any value when undefined). */
function functionsWith(variable: string, value?: string): [string, Record<string, unknown>][] {
  return Object.entries(resources)
    .filter(([, resource]) => {
      if (resource.Type !== "AWS::Lambda::Function") return false;
      const variables = (
        resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined
      )?.Variables;
      return (
        variables !== undefined &&
        variable in variables &&
        (value === undefined || variables[variable] === value)
      );
    })
    .map(([id, resource]) => [id, resource.Properties]);
}

function statementsOf(fn: Record<string, unknown>): Statement[] {
  const roleId = (fn.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]!;
  return Object.values(resources)
    .filter(
      (resource) =>
        // CDK moves statements past the inline policy's size into managed policies.
        (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") &&
        ((resource.Properties.Roles ?? []) as { Ref: string }[]).some((role) => role.Ref === roleId),
    )
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statement: Statement) => [statement.Action].flat();
const variablesOf = (fn: Record<string, unknown>) =>
  (fn.Environment as { Variables: Record<string, unknown> }).Variables;

function schedulerRoleId(): string {
  const [id] = Object.keys(
    template.findResources("AWS::IAM::Role", {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: "scheduler.amazonaws.com" } })],
        },
      },
    }),
  );
  return id!;
}

/** The statements that grant scheduler actions on the delay group's schedules. */
function delayStatements(fn: Record<string, unknown>): Statement[] {
  return statementsOf(fn).filter((statement) => JSON.stringify(statement.Resource).includes("-delays/"));
}

function expectPassesSchedulerRoleOnly(fn: Record<string, unknown>) {
  const passRole = statementsOf(fn).filter((statement) => actionsOf(statement).includes("iam:PassRole"));
  expect(passRole).toHaveLength(1);
  expect(passRole[0]!.Resource).toEqual({ "Fn::GetAtt": [schedulerRoleId(), "Arn"] });
  expect(passRole[0]!.Condition).toEqual({
    StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" },
  });
}

const api = () => functionsWith("API_KEY_TABLE_NAME")[0]![1];
const workers = () => laneNames.map((lane) => [lane, functionsWith("LANE", lane)[0]![1]] as const);

describe("delay schedules", () => {
  it("have their own group, kept where the stage keeps data", () => {
    template.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "claw-tasks-dev-delays" });
    const prod = synth("prod").findResources("AWS::Scheduler::ScheduleGroup", {
      Properties: { Name: "claw-tasks-prod-delays" },
    }) as Resources;
    expect(Object.values(prod).map((group) => group.DeletionPolicy)).toEqual(["Retain"]);
  });

  it("the API may create and delete schedules of the delay group only, and pass the scheduler role only", () => {
    const statements = delayStatements(api());
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!).sort()).toEqual([
      "scheduler:CreateSchedule",
      "scheduler:DeleteSchedule",
    ]);
    expect(JSON.stringify(statements[0]!.Resource)).toContain(":schedule/claw-tasks-dev-delays/*");
    expectPassesSchedulerRoleOnly(api());
  });

  it.each(laneNames)(
    "the %s worker may only create schedules of the delay group, and pass the scheduler role only",
    (lane) => {
      const worker = workers().find(([name]) => name === lane)![1];
      const statements = delayStatements(worker);
      expect(statements.map(actionsOf)).toEqual([["scheduler:CreateSchedule"]]);
      expect(JSON.stringify(statements[0]!.Resource)).toContain(":schedule/claw-tasks-dev-delays/*");
      // No other scheduler action on any resource.
      const schedulerActions = statementsOf(worker)
        .flatMap(actionsOf)
        .filter((action) => action.startsWith("scheduler:"));
      expect(schedulerActions).toEqual(["scheduler:CreateSchedule"]);
      expectPassesSchedulerRoleOnly(worker);
    },
  );

  it("the API gets the group, role, DLQ and every lane's queue ARNs; a worker its own lane's", () => {
    const priorities = queuedPriorities(stageConfig("dev").priorityQueues);
    const roleArn = { "Fn::GetAtt": [schedulerRoleId(), "Arn"] };
    const apiVariables = variablesOf(api());
    expect(apiVariables).toMatchObject({
      DELAY_SCHEDULE_GROUP_NAME: "claw-tasks-dev-delays",
      SCHEDULER_ROLE_ARN: roleArn,
    });
    expect(apiVariables.SCHEDULE_DLQ_ARN).toBeDefined();
    for (const lane of laneNames) {
      for (const priority of priorities)
        expect(apiVariables[laneQueueArnVariable(lane, priority)]).toBeDefined();
    }
    for (const [lane, worker] of workers()) {
      const variables = variablesOf(worker);
      expect(variables).toMatchObject({
        DELAY_SCHEDULE_GROUP_NAME: "claw-tasks-dev-delays",
        SCHEDULER_ROLE_ARN: roleArn,
        SCHEDULE_DLQ_ARN: apiVariables.SCHEDULE_DLQ_ARN,
      });
      const targeted = Object.keys(variables).filter((name) => name.startsWith("LANE_QUEUE_ARN_"));
      expect(targeted.sort()).toEqual(
        priorities.map((priority) => laneQueueArnVariable(lane, priority)).sort(),
      );
    }
  });

  it("leave the SQS threshold at AWS's 900 s: no function sets MAX_SQS_DELAY_SECONDS (tests do, locally)", () => {
    expect(functionsWith("MAX_SQS_DELAY_SECONDS")).toEqual([]);
  });
});
