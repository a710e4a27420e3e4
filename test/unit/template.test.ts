/**
 * Unit tier: the local runtime's reading of CloudFormation intrinsics.
 */
import { describe, expect, it } from "vitest";
import { type ResolveContext, resolveValue } from "../../local/template.ts";

const context: ResolveContext = {
  region: "eu-west-1",
  accountId: "000000000000",
  stackName: "ClawTasks-dev",
  resources: new Map([
    [
      "Queue1",
      {
        ref: "http://127.0.0.1:1/000000000000/q",
        attributes: { Arn: "arn:aws:sqs:eu-west-1:000000000000:q" },
      },
    ],
  ]),
};

describe("resolveValue", () => {
  it("resolves Ref, GetAtt (both forms), Join, Select and Sub", () => {
    expect(resolveValue({ Ref: "Queue1" }, context)).toBe("http://127.0.0.1:1/000000000000/q");
    expect(resolveValue({ "Fn::GetAtt": ["Queue1", "Arn"] }, context)).toBe(
      "arn:aws:sqs:eu-west-1:000000000000:q",
    );
    expect(resolveValue({ "Fn::GetAtt": "Queue1.Arn" }, context)).toBe(
      "arn:aws:sqs:eu-west-1:000000000000:q",
    );
    expect(resolveValue({ "Fn::Join": ["-", ["a", { Ref: "AWS::Region" }]] }, context)).toBe("a-eu-west-1");
    expect(resolveValue({ "Fn::Select": [1, ["x", "y"]] }, context)).toBe("y");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax, not a JS template
    expect(resolveValue({ "Fn::Sub": "${AWS::StackName}:${Queue1.Arn}" }, context)).toBe(
      "ClawTasks-dev:arn:aws:sqs:eu-west-1:000000000000:q",
    );
    expect(resolveValue({ nested: [{ Ref: "AWS::AccountId" }] }, context)).toEqual({
      nested: ["000000000000"],
    });
  });

  it("reports what it cannot provide instead of guessing", () => {
    expect(() => resolveValue({ Ref: "Missing" }, context)).toThrow(/does not provide resource Missing/);
    expect(() => resolveValue({ "Fn::GetAtt": ["Queue1", "Nope"] }, context)).toThrow(/Queue1.Nope/);
    expect(() => resolveValue({ "Fn::ImportValue": "x" }, context)).toThrow(/cannot resolve Fn::ImportValue/);
  });
});
