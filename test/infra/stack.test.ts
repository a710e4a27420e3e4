/**
 * Infra tier: targeted assertions on the synthesized template, one property
 * of the design per test (no whole-template snapshots).
 */
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ttlAttribute } from "../../functions/adapters/task-item-layout.ts";
import { apiRoutes, pageRoutes } from "../../functions/api/routes.ts";
import { capabilitiesOfLane, taskCatalog, taskTypesOfLane } from "../../functions/tasks/catalog.ts";
import {
  laneDeadLetterUrlVariable,
  laneMappingIdVariable,
  laneNames,
  laneQueueArnVariable,
  laneQueueUrlVariable,
  laneReservedConcurrencyVariable,
  lanes,
  priorities,
  priorityConcurrency,
} from "../../functions/tasks/lanes.ts";
import { scheduleDelivery, staticSchedules } from "../../functions/tasks/static-schedules.ts";
import { ClawTasksStack } from "../../lib/claw-tasks-stack.ts";
import { type StageConfig, stageConfig } from "../../lib/stage-config.ts";
import { cdkJsonContext } from "./cdk-context.ts";

/** The stack's template; bundling is skipped (the local runtime and the synth commands bundle for real). */
function synth(config: StageConfig): Template {
  const app = new App({ context: { ...cdkJsonContext, "aws:cdk:bundling-stacks": [] } });
  const stack = new ClawTasksStack(app, `Test-${config.stage}`, { config, env: { region: "eu-west-1" } });
  return Template.fromStack(stack);
}

type Resources = Record<string, { Properties: Record<string, unknown> }>;
const variablesOf = (fn: Resources[string]) =>
  (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;

let template: Template;
beforeAll(() => {
  // Lanes with a queue per priority (as prod has them); dev's one-queue lanes have their own tests.
  template = synth({ ...stageConfig("dev"), priorityQueues: true });
});

/** The logical id of the table whose id starts with `Tables<name>` or `TaskTypes<name>`. */
function tableIdOf(name: string): string {
  const ids = Object.keys(template.findResources("AWS::DynamoDB::Table")).filter((id) =>
    new RegExp(`^(Tables|TaskTypes)${name}[0-9A-F]{8}$`).test(id),
  );
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** Every IAM statement of a function's role: its actions and the logical ids of the resources they name. */
function statementsOf(functionId: string): { actions: string[]; resources: string[] }[] {
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const roleId = (resources[functionId]!.Properties.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]!;
  return Object.values(resources)
    .filter(
      (resource) =>
        resource.Type === "AWS::IAM::Policy" &&
        (resource.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
    )
    .flatMap(
      (policy) =>
        (
          policy.Properties.PolicyDocument as {
            Statement: { Action: string | string[]; Resource: unknown }[];
          }
        ).Statement,
    )
    .map((statement) => ({
      actions: [statement.Action].flat(),
      resources: [...JSON.stringify(statement.Resource).matchAll(/"Fn::GetAtt":\["([A-Za-z0-9]+)"/g)].map(
        (match) => match[1]!,
      ),
    }));
}

/** The worker function of a lane, found by its LANE variable. */
function workerOf(lane: string): [string, Record<string, unknown>] {
  const functions = template.findResources("AWS::Lambda::Function", {
    Properties: { Environment: { Variables: { LANE: lane } } },
  }) as Resources;
  const entries = Object.entries(functions);
  expect(entries).toHaveLength(1);
  return [entries[0]![0], entries[0]![1].Properties];
}

describe("task table", () => {
  it("is on-demand, encrypted, recoverable, with TTL on finished records", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    });
  });

  it("lists tasks from the table itself: no secondary index to rewrite on every update", () => {
    // Issue 12: an ALL-projection index rewrote every task update; the item layout needs none.
    const taskTables = Object.values(
      template.findResources("AWS::DynamoDB::Table", {
        Properties: { TimeToLiveSpecification: { AttributeName: ttlAttribute } },
      }),
    ).filter((table) => table.Properties.StreamSpecification);
    expect(taskTables).toHaveLength(1);
    expect(taskTables[0]!.Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  it("streams task changes to the counters function, filtered to task records", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: Match.objectLike({ "Fn::GetAtt": Match.arrayWith(["StreamArn"]) }),
      BisectBatchOnFunctionError: false,
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { pk: { S: [{ prefix: "task#" }] } } } }) }],
      },
    });
  });

  it("streams only ended workflow nodes to the workflow function, which may not delete or scan", () => {
    const mappings = Object.values(
      template.findResources("AWS::Lambda::EventSourceMapping", {
        Properties: { EventSourceArn: Match.objectLike({ "Fn::GetAtt": Match.arrayWith(["StreamArn"]) }) },
      }) as Resources,
    );
    const workflowMapping = mappings.find((mapping) =>
      JSON.stringify(mapping.Properties.FilterCriteria).includes("workflow"),
    );
    expect(workflowMapping).toBeDefined();
    const pattern = JSON.parse(
      (workflowMapping!.Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters[0]!.Pattern,
    );
    expect(pattern).toEqual({
      dynamodb: {
        Keys: { pk: { S: [{ prefix: "task#" }] } },
        NewImage: {
          status: { S: ["succeeded", "failed", "cancelled", "expired"] },
          workflow: { M: { id: { S: [{ exists: true }] } } },
        },
      },
    });
    // Its steps are idempotent, so a failed batch may be split.
    expect(workflowMapping!.Properties.BisectBatchOnFunctionError).toBe(true);
    const functionId = (workflowMapping!.Properties.FunctionName as { Ref: string }).Ref;
    const role = (template.toJSON().Resources as Resources)[functionId]!.Properties.Role as {
      "Fn::GetAtt": string[];
    };
    const actions = statementsOfRole(role["Fn::GetAtt"][0]!).flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining(["dynamodb:UpdateItem", "dynamodb:PutItem", "sqs:SendMessage"]),
    );
    for (const forbidden of [
      "dynamodb:DeleteItem",
      "dynamodb:Scan",
      "dynamodb:BatchWriteItem",
      "dynamodb:*",
    ]) {
      expect(actions).not.toContain(forbidden);
    }
  });

  it("keeps data in prod: retained and protected from deletion", () => {
    const prod = synth(stageConfig("prod"));
    const tables = prod.findResources("AWS::DynamoDB::Table") as Record<
      string,
      { DeletionPolicy: string; Properties: Record<string, unknown> }
    >;
    // Tasks, API keys, conversations, knowledge.
    expect(Object.keys(tables)).toHaveLength(4);
    for (const table of Object.values(tables)) {
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    }
  });
});

describe("lanes", () => {
  it("has a queue per priority, a DLQ, a worker, and a mapping per queue for each catalog lane", () => {
    // And the counters' and the workflows' mappings on the task table's stream.
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", laneNames.length * priorities.length + 2);
    // Each lane's priority queues and DLQ, and the schedules' DLQ.
    template.resourceCountIs("AWS::SQS::Queue", laneNames.length * (priorities.length + 1) + 1);
    for (const lane of laneNames) workerOf(lane);
  });

  /** The queues a lane's worker consumes, with the priority and lane their tags give. */
  function laneQueues(lane: string) {
    const [workerId, worker] = workerOf(lane);
    const resources = template.toJSON().Resources as Resources;
    const mappings = Object.values(
      template.findResources("AWS::Lambda::EventSourceMapping", {
        Properties: { FunctionName: { Ref: workerId } },
      }) as Resources,
    );
    return {
      worker,
      mappings: mappings.map((mapping) => {
        const queueId = (mapping.Properties.EventSourceArn as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]!;
        const queue = resources[queueId]!.Properties;
        const tags = Object.fromEntries(
          (queue.Tags as { Key: string; Value: string }[]).map((tag) => [tag.Key, tag.Value]),
        );
        return {
          mapping: mapping.Properties,
          queue,
          priority: tags["claw-tasks:queue"],
          lane: tags["claw-tasks:lane"],
        };
      }),
    };
  }

  it.each(laneNames)(
    "lane %s: queues encrypted, DLQ after maxReceiveCount, visibility >= 6x the worker timeout",
    (lane) => {
      const { worker, mappings } = laneQueues(lane);
      expect(mappings.map((entry) => entry.priority).sort()).toEqual([...priorities].sort());
      const resources = template.toJSON().Resources as Resources;
      for (const { queue, lane: tagged } of mappings) {
        expect(tagged).toBe(lane);
        expect(queue.SqsManagedSseEnabled).toBe(true);
        expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (worker.Timeout as number));
        expect(queue.RedrivePolicy).toMatchObject({ maxReceiveCount: lanes[lane].maxReceiveCount });
        const redrive = queue.RedrivePolicy as { deadLetterTargetArn: { "Fn::GetAtt": string[] } };
        expect(
          resources[redrive.deadLetterTargetArn["Fn::GetAtt"][0]!]!.Properties.SqsManagedSseEnabled,
        ).toBe(true);
      }
    },
  );

  it.each(laneNames)("lane %s: worker on Node.js 24 arm64, outliving its longest hard limit", (lane) => {
    const [, worker] = workerOf(lane);
    expect(worker.Runtime).toBe("nodejs24.x");
    expect(worker.Architectures).toEqual(["arm64"]);
    const longest = Math.max(
      ...taskTypesOfLane(lane).map((type) => taskCatalog[type].timeLimits.hardSeconds),
    );
    expect(worker.Timeout).toBeGreaterThan(longest);
    expect(worker.LoggingConfig).toBeDefined();
  });

  it.each(laneNames)(
    "lane %s: partial batch responses, batch size, and concurrency within the reservation",
    (lane) => {
      const { worker, mappings } = laneQueues(lane);
      let total = 0;
      for (const { mapping, priority } of mappings) {
        const expected = priorityConcurrency(
          lanes[lane].maxConcurrency,
          priority as (typeof priorities)[number],
        );
        expect(mapping).toMatchObject({
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          BatchSize: lanes[lane].batchSize,
          ScalingConfig: { MaximumConcurrency: expected },
        });
        total += expected;
      }
      // Every mapping at full concurrency fits in the reservation, so none is throttled.
      expect(worker.ReservedConcurrentExecutions).toBe(total);
    },
  );

  it("reserves no concurrency when the stage turns reservation off", () => {
    const noReservation = synth({ ...stageConfig("dev"), stage: "small", reserveConcurrency: false });
    const functions = Object.values(noReservation.findResources("AWS::Lambda::Function") as Resources);
    for (const fn of functions) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("traces every function with X-Ray only when the stage asks for it", () => {
    const traced = synth({ ...stageConfig("dev"), stage: "traced", tracing: true });
    const tracedFunctions = Object.values(traced.findResources("AWS::Lambda::Function") as Resources);
    expect(tracedFunctions.length).toBeGreaterThan(1);
    for (const fn of tracedFunctions) {
      expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
      expect(variablesOf(fn).CLAW_TASKS_TRACING).toBe("true");
    }
    for (const fn of Object.values(template.findResources("AWS::Lambda::Function") as Resources)) {
      expect(fn.Properties.TracingConfig).toBeUndefined();
      expect(variablesOf(fn).CLAW_TASKS_TRACING).toBe("false");
    }
  });

  it("takes a lane's concurrency from the stage when it overrides the catalog", () => {
    const tuned = synth({ ...stageConfig("dev"), stage: "tuned", lanes: { default: { maxConcurrency: 3 } } });
    tuned.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });
});

describe("lanes of a stage without priority queues (dev)", () => {
  let dev: Template;
  beforeAll(() => {
    dev = synth(stageConfig("dev"));
  });
  const devResources = () => dev.toJSON().Resources as Resources;

  it("has one queue, one DLQ and one mapping per lane, at the lane's full concurrency", () => {
    expect(stageConfig("dev").priorityQueues).toBe(false);
    // And the two stream mappings (counters, workflows).
    dev.resourceCountIs("AWS::Lambda::EventSourceMapping", laneNames.length + 2);
    dev.resourceCountIs("AWS::SQS::Queue", laneNames.length * 2 + 1);
    for (const lane of laneNames) {
      const [workerId, worker] = Object.entries(
        dev.findResources("AWS::Lambda::Function", {
          Properties: { Environment: { Variables: { LANE: lane } } },
        }) as Resources,
      )[0]!;
      const mappings = Object.values(
        dev.findResources("AWS::Lambda::EventSourceMapping", {
          Properties: { FunctionName: { Ref: workerId } },
        }) as Resources,
      );
      expect(mappings).toHaveLength(1);
      expect(mappings[0]!.Properties.ScalingConfig).toEqual({
        MaximumConcurrency: lanes[lane].maxConcurrency,
      });
      expect(worker.Properties.ReservedConcurrentExecutions).toBe(lanes[lane].maxConcurrency);
    }
  });

  it("gives the API the one queue and mapping of each lane under normal only (the functions fall back to it)", () => {
    const api = Object.values(
      dev.findResources("AWS::Lambda::Function", {
        Properties: { Environment: { Variables: { API_KEY_TABLE_NAME: Match.anyValue() } } },
      }) as Resources,
    )[0]!;
    const variables = variablesOf(api);
    for (const lane of laneNames) {
      for (const variableOf of [laneQueueUrlVariable, laneQueueArnVariable, laneMappingIdVariable]) {
        expect(variables[variableOf(lane, "normal")]).toBeDefined();
        expect(variables[variableOf(lane, "high")]).toBeUndefined();
        expect(variables[variableOf(lane, "low")]).toBeUndefined();
      }
    }
    // Every queue the API may send to is a lane queue that exists.
    const queueIds = Object.keys(dev.findResources("AWS::SQS::Queue"));
    for (const lane of laneNames) {
      const url = variables[laneQueueUrlVariable(lane, "normal")] as unknown as { Ref: string };
      expect(queueIds).toContain(url.Ref);
      expect(devResources()[url.Ref]!.Properties.Tags).toContainEqual({
        Key: "claw-tasks:queue",
        Value: "normal",
      });
    }
  });

  it("costs a third of the prod shape's mappings: 12 with priority queues, 4 without", () => {
    const prodShape = synth({ ...stageConfig("dev"), stage: "prodshape", priorityQueues: true });
    const laneMappings = (template: Template) =>
      // Less the two stream mappings (counters, workflows).
      Object.keys(template.findResources("AWS::Lambda::EventSourceMapping")).length - 2;
    expect(laneMappings(prodShape)).toBe(laneNames.length * priorities.length);
    expect(laneMappings(dev)).toBe(laneNames.length);
  });
});

describe("HTTP API", () => {
  it("has one route per entry of the route table and per page (the monitor), all on the API function", () => {
    template.resourceCountIs("AWS::ApiGatewayV2::Route", apiRoutes.length + pageRoutes.length);
    for (const route of [...apiRoutes, ...pageRoutes]) {
      template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
        RouteKey: `${route.method} ${route.path}`,
      });
    }
    template.hasResourceProperties("AWS::ApiGatewayV2::Integration", { PayloadFormatVersion: "2.0" });
  });

  it("gives the API function every lane's queue URL and the two table names", () => {
    const functions = template.findResources("AWS::Lambda::Function", {
      Properties: { Environment: { Variables: { API_KEY_TABLE_NAME: Match.anyValue() } } },
    }) as Resources;
    const [api] = Object.values(functions);
    const variables = (api!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const lane of laneNames) {
      for (const priority of priorities)
        expect(variables[laneQueueUrlVariable(lane, priority)]).toBeDefined();
      expect(variables[laneDeadLetterUrlVariable(lane)]).toBeDefined();
    }
    expect(variables.TASK_TABLE_NAME).toBeDefined();
  });

  it("lets no function delete a table or use dynamodb:*, and only the API scan, and only the key table", () => {
    const policies = Object.values(template.findResources("AWS::IAM::Policy") as Resources);
    const statements = policies.flatMap(
      (policy) =>
        (
          policy.Properties.PolicyDocument as {
            Statement: { Action: string | string[]; Resource: unknown }[];
          }
        ).Statement,
    );
    const actions = statements.flatMap((statement) => statement.Action);
    expect(actions).not.toContain("dynamodb:DeleteTable");
    expect(actions).not.toContain("dynamodb:*");
    const scans = statements.filter((statement) => [statement.Action].flat().includes("dynamodb:Scan"));
    expect(scans).toHaveLength(1);
    // The key table holds a handful of keys; listing them (admin route) is a scan of that table alone.
    expect(JSON.stringify(scans[0]!.Resource)).toMatch(/TablesApiKeys/);
    expect(JSON.stringify(scans[0]!.Resource)).not.toMatch(/TablesTasks/);
  });

  it("lets the API function delete no table item (it deletes only redriven DLQ messages)", () => {
    const [apiId] = Object.keys(
      template.findResources("AWS::Lambda::Function", {
        Properties: { Environment: { Variables: { API_KEY_TABLE_NAME: Match.anyValue() } } },
      }),
    );
    const deletes = statementsOf(apiId!).filter((statement) =>
      statement.actions.some((action) => action.startsWith("dynamodb:") && /Delete|Write/.test(action)),
    );
    expect(deletes).toEqual([]);
  });

  it.each(laneNames)(
    "lane %s: may delete task records only if it runs cleanup, knowledge items only if it writes knowledge",
    (lane) => {
      const [workerId] = workerOf(lane);
      const uses = capabilitiesOfLane(lane);
      const deletableTables = statementsOf(workerId)
        .filter((statement) => statement.actions.includes("dynamodb:DeleteItem"))
        .flatMap((statement) => statement.resources);
      expect(deletableTables.includes(tableIdOf("Tasks"))).toBe(uses.has("taskRecordDeletion"));
      expect(deletableTables.includes(tableIdOf("Knowledge"))).toBe(uses.has("knowledgeWrite"));
      expect(deletableTables).not.toContain(tableIdOf("Conversations"));
      expect(deletableTables).not.toContain(tableIdOf("ApiKeys"));
    },
  );

  it("sets log retention on every function's log group and the API access logs", () => {
    const groups = Object.values(template.findResources("AWS::Logs::LogGroup") as Resources);
    // One per lane worker, the API, counters and workflow functions, and the API's access logs.
    expect(groups.length).toBe(laneNames.length + 4);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(14);
  });
});
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
};

/** Every statement of the identity policies attached to a role (CDK moves overflow into managed policies). */
function statementsOfRole(roleLogicalId: string): Statement[] {
  const policies = [
    ...Object.values(template.findResources("AWS::IAM::Policy") as Resources),
    ...Object.values(template.findResources("AWS::IAM::ManagedPolicy") as Resources),
  ].filter((policy) =>
    ((policy.Properties.Roles ?? []) as { Ref: string }[]).some((role) => role.Ref === roleLogicalId),
  );
  return policies.flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

const actionsOf = (statement: Statement) => [statement.Action].flat();

function apiFunction(): Record<string, unknown> {
  const functions = template.findResources("AWS::Lambda::Function", {
    Properties: { Environment: { Variables: { API_KEY_TABLE_NAME: Match.anyValue() } } },
  }) as Resources;
  return Object.values(functions)[0]!.Properties;
}

const apiRoleId = () => (apiFunction().Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]!;

function schedulerRoleId(): string {
  const roles = template.findResources("AWS::IAM::Role", {
    Properties: {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: "scheduler.amazonaws.com" } })],
      },
    },
  });
  const ids = Object.keys(roles);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

describe("schedules", () => {
  it("puts the static schedules in their own group, and has a group for dynamic ones and one for delays", () => {
    template.resourceCountIs("AWS::Scheduler::ScheduleGroup", 3);
    template.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "claw-tasks-dev-static" });
    template.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "claw-tasks-dev-dynamic" });
    template.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "claw-tasks-dev-delays" });
    template.resourceCountIs("AWS::Scheduler::Schedule", staticSchedules.length);
  });

  it.each(staticSchedules.map((schedule) => [schedule.name, schedule] as const))(
    "static schedule %s: its expression in the stage's time zone, sending its task to its lane's queue, with retries and a DLQ",
    (_, schedule) => {
      const normalQueueId = laneQueueId(taskCatalog[schedule.taskType].lane, "normal");
      const laneQueueArn = { "Fn::GetAtt": [normalQueueId, "Arn"] };
      const [found] = Object.values(
        template.findResources("AWS::Scheduler::Schedule", {
          Properties: { Name: schedule.name },
        }) as Resources,
      );
      const properties = found!.Properties as {
        Target: {
          Arn: unknown;
          Input: string;
          RoleArn: { "Fn::GetAtt": string[] };
          DeadLetterConfig: { Arn: { "Fn::GetAtt": string[] } };
          RetryPolicy: Record<string, number>;
        };
      } & Record<string, unknown>;
      expect(properties).toMatchObject({
        GroupName: "claw-tasks-dev-static",
        ScheduleExpression: schedule.expression,
        ScheduleExpressionTimezone: "Asia/Shanghai",
        State: "ENABLED",
        FlexibleTimeWindow: { Mode: "OFF" },
      });
      expect(properties.Target.Arn).toEqual(laneQueueArn);
      expect(properties.Target.RoleArn["Fn::GetAtt"][0]).toBe(schedulerRoleId());
      expect(properties.Target.RetryPolicy).toEqual({
        MaximumRetryAttempts: scheduleDelivery.retryAttempts,
        MaximumEventAgeInSeconds: schedule.maxEventAgeSeconds,
      });
      const deadLetterId = properties.Target.DeadLetterConfig.Arn["Fn::GetAtt"][0]!;
      expect((template.toJSON().Resources as Resources)[deadLetterId]!.Properties.SqsManagedSseEnabled).toBe(
        true,
      );
      expect(JSON.parse(properties.Target.Input)).toMatchObject({
        v: 1,
        id: `${schedule.name}@<aws.scheduler.scheduled-time>`,
        type: schedule.taskType,
        createdAt: "<aws.scheduler.scheduled-time>",
        scheduleName: schedule.name,
      });
    },
  );

  it("takes the schedules' time zone from the stage", () => {
    const utc = synth({ ...stageConfig("dev"), stage: "utc", scheduleTimeZone: "UTC" });
    utc.hasResourceProperties("AWS::Scheduler::Schedule", { ScheduleExpressionTimezone: "UTC" });
  });

  it("lets the scheduler role, assumed by this account's schedules only, send messages to the lane queues and the schedules' DLQ, nothing else", () => {
    const roleId = schedulerRoleId();
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          }),
        ],
      },
    });
    const statements = statementsOfRole(roleId);
    expect(new Set(statements.flatMap(actionsOf))).toEqual(new Set(["sqs:SendMessage"]));
    // One statement per queue, or one listing them all (minimized policies).
    const queueIds = new Set(
      statements.flatMap((statement) =>
        [statement.Resource]
          .flat()
          .map((resource) => (resource as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]),
      ),
    );
    // Every lane's priority queues and the schedules' DLQ; no lane DLQ.
    expect(queueIds.size).toBe(laneNames.length * priorities.length + 1);
  });

  it("lets the API manage schedules of the dynamic group only, and pass the scheduler role to EventBridge Scheduler only", () => {
    const statements = statementsOfRole(apiRoleId());
    // The delay group's statement is asserted in delays.test.ts.
    const scheduleWrites = statements.filter(
      (statement) =>
        actionsOf(statement).includes("scheduler:CreateSchedule") &&
        !JSON.stringify(statement.Resource).includes("-delays/"),
    );
    expect(scheduleWrites).toHaveLength(1);
    expect(actionsOf(scheduleWrites[0]!).sort()).toEqual([
      "scheduler:CreateSchedule",
      "scheduler:DeleteSchedule",
      "scheduler:GetSchedule",
      "scheduler:UpdateSchedule",
    ]);
    expect(JSON.stringify(scheduleWrites[0]!.Resource)).toContain(":schedule/claw-tasks-dev-dynamic/*");
    const listing = statements.filter((statement) =>
      actionsOf(statement).includes("scheduler:ListSchedules"),
    );
    expect(listing.map(actionsOf)).toEqual([["scheduler:ListSchedules"]]);

    const passRole = statements.filter((statement) => actionsOf(statement).includes("iam:PassRole"));
    expect(passRole).toHaveLength(1);
    expect(passRole[0]!.Resource).toEqual({ "Fn::GetAtt": [schedulerRoleId(), "Arn"] });
    expect(passRole[0]!.Condition).toEqual({
      StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" },
    });
    for (const statement of statements) expect(actionsOf(statement)).not.toContain("scheduler:*");
  });

  it("gives the API the dynamic group, scheduler role, DLQ, time zone and lane queue ARNs", () => {
    const variables = (apiFunction().Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      SCHEDULE_GROUP_NAME: "claw-tasks-dev-dynamic",
      SCHEDULE_TIME_ZONE: "Asia/Shanghai",
      SCHEDULER_ROLE_ARN: { "Fn::GetAtt": [schedulerRoleId(), "Arn"] },
    });
    expect(variables.SCHEDULE_DLQ_ARN).toBeDefined();
    for (const lane of laneNames) {
      for (const priority of priorities) {
        expect(variables[laneQueueArnVariable(lane, priority)]).toEqual({
          "Fn::GetAtt": [laneQueueId(lane, priority), "Arn"],
        });
      }
    }
  });
});

describe("worker management", () => {
  it.each(laneNames)(
    "lane %s: the API may read and update this lane's event-source mappings, and knows their UUIDs and the reservation",
    (lane) => {
      const [workerId, worker] = workerOf(lane);
      const mappingIds = Object.keys(
        template.findResources("AWS::Lambda::EventSourceMapping", {
          Properties: { FunctionName: { Ref: workerId } },
        }),
      );
      expect(mappingIds).toHaveLength(priorities.length);
      const variables = (apiFunction().Environment as { Variables: Record<string, unknown> }).Variables;
      expect(
        new Set(
          priorities.map(
            (priority) => (variables[laneMappingIdVariable(lane, priority)] as { Ref: string }).Ref,
          ),
        ),
      ).toEqual(new Set(mappingIds));
      expect(variables[laneReservedConcurrencyVariable(lane)]).toBe(
        String(worker.ReservedConcurrentExecutions),
      );

      const mappingStatements = statementsOfRole(apiRoleId()).filter((statement) =>
        actionsOf(statement).includes("lambda:UpdateEventSourceMapping"),
      );
      const forThisLane = mappingStatements.filter((statement) =>
        mappingIds.some((id) => JSON.stringify(statement.Resource).includes(`{"Ref":"${id}"}`)),
      );
      expect(forThisLane).toHaveLength(1);
      expect(actionsOf(forThisLane[0]!).sort()).toEqual([
        "lambda:GetEventSourceMapping",
        "lambda:UpdateEventSourceMapping",
      ]);
      const resources = JSON.stringify(forThisLane[0]!.Resource);
      for (const id of mappingIds) expect(resources).toContain(`{"Ref":"${id}"}`);
      expect(resources).toContain(":event-source-mapping:");
    },
  );

  it("grants no Lambda action on any resource wildcard", () => {
    for (const statement of statementsOfRole(apiRoleId())) {
      if (actionsOf(statement).some((action) => action.startsWith("lambda:"))) {
        expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
      }
    }
  });
});

describe("webhooks and diagnostics per stage", () => {
  const apiVariables = (of: Template) => {
    const [api] = Object.values(
      of.findResources("AWS::Lambda::Function", {
        Properties: { Environment: { Variables: { API_KEY_TABLE_NAME: Match.anyValue() } } },
      }) as Resources,
    );
    return variablesOf(api!);
  };
  const notificationWorkerVariables = (of: Template) => {
    const [worker] = Object.values(
      of.findResources("AWS::Lambda::Function", {
        Properties: { Environment: { Variables: { LANE: "notification_default" } } },
      }) as Resources,
    );
    return variablesOf(worker!);
  };

  it("has echo diagnostics and plain-http webhooks in dev, and neither in prod", () => {
    expect(stageConfig("dev")).toMatchObject({ echoDiagnostics: true, webhookAllowHttp: true });
    expect(stageConfig("prod")).toMatchObject({ echoDiagnostics: false, webhookAllowHttp: false });
    const prod = synth(stageConfig("prod"));
    expect(apiVariables(template).ECHO_DIAGNOSTICS).toBe("on");
    expect(apiVariables(prod).ECHO_DIAGNOSTICS).toBe("off");
    expect(notificationWorkerVariables(template).WEBHOOK_ALLOW_HTTP).toBe("on");
    expect(notificationWorkerVariables(prod).WEBHOOK_ALLOW_HTTP).toBe("off");
    expect(notificationWorkerVariables(prod).WEBHOOK_ALLOWED_PORTS).toBeUndefined();
  });

  it("passes the ports a stage allows to the webhook worker", () => {
    const more = synth({ ...stageConfig("dev"), webhookAllowedPorts: [8443, 9443] });
    expect(notificationWorkerVariables(more).WEBHOOK_ALLOWED_PORTS).toBe("8443,9443");
  });

  it("signs callbacks and notifications with two secrets, both readable by the webhook worker only", () => {
    const secrets = Object.keys(template.findResources("AWS::SecretsManager::Secret"));
    const callbackSecret = secrets.find((id) => id.startsWith("TaskTypesCallbackSigningSecret"));
    const notificationSecret = secrets.find((id) => id.startsWith("TaskTypesWebhookSigningSecret"));
    expect(callbackSecret).toBeDefined();
    expect(notificationSecret).toBeDefined();
    const variables = notificationWorkerVariables(template);
    expect(variables.CALLBACK_SIGNING_SECRET_ARN).toEqual({ Ref: callbackSecret });
    expect(variables.WEBHOOK_SIGNING_SECRET_ARN).toEqual({ Ref: notificationSecret });
    const readers = Object.values(
      template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    )
      .filter((resource) => resource.Type === "AWS::IAM::Policy")
      .filter((policy) =>
        JSON.stringify(policy.Properties.PolicyDocument).includes(`"Ref":"${callbackSecret}"`),
      );
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0]!.Properties.Roles)).toMatch(/LaneNotificationDefaultWorker/);
    template.hasOutput("CallbackSigningSecretArn", { Value: { Ref: callbackSecret } });
  });
});

/** The logical id of a lane's queue for one priority (by its tags). */
function laneQueueId(lane: string, priority: string): string {
  const queues = template.findResources("AWS::SQS::Queue") as Record<
    string,
    { Properties: { Tags?: { Key: string; Value: string }[] } }
  >;
  const found = Object.entries(queues).find(([, queue]) => {
    const tags = Object.fromEntries((queue.Properties.Tags ?? []).map(({ Key, Value }) => [Key, Value]));
    return tags["claw-tasks:lane"] === lane && tags["claw-tasks:queue"] === priority;
  });
  if (!found) throw new Error(`no ${priority} queue for lane ${lane}`);
  return found[0];
}
