/**
 * Infra tier: cdk-nag's AwsSolutions pack over every stage's stack. Synthesis
 * fails on any finding that is not acknowledged; each acknowledgement sits
 * next to its resource with its reason (lib/).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { ClawTasksStack } from "../../lib/claw-tasks-stack.ts";
import { stageConfig, stages } from "../../lib/stage-config.ts";
import { cdkJsonContext } from "./cdk-context.ts";

describe("cdk-nag AwsSolutions", () => {
  it.each(Object.keys(stages))("stage %s has no unacknowledged finding", (stage) => {
    // cdk-nag reads the template; bundling the functions (test/infra/bundles.test.ts covers it) is skipped.
    const app = new App({
      outdir: mkdtempSync(path.join(tmpdir(), "claw-nag-")),
      context: { ...cdkJsonContext, "aws:cdk:bundling-stacks": [] },
    });
    new ClawTasksStack(app, `Nag-${stage}`, { config: stageConfig(stage), env: { region: "eu-west-1" } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe("wildcard acknowledgements", () => {
  it("still fail a statement that grants a service's actions on every resource", async () => {
    const { Stack } = await import("aws-cdk-lib");
    const { PolicyStatement, Role, ServicePrincipal } = await import("aws-cdk-lib/aws-iam");
    const { acknowledgeBoundedWildcards } = await import("../../lib/nag-acknowledgements.ts");
    const app = new App({ context: cdkJsonContext, outdir: mkdtempSync(path.join(tmpdir(), "claw-nag-")) });
    const stack = new Stack(app, "Unbounded");
    const role = new Role(stack, "Role", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    role.addToPolicy(new PolicyStatement({ actions: ["s3:*"], resources: ["*"] }));
    acknowledgeBoundedWildcards(stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/wildcard/);
  });
});
