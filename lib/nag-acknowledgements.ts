/**
 * cdk-nag (v3) asks for each IAM wildcard finding to be acknowledged on its
 * own. Rather than list them by hand (and let the list rot), this walks the
 * stack's policies and acknowledges exactly the wildcards that are bounded by
 * one resource — `<table>/index/*`, `<bucket>/inputs/*`, or the action groups
 * `grantRead` gives (`s3:GetObject*`) — with the reason. Unbounded ones
 * (`Resource::*`, `service:*`) are never acknowledged, so they still fail.
 */
import { type Stack, Validations } from "aws-cdk-lib";
import { CfnPolicy, CfnRole } from "aws-cdk-lib/aws-iam";

const lambdaBasicExecution = "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/** cdk-nag's rendering of a resolved value: GetAtt as `<Id.Attr>`, Ref as `<Id>`, Join concatenated. */
function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(render).join("");
  const record = value as Record<string, unknown>;
  if (record["Fn::GetAtt"]) return `<${(record["Fn::GetAtt"] as string[]).join(".")}>`;
  if (record.Ref) return `<${record.Ref as string}>`;
  if (record["Fn::Join"]) {
    const [separator, parts] = record["Fn::Join"] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  return JSON.stringify(value);
}

export function acknowledgeBoundedWildcards(stack: Stack): void {
  const findings = new Set<string>();
  for (const construct of stack.node.findAll()) {
    if (construct instanceof CfnPolicy) {
      const document = stack.resolve(construct.policyDocument) as {
        Statement: { Action: string | string[]; Resource: unknown }[];
      };
      for (const statement of document.Statement) {
        for (const action of [statement.Action].flat()) {
          // `s3:GetObject*` is bounded by its prefix; `s3:*` and `*` are not.
          if (action.includes("*") && !/(^|:)\*$/.test(action))
            findings.add(`AwsSolutions-IAM5[Action::${action}]`);
        }
        for (const resource of [statement.Resource].flat()) {
          const rendered = render(resource);
          // Bounded: a concrete resource (token or ARN) up to a "/" before the wildcard, e.g. <table>/index/*.
          const prefix = rendered.slice(0, rendered.indexOf("*"));
          if (
            rendered.includes("*") &&
            prefix.includes("/") &&
            (prefix.startsWith("<") || prefix.startsWith("arn:"))
          ) {
            findings.add(`AwsSolutions-IAM5[Resource::${rendered}]`);
          }
        }
      }
    }
  }
  const usesBasicExecution = stack.node
    .findAll()
    .some(
      (construct) =>
        construct instanceof CfnRole &&
        JSON.stringify(stack.resolve(construct.managedPolicyArns) ?? []).includes(
          "AWSLambdaBasicExecutionRole",
        ),
    );
  const validations = Validations.of(stack);
  if (usesBasicExecution) {
    validations.acknowledge({
      id: `AwsSolutions-IAM4[Policy::${lambdaBasicExecution}]`,
      reason:
        "The only managed policy is AWSLambdaBasicExecutionRole on each function's own role: it lets the function write its logs and nothing else.",
    });
  }
  for (const id of findings) {
    validations.acknowledge({
      id,
      reason:
        "Bounded wildcard: a table's own indexes (<table>/index/*, for listing queries), one bucket's prefix, or the action group grantRead/grantPut gives on one bucket. No statement grants a service's actions on all resources.",
    });
  }
}
