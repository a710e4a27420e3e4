/**
 * The deploy preflight's checks (tools/preflight.ts runs them): what a new AWS
 * account or region lacks most often, found before CloudFormation starts
 * rather than half-way through a deploy or at run time. Each check answers
 * ✓ or ✗ with what to do; it takes its SDK clients as parameters, so the
 * tests run it against local stand-ins.
 */
import { lookup } from "node:dns/promises";
import { type BedrockClient, GetFoundationModelAvailabilityCommand } from "@aws-sdk/client-bedrock";
import { type CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetAccountSettingsCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { edgeRegion } from "../lib/constructs/api-edge.ts";
import type { StageConfig } from "../lib/stage-config.ts";
import { resourcesOfType, type Template } from "../local/template.ts";

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** What was found. */
  readonly detail: string;
  /** What to do, when not ok. */
  readonly fix?: string;
}

/** Lambda keeps this much of the account's concurrency unreserved; reservations cannot eat into it. */
export const unreservedMinimum = 100;

/** The Service Quotas code of Lambda's "Concurrent executions". */
export const concurrencyQuotaCode = "L-B99A9384";

const errorText = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

/** The CDK bootstrap stack (CDKToolkit) and its version. */
export async function checkBootstrap(
  cloudformation: CloudFormationClient,
  region: string,
): Promise<CheckResult> {
  const name = "CDK bootstrap";
  const fix = `npm run bootstrap (cdk bootstrap aws://<account>/${region}) with administrator credentials`;
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: "CDKToolkit" }));
    const stack = Stacks?.[0];
    const version = stack?.Outputs?.find((output) => output.OutputKey === "BootstrapVersion")?.OutputValue;
    if (!stack || /FAILED|DELETE|ROLLBACK_COMPLETE$/.test(stack.StackStatus ?? "")) {
      return { name, ok: false, detail: `CDKToolkit is ${stack?.StackStatus ?? "missing"}`, fix };
    }
    return {
      name,
      ok: true,
      detail: `CDKToolkit ${stack.StackStatus}, bootstrap version ${version ?? "unknown"}`,
    };
  } catch (error) {
    if (/does not exist/.test((error as Error).message))
      return { name, ok: false, detail: `no CDKToolkit stack in ${region}`, fix };
    return { name, ok: false, detail: `could not read CDKToolkit: ${errorText(error)}`, fix };
  }
}

/** The reserved concurrency of each function of the template, by logical id. */
export function reservedConcurrencyOf(template: Template): Record<string, number> {
  const reserved: Record<string, number> = {};
  for (const [logicalId, resource] of resourcesOfType(template, "AWS::Lambda::Function")) {
    const value = resource.Properties?.ReservedConcurrentExecutions;
    if (typeof value === "number") reserved[logicalId] = value;
  }
  return reserved;
}

/**
 * The account's Lambda concurrency quota against what the stage reserves
 * plus the 100 Lambda keeps unreserved. When the stack is not deployed yet,
 * what other functions already reserve counts against it too.
 */
export async function checkConcurrency(
  lambda: LambdaClient,
  options: {
    readonly stage: string;
    readonly region: string;
    readonly reserved: Readonly<Record<string, number>>;
    readonly stackDeployed: boolean;
  },
): Promise<CheckResult> {
  const name = "Lambda concurrency quota";
  const total = Object.values(options.reserved).reduce((sum, value) => sum + value, 0);
  const need = total + unreservedMinimum;
  let quota: number;
  let unreserved: number;
  try {
    const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
    quota = AccountLimit?.ConcurrentExecutions ?? 0;
    unreserved = AccountLimit?.UnreservedConcurrentExecutions ?? quota;
  } catch (error) {
    return { name, ok: false, detail: `could not read the account settings: ${errorText(error)}` };
  }
  const holders = Object.entries(options.reserved)
    .map(([id, value]) => `${id.replace(/[0-9A-F]{8}$/, "")} ${value}`)
    .join(", ");
  const detail = `quota ${quota}, unreserved now ${unreserved}; stage ${options.stage} reserves ${total}${holders ? ` (${holders})` : ""} and needs ${need}`;
  const lower =
    total > 0
      ? `lower the stage's reservation: "reserveConcurrency": false, or smaller "lanes": {"<lane>": {"maxConcurrency": n}}, for ${options.stage} in the cdk.json context "claw-tasks:stages"`
      : "";
  const increase = `ask for a quota of at least ${need}: aws service-quotas request-service-quota-increase --service-code lambda --quota-code ${concurrencyQuotaCode} --desired-value ${need} --region ${options.region}`;
  if (quota < need) return { name, ok: false, detail, fix: [lower, increase].filter(Boolean).join("; or ") };
  if (!options.stackDeployed && unreserved < need) {
    return {
      name,
      ok: false,
      detail: `${detail}; other functions of the account already reserve ${quota - unreserved}`,
      fix: [lower, "release other functions' reservations", increase].filter(Boolean).join("; or "),
    };
  }
  return { name, ok: true, detail };
}

/** Foundation model id of a model or inference profile id (`us.amazon.nova-lite-v1:0` -> `amazon.nova-lite-v1:0`). */
function foundationModelOf(modelId: string): string {
  return modelId.replace(/^(us|eu|apac|us-gov|global|jp|au|ca)\./, "");
}

/** Access to each Bedrock model the stage configures (none: nothing to check). */
export async function checkBedrockAccess(
  bedrock: BedrockClient,
  config: StageConfig,
  region: string,
): Promise<CheckResult[]> {
  const models = [config.models.chat, config.models.embeddings].flatMap((model) =>
    model.provider === "bedrock" ? [model.modelId] : [],
  );
  if (models.length === 0)
    return [{ name: "Bedrock model access", ok: true, detail: "the stage uses no Bedrock model" }];
  return Promise.all(
    [...new Set(models)].map(async (modelId): Promise<CheckResult> => {
      const name = `Bedrock model ${modelId}`;
      const fix = `in the Bedrock console of ${region}, Model access: enable ${foundationModelOf(modelId)} (accept its terms), or configure another model or provider for stage ${config.stage}`;
      try {
        const availability = await bedrock.send(
          new GetFoundationModelAvailabilityCommand({ modelId: foundationModelOf(modelId) }),
        );
        const problems = [
          availability.regionAvailability !== "AVAILABLE" && `not offered in ${region}`,
          availability.authorizationStatus !== "AUTHORIZED" && "not authorized for this account",
          availability.entitlementAvailability !== "AVAILABLE" && "no entitlement",
          availability.agreementAvailability?.status !== undefined &&
            availability.agreementAvailability.status !== "AVAILABLE" &&
            `agreement ${availability.agreementAvailability.status}`,
        ].filter(Boolean);
        return problems.length === 0
          ? { name, ok: true, detail: "available and authorized" }
          : { name, ok: false, detail: problems.join(", "), fix };
      } catch (error) {
        return { name, ok: false, detail: `could not check: ${errorText(error)}`, fix };
      }
    }),
  );
}

/** Service endpoints (host prefixes) the stage's resources and settings need in its region. */
export function servicesOf(template: Template, config: StageConfig): string[] {
  const byType: Record<string, string> = {
    "AWS::Lambda::": "lambda",
    "AWS::SQS::": "sqs",
    "AWS::DynamoDB::": "dynamodb",
    "AWS::S3::": "s3",
    "AWS::ApiGatewayV2::": "apigateway",
    "AWS::Scheduler::": "scheduler",
    "AWS::SecretsManager::": "secretsmanager",
    "AWS::SNS::": "sns",
    "AWS::CloudWatch::": "monitoring",
    "AWS::Logs::": "logs",
  };
  const services = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    for (const [prefix, service] of Object.entries(byType))
      if (resource.Type.startsWith(prefix)) services.add(service);
  }
  if ([config.models.chat, config.models.embeddings].some((model) => model.provider === "bedrock"))
    services.add("bedrock-runtime");
  if (config.vectorIndex.kind === "s3vectors") services.add("s3vectors");
  return [...services].sort();
}

/** The regional endpoint host of a service (S3 Vectors lives under api.aws). */
export const endpointHost = (service: string, region: string) =>
  service === "s3vectors" ? `s3vectors.${region}.api.aws` : `${service}.${region}.amazonaws.com`;

/**
 * Every service the stage uses has an endpoint in the region (a service a
 * region lacks has no DNS name there). With an endpoint override
 * (AWS_ENDPOINT_URL: an emulator) there is nothing to look up.
 */
export async function checkServices(
  services: readonly string[],
  region: string,
  options: { readonly endpointOverride?: string; readonly resolve?: (host: string) => Promise<unknown> } = {},
): Promise<CheckResult> {
  const name = `Services in ${region}`;
  if (options.endpointOverride)
    return { name, ok: true, detail: `not checked: every service is reached at ${options.endpointOverride}` };
  const resolve = options.resolve ?? ((host: string) => lookup(host));
  const missing = (
    await Promise.all(
      services.map(async (service) => {
        try {
          await resolve(endpointHost(service, region));
          return undefined;
        } catch {
          return service;
        }
      }),
    )
  ).filter((service) => service !== undefined);
  return missing.length === 0
    ? { name, ok: true, detail: services.join(", ") }
    : {
        name,
        ok: false,
        detail: `no endpoint for ${missing.join(", ")} (looked up ${missing.map((service) => endpointHost(service, region)).join(", ")})`,
        fix: "deploy to a region that offers them (set the stage's region), or check this machine's DNS",
      };
}

/** Production alarms must reach a person. */
export function checkAlarmEmail(config: StageConfig): CheckResult {
  const name = "Alarm e-mail";
  if (config.alarmEmail) return { name, ok: true, detail: `alarms notify ${config.alarmEmail}` };
  if (config.stage !== "prod") return { name, ok: true, detail: `none set (optional for ${config.stage})` };
  return {
    name,
    ok: false,
    detail: "prod has no alarmEmail: its alarms would notify nobody",
    fix: 'set it in the cdk.json context: "claw-tasks:stages": {"prod": {"alarmEmail": "oncall@example.com"}}',
  };
}

/**
 * A stage with `edgeRateLimit` puts a CloudFront web ACL in its stack, and
 * AWS WAF creates those in us-east-1 only (the template's rule refuses other
 * regions at deploy time; this says so before).
 */
export function checkEdgeRegion(config: StageConfig, region: string): CheckResult {
  const name = "Per-IP rate limit (edge)";
  if (!config.edgeRateLimit) return { name, ok: true, detail: "none (edgeRateLimit not set)" };
  const { requestsPerWindow, windowSeconds } = config.edgeRateLimit;
  const detail = `CloudFront + AWS WAF, ${requestsPerWindow} requests per ${windowSeconds} s per client IP`;
  if (region === edgeRegion) return { name, ok: true, detail };
  return {
    name,
    ok: false,
    detail: `${detail}: its web ACL must be created in ${edgeRegion}, and this stack deploys to ${region}`,
    fix: `deploy the stage in ${edgeRegion}, or turn the edge off for it in the cdk.json context: "claw-tasks:stages": {"${config.stage}": {"edgeRateLimit": null}} (docs/security.md)`,
  };
}

/** The checks as the console shows them. */
export function formatResults(results: readonly CheckResult[]): string {
  return results
    .map((result) =>
      [
        `${result.ok ? "✓" : "✗"} ${result.name}: ${result.detail}`,
        ...(result.fix ? [`    → ${result.fix}`] : []),
      ].join("\n"),
    )
    .join("\n");
}
