/**
 * The local runtime: the synthesized template, run on embedded emulators.
 *
 * Template                          -> local stand-in
 *   AWS::DynamoDB::Table, SQS::Queue  -> created on DynamoDB Local / fauxqs (provision.ts)
 *   AWS::S3::Bucket                   -> created on fauxqs' S3 (path-style)
 *   AWS::SecretsManager::Secret       -> generated, served by the local Secrets Manager
 *   AWS::Lambda::Function             -> worker-thread sandboxes running the bundled asset (function-host.ts)
 *   AWS::Lambda::EventSourceMapping   -> queue pollers (event-source-poller.ts), controlled through
 *                                        a local Lambda control plane (lambda-service.ts); table
 *                                        stream readers (stream-poller.ts)
 *   AWS::Scheduler::ScheduleGroup, Schedule -> the local EventBridge Scheduler (scheduler-service.ts)
 *   AWS::ApiGatewayV2::Route          -> HTTP gateway on PORT (http-gateway.ts)
 *   AWS::IAM::Role, Policy, ManagedPolicy -> enforced: every AWS call of a function, poller or schedule
 *                                        is checked against its role's policies (iam-proxy.ts)
 *   AWS::SNS::Topic, CloudWatch::Alarm, Dashboard -> not run: no metrics locally (the infra tests assert them)
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { awsRequestLogVariable, logAwsRequests } from "../functions/adapters/aws-request-log.ts";
import { createDynamoApiKeyStore } from "../functions/adapters/dynamodb-api-key-store.ts";
import { generateApiKey, hashApiKey, scopes } from "../functions/core/authenticate.ts";
import { stagesContextKey } from "../lib/stage-config.ts";
import { startFaultProxy } from "./aws-fault-proxy.ts";
import { type AwsEndpoints, startEmulators } from "./emulators.ts";
import { EventSourcePoller } from "./event-source-poller.ts";
import { type FunctionSpec, LocalFunction, type LogSink } from "./function-host.ts";
import { type GatewayRoute, type RunningGateway, startHttpGateway } from "./http-gateway.ts";
import { type LocalRole, templateRoles } from "./iam-policy.ts";
import { type IamProxy, type IssuedCredentials, startIamProxy } from "./iam-proxy.ts";
import { localResourceArns } from "./iam-requests.ts";
import { type LocalMapping, startLambdaService } from "./lambda-service.ts";
import { batchedLineWriter, formatLogLine, functionLabel } from "./log-format.ts";
import { provisionStorage } from "./provision.ts";
import { type ScheduleInput, startLocalScheduler } from "./scheduler-service.ts";
import { StreamPoller } from "./stream-poller.ts";
import { projectRoot, synthesize } from "./synthesize.ts";
import {
  type ResolveContext,
  type ResolvedResource,
  resolveValue,
  resourceProperties,
  resourcesOfType,
  type Template,
} from "./template.ts";

/** The SQS and DynamoDB endpoints the functions are given (S3 is always the emulator's). */
export type FunctionEndpoints = Pick<AwsEndpoints, "sqs" | "dynamodb">;

export interface LocalRuntimeOptions {
  /** HTTP port of the API; 0 picks a free one. @default PORT or 3000 */
  readonly port?: number;
  /** A loopback address (anything else is refused: local/listening-server.ts). @default 127.0.0.1 */
  readonly host?: string;
  /** @default CLAW_TASKS_API_KEY, else a generated key */
  readonly apiKey?: string;
  /** @default CLAW_TASKS_STAGE or dev */
  readonly stage?: string;
  /** Where function logs go, raw. @default stdout, one readable line each (log-format.ts) */
  readonly logSink?: LogSink;
  /**
   * A file that also gets every log line, raw, as `[function name] line`
   * (emptied at start): what `claw-tasks logs` reads. @default none
   */
  readonly logFile?: string;
  /** Concurrency of a function without a reservation (Lambda's unreserved pool). @default 10 */
  readonly unreservedConcurrency?: number;
  /** Extra environment for every function, over the template's (tests use it to shorten waits). */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  /**
   * Put a fault-injecting (and request-counting) proxy (aws-fault-proxy.ts)
   * between the functions and SQS, DynamoDB and EventBridge Scheduler. @default false
   */
  readonly faultInjection?: boolean;
  /**
   * Every queue's visibility timeout instead of the template's (6x the function
   * timeout): tests shorten crash recovery with it. @default the template's
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * How much faster than real time the local scheduler's clock runs for cron
   * and rate schedules (tests: 60 makes a rate(1 minute) schedule fire every
   * second); one-time at() schedules fire on the real clock.
   * @default CLAW_TASKS_SCHEDULER_TIME_SCALE or 1
   */
  readonly schedulerTimeScale?: number;
  /**
   * Creates the stack's own schedules (health check, cleanup) disabled, so
   * nothing they do lands in the lanes a test is measuring; tests that need
   * those tasks submit them. Dynamic schedules run as usual. @default true
   */
  readonly stackSchedulesEnabled?: boolean;
  /**
   * The endpoints the functions reach AWS at, given those they would use
   * (the emulators, or the fault proxies): the benchmark puts a delaying
   * proxy in between. Queue URLs carry the functions' SQS origin, so the
   * event-source pollers' SQS calls go through it too.
   * @default the endpoints given
   */
  readonly functionEndpoints?: (given: FunctionEndpoints) => FunctionEndpoints | Promise<FunctionEndpoints>;
  /**
   * A file to which every AWS request of the functions and of the event-source
   * pollers is appended (functions/adapters/aws-request-log.ts).
   * @default no request log
   */
  readonly awsRequestLog?: string;
  /**
   * The batching window of every DynamoDB-stream mapping instead of the
   * template's: tests see counts sooner with it. @default the template's
   */
  readonly streamBatchingWindowMs?: number;
  /**
   * Enforce IAM: every AWS call of a function (and of its event-source
   * pollers, and of each schedule's target role) is checked against the
   * role's policies in the template and denied as AWS would (iam-proxy.ts).
   * @default true, unless CLAW_TASKS_IAM=off
   */
  readonly iamEnforcement?: boolean;
  /**
   * Settings over the stage's, as a deployment gives them in the CDK context
   * `claw-tasks:stages` (tests grant the SNS topics they create this way).
   * @default none
   */
  readonly stageOverrides?: Readonly<Record<string, unknown>>;
}

/** The local endpoints of the emulators and of the services the runtime serves itself. */
export interface LocalEndpoints extends AwsEndpoints {
  readonly scheduler: string;
  readonly lambda: string;
}

/** A queue of the template as created locally, with its tags. */
export interface LocalQueue {
  readonly logicalId: string;
  readonly url: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface LocalRuntime {
  readonly url: string;
  readonly apiKey: string;
  readonly region: string;
  readonly endpoints: LocalEndpoints;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly stackName: string;
  /** Where the runtime keeps API key hashes, as the stack's ApiKeyTableName output says. */
  readonly apiKeyTableName: string;
  readonly queues: readonly LocalQueue[];
  /** The fault proxies' URLs (control at `/__claw-faults`), when faultInjection was asked for. */
  readonly faultProxies?: { readonly sqs: string; readonly dynamodb: string; readonly scheduler: string };
  /** The template's outputs, resolved (TaskTableName, DocumentBucketName ...). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly functions: ReadonlyMap<string, LocalFunction>;
  readonly pollers: readonly EventSourcePoller[];
  /** IAM enforcement's endpoint, each function's credentials and each role's ARN (by logical id), when on. */
  readonly iam?: {
    readonly endpoint: string;
    readonly functionCredentials: Readonly<Record<string, IssuedCredentials>>;
    readonly roleArns: Readonly<Record<string, string>>;
  };
  stop(): Promise<void>;
}

const accountId = "000000000000";

/** The logical id a `{Ref}` or `{Fn::GetAtt}` points at, wherever it sits in `value`. */
function referencedId(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map(referencedId).find((id) => id !== undefined);
  if (value === null || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === "string") return record.Ref;
  const getAtt = record["Fn::GetAtt"];
  if (Array.isArray(getAtt)) return getAtt[0] as string;
  return Object.values(record)
    .map(referencedId)
    .find((id) => id !== undefined);
}

function functionResources(
  template: Template,
  context: ResolveContext & { resources: Map<string, ResolvedResource> },
) {
  for (const [logicalId] of resourcesOfType(template, "AWS::Lambda::Function")) {
    const name = `${context.stackName}-${logicalId}`.slice(0, 64);
    context.resources.set(logicalId, {
      ref: name,
      attributes: { Arn: `arn:aws:lambda:${context.region}:${accountId}:function:${name}` },
    });
  }
}

/**
 * Resources that are only names locally: IAM roles, schedule groups (a name
 * and an ARN), and event-source mappings (a UUID, as CloudFormation's Ref of
 * a mapping answers).
 */
function namedResources(
  template: Template,
  context: ResolveContext & { resources: Map<string, ResolvedResource> },
) {
  const named = (logicalId: string, explicit: unknown, maxLength: number) =>
    typeof explicit === "string" ? explicit : `${context.stackName}-${logicalId}`.slice(0, maxLength);
  for (const [logicalId, resource] of resourcesOfType(template, "AWS::IAM::Role")) {
    const name = named(logicalId, resource.Properties?.RoleName, 64);
    context.resources.set(logicalId, {
      ref: name,
      attributes: { Arn: `arn:aws:iam::${accountId}:role/${name}` },
    });
  }
  for (const [logicalId, resource] of resourcesOfType(template, "AWS::Scheduler::ScheduleGroup")) {
    const name = named(logicalId, resource.Properties?.Name, 64);
    context.resources.set(logicalId, {
      ref: name,
      attributes: { Arn: `arn:aws:scheduler:${context.region}:${accountId}:schedule-group/${name}` },
    });
  }
  for (const [logicalId] of resourcesOfType(template, "AWS::Lambda::EventSourceMapping")) {
    const uuid = randomUUID();
    context.resources.set(logicalId, {
      ref: uuid,
      attributes: {
        Id: uuid,
        EventSourceMappingArn: `arn:aws:lambda:${context.region}:${accountId}:event-source-mapping:${uuid}`,
      },
    });
  }
}

function handlerModule(assetDir: string, handler: string): { modulePath: string; exportName: string } {
  const dot = handler.lastIndexOf(".");
  const base = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  for (const extension of [".mjs", ".js", ".cjs"]) {
    const candidate = path.join(assetDir, `${base}${extension}`);
    if (existsSync(candidate)) return { modulePath: candidate, exportName };
  }
  throw new Error(`no module for handler ${handler} in ${assetDir}`);
}

/** The outputs the local runtime can resolve (ApiUrl, for one, names the API Gateway it stands in for). */
function resolvedOutputs(template: Template, context: ResolveContext): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    try {
      outputs[name] = String(resolveValue(output.Value, context));
    } catch {
      // Not provided locally.
    }
  }
  return outputs;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const env = process.env;
  const stage = options.stage ?? (env.CLAW_TASKS_STAGE || "dev");
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const credentials = {
    accessKeyId:
      env.AWS_ENDPOINT_URL && env.AWS_ACCESS_KEY_ID
        ? env.AWS_ACCESS_KEY_ID
        : `local${randomBytes(6).toString("hex")}`,
    secretAccessKey:
      env.AWS_ENDPOINT_URL && env.AWS_SECRET_ACCESS_KEY
        ? env.AWS_SECRET_ACCESS_KEY
        : randomBytes(18).toString("base64url"),
  };
  let stackLabelPrefix = "";
  const writeLine = batchedLineWriter(process.stdout);
  const printSink: LogSink =
    options.logSink ??
    ((name, line) => writeLine(formatLogLine(functionLabel(name, stackLabelPrefix), line)));
  if (options.logFile) mkdirSync(path.dirname(options.logFile), { recursive: true });
  const logFile = options.logFile ? createWriteStream(options.logFile, { flags: "w" }) : undefined;
  const logSink: LogSink = logFile
    ? (name, line) => {
        printSink(name, line);
        logFile.write(`[${name}] ${line}\n`);
      }
    : printSink;
  const outdir = path.join(projectRoot, ".local", `cdk.out.${process.pid}`);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });

  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const [assembly, emulators] = await Promise.all([
      synthesize(
        outdir,
        stage,
        options.stageOverrides
          ? { [stagesContextKey]: JSON.stringify({ [stage]: options.stageOverrides }) }
          : {},
      ),
      startEmulators(env, region, accountId),
    ]);
    cleanups.push(() => rm(outdir, { recursive: true, force: true }));
    if (logFile) cleanups.push(() => new Promise<void>((resolve) => logFile.end(resolve)));
    cleanups.push(() => emulators.stop());
    const { template, stackName } = assembly;
    stackLabelPrefix = stackName;
    const { endpoints } = emulators;

    // What the functions talk to: the emulators, or fault proxies in front of them. Queue URLs
    // carry the functions' SQS origin, since the SDK sends SQS calls to the queue URL's host.
    let functionEndpoints: FunctionEndpoints = { sqs: endpoints.sqs, dynamodb: endpoints.dynamodb };
    let faultProxies: Omit<NonNullable<LocalRuntime["faultProxies"]>, "scheduler"> | undefined;
    if (options.faultInjection) {
      const [sqsProxy, dynamodbProxy] = await Promise.all([
        startFaultProxy(endpoints.sqs),
        startFaultProxy(endpoints.dynamodb),
      ]);
      cleanups.push(async () => {
        await Promise.all([sqsProxy.stop(), dynamodbProxy.stop()]);
      });
      functionEndpoints = { sqs: sqsProxy.url, dynamodb: dynamodbProxy.url };
      faultProxies = functionEndpoints;
    }
    if (options.functionEndpoints) functionEndpoints = await options.functionEndpoints(functionEndpoints);

    // IAM in front of everything the functions reach; queue URLs carry its origin, so that SQS calls
    // (which the SDK sends to the queue URL's host) pass it too.
    let iamProxy: IamProxy | undefined;
    if (options.iamEnforcement ?? env.CLAW_TASKS_IAM !== "off") {
      const proxy = await startIamProxy({
        trustedKeys: [credentials.accessKeyId],
        accountId,
        log: (message) => logSink("iam", message),
      });
      iamProxy = proxy;
      cleanups.push(() => proxy.stop());
      const upstreams: Record<string, string | undefined> = {
        sqs: functionEndpoints.sqs,
        dynamodb: functionEndpoints.dynamodb,
        s3: endpoints.s3,
        sns: endpoints.sns,
        secretsmanager: endpoints.secretsManager,
        bedrock: endpoints.general,
        s3vectors: endpoints.general,
      };
      for (const [service, url] of Object.entries(upstreams)) if (url) proxy.setUpstream(service, url);
    }

    const sdkConfig = { region, credentials };
    const dynamodb = new DynamoDBClient({ ...sdkConfig, endpoint: endpoints.dynamodb });
    const sqs = new SQSClient({ ...sdkConfig, endpoint: functionEndpoints.sqs });
    const s3 = new S3Client({ ...sdkConfig, endpoint: endpoints.s3, forcePathStyle: true });
    const secretsManager = new SecretsManagerClient({ ...sdkConfig, endpoint: endpoints.secretsManager });
    cleanups.push(async () => {
      for (const client of [dynamodb, sqs, s3, secretsManager]) client.destroy();
    });

    const resources = new Map<string, ResolvedResource>();
    const context = { region, accountId, stackName, resources };
    await provisionStorage(template, context, {
      dynamodb,
      sqs,
      sqsEndpoint: iamProxy?.url ?? functionEndpoints.sqs,
      s3,
      secretsManager,
      ...(options.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    });
    functionResources(template, context);
    namedResources(template, context);
    const roles = iamProxy ? templateRoles(template, context) : new Map<string, LocalRole>();
    // ARNs the runtime forms (mappings, schedules) carry the account the template's policies name.
    iamProxy?.setResourceArns(localResourceArns(template, resources, region, assembly.account ?? accountId));
    // SQS clients acting as a role (event-source pollers, schedule targets): through the IAM check.
    const roleClients = new Map<string, SQSClient>();
    const sqsAs = (roleArn: string, session: string): SQSClient => {
      if (!iamProxy) return sqs;
      const key = `${roleArn}\n${session}`;
      let client = roleClients.get(key);
      if (!client) {
        // A role the template does not define has no policies: everything it tries is denied.
        const role = [...roles.values()].find((candidate) => candidate.arn === roleArn) ?? {
          logicalId: "unknown",
          arn: roleArn,
          name: roleArn.slice(roleArn.lastIndexOf("/") + 1),
          statements: [],
        };
        client = new SQSClient({
          region,
          credentials: iamProxy.issue(role, session),
          endpoint: iamProxy.url,
        });
        // Counted as the runtime's own SQS client's requests were (bench/cost-model.ts groups by source).
        if (options.awsRequestLog)
          logAwsRequests(client.middlewareStack, options.awsRequestLog, "event-source-mapping");
        roleClients.set(key, client);
      }
      return client;
    };
    cleanups.push(async () => {
      for (const client of roleClients.values()) client.destroy();
    });

    // The services the runtime serves itself; functions reach them through AWS_ENDPOINT_URL_<SERVICE>.
    const queueUrlOf = (arn: string) => {
      for (const [logicalId, resource] of resources) {
        if (template.Resources[logicalId]?.Type === "AWS::SQS::Queue" && resource.attributes.Arn === arn) {
          return resource.ref;
        }
      }
      return undefined;
    };
    const scheduler = await startLocalScheduler({
      region,
      accountId,
      sqs,
      ...(iamProxy ? { sqsAs: (roleArn: string) => sqsAs(roleArn, "scheduler") } : {}),
      queueUrlOf,
      timeScale: options.schedulerTimeScale ?? Number(env.CLAW_TASKS_SCHEDULER_TIME_SCALE ?? 1),
      log: (message) => logSink("scheduler", message),
    });
    cleanups.push(() => scheduler.stop());
    // The functions reach the scheduler through a fault proxy too, when asked (the API's and workers' schedules).
    let schedulerEndpoint = scheduler.url;
    if (options.faultInjection) {
      const schedulerProxy = await startFaultProxy(scheduler.url);
      cleanups.push(() => schedulerProxy.stop());
      schedulerEndpoint = schedulerProxy.url;
    }
    for (const [logicalId] of resourcesOfType(template, "AWS::Scheduler::ScheduleGroup")) {
      scheduler.addGroup(resources.get(logicalId)!.ref);
    }
    const mappings = new Map<string, LocalMapping>();
    const lambdaService = await startLambdaService(mappings);
    cleanups.push(() => lambdaService.stop());
    // Through the fault proxy when there is one, so that injected scheduler faults reach the functions.
    iamProxy?.setUpstream("scheduler", schedulerEndpoint);
    iamProxy?.setUpstream("lambda", lambdaService.url);
    const localEndpoints: LocalEndpoints = {
      ...endpoints,
      scheduler: scheduler.url,
      lambda: lambdaService.url,
    };

    // Functions with a bundled asset run locally; the rest (none today) would be reported when used.
    const functions = new Map<string, LocalFunction>();
    const functionCredentials: Record<string, IssuedCredentials> = {};
    const functionRoles = new Map<string, string>();
    for (const [logicalId, resource] of resourcesOfType(template, "AWS::Lambda::Function")) {
      const assetPath = resource.Metadata?.["aws:asset:path"];
      if (typeof assetPath !== "string") continue;
      const properties = resource.Properties ?? {};
      const { modulePath, exportName } = handlerModule(
        path.join(outdir, assetPath),
        properties.Handler as string,
      );
      const variables = resolveValue(
        (properties.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
        context,
      );
      const reserved = properties.ReservedConcurrentExecutions as number | undefined;
      const functionName = resources.get(logicalId)!.ref;
      const memoryMb = (properties.MemorySize as number | undefined) ?? 128;
      let functionKeys: IssuedCredentials = credentials;
      if (iamProxy) {
        const role = roles.get(referencedId(properties.Role) ?? "");
        if (!role) throw new Error(`function ${logicalId}: its role is not a role of the template`);
        functionKeys = iamProxy.issue(role, functionName);
        functionCredentials[logicalId] = functionKeys;
        functionRoles.set(logicalId, role.arn);
      }
      // With IAM enforced, every service is reached through its check.
      const via = (endpoint: string) => iamProxy?.url ?? endpoint;
      const spec: FunctionSpec = {
        logicalId,
        functionName,
        functionArn: resources.get(logicalId)!.attributes.Arn!,
        modulePath,
        handlerName: exportName,
        timeoutSeconds: (properties.Timeout as number | undefined) ?? 3,
        memoryMb,
        maxConcurrency: reserved ?? options.unreservedConcurrency ?? 10,
        systemLogLevel:
          (properties.LoggingConfig as { SystemLogLevel?: string } | undefined)?.SystemLogLevel ?? "INFO",
        environment: {
          ...(variables as Record<string, string>),
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          AWS_ACCESS_KEY_ID: functionKeys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: functionKeys.secretAccessKey,
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_LAMBDA_FUNCTION_NAME: functionName,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
          AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
          // As Lambda sets it for on-demand functions; Powertools' ColdStart metric looks for it.
          AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
          AWS_ENDPOINT_URL_SQS: via(functionEndpoints.sqs),
          AWS_ENDPOINT_URL_DYNAMODB: via(functionEndpoints.dynamodb),
          AWS_ENDPOINT_URL_S3: via(endpoints.s3),
          S3_FORCE_PATH_STYLE: "true",
          AWS_ENDPOINT_URL_SNS: via(endpoints.sns),
          AWS_ENDPOINT_URL_SECRETS_MANAGER: via(endpoints.secretsManager),
          // Local webhook receivers listen on loopback, on any port, over plain http, which the SSRF guard otherwise refuses.
          WEBHOOK_ALLOWED_CIDRS: env.CLAW_TASKS_WEBHOOK_ALLOWED_CIDRS ?? "127.0.0.0/8,::1/128",
          WEBHOOK_ALLOWED_PORTS: env.CLAW_TASKS_WEBHOOK_ALLOWED_PORTS ?? "1-65535",
          WEBHOOK_ALLOW_HTTP: "on",
          AWS_ENDPOINT_URL_SCHEDULER: via(schedulerEndpoint),
          AWS_ENDPOINT_URL_LAMBDA: via(lambdaService.url),
          ...(endpoints.general ? { AWS_ENDPOINT_URL: via(endpoints.general) } : {}),
          ...(env.POWERTOOLS_LOG_LEVEL ? { POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL } : {}),
          ...options.functionEnvironment,
          ...(options.awsRequestLog ? { [awsRequestLogVariable]: options.awsRequestLog } : {}),
        },
      };
      functions.set(logicalId, new LocalFunction(spec, logSink));
    }
    cleanups.push(async () => {
      await Promise.all([...functions.values()].map((fn) => fn.stop()));
    });
    const localFunction = (logicalId: string | undefined, usedBy: string) => {
      const found = logicalId ? functions.get(logicalId) : undefined;
      if (!found)
        throw new Error(`${usedBy} targets function ${logicalId}, which the local runtime cannot run`);
      return found;
    };
    await Promise.all([...functions.values()].map((fn) => fn.warm()));

    // Event-source mappings -> pollers: SQS queues, and DynamoDB streams (read from DynamoDB Local's own endpoint).
    const streams = new DynamoDBStreamsClient({ ...sdkConfig, endpoint: endpoints.dynamodb });
    cleanups.push(async () => streams.destroy());
    const streamPollerOf = (
      logicalId: string,
      properties: Record<string, unknown>,
      table: ResolvedResource,
      functionOf: typeof localFunction,
    ) => {
      const streamArn = table.attributes.StreamArn;
      if (!streamArn) throw new Error(`event-source mapping ${logicalId}: its table has no stream`);
      const filters = (properties.FilterCriteria as { Filters?: { Pattern?: string }[] } | undefined)
        ?.Filters;
      return new StreamPoller(
        {
          logicalId,
          streamArn,
          batchSize: (properties.BatchSize as number | undefined) ?? 100,
          batchingWindowMs:
            options.streamBatchingWindowMs ??
            ((properties.MaximumBatchingWindowInSeconds as number | undefined) ?? 0) * 1000,
          startingPosition: properties.StartingPosition === "LATEST" ? "LATEST" : "TRIM_HORIZON",
          filterPatterns: (filters ?? []).flatMap((filter) => (filter.Pattern ? [filter.Pattern] : [])),
          maxRetryAttempts: (properties.MaximumRetryAttempts as number | undefined) ?? -1,
          region,
        },
        functionOf(referencedId(properties.FunctionName), `event-source mapping ${logicalId}`),
        streams,
        (message) => logSink("event-source", message),
      );
    };
    const pollers: EventSourcePoller[] = [];
    const streamPollers: StreamPoller[] = [];
    for (const [logicalId, resource] of resourcesOfType(template, "AWS::Lambda::EventSourceMapping")) {
      const properties = resource.Properties ?? {};
      const queueId = referencedId(properties.EventSourceArn);
      const queue = queueId ? resources.get(queueId) : undefined;
      if (queue && template.Resources[queueId!]?.Type === "AWS::DynamoDB::Table") {
        streamPollers.push(streamPollerOf(logicalId, properties, queue, localFunction));
        continue;
      }
      if (!queue || template.Resources[queueId!]?.Type !== "AWS::SQS::Queue") {
        throw new Error(
          `event-source mapping ${logicalId}: only SQS and DynamoDB stream sources run locally`,
        );
      }
      const functionId = referencedId(properties.FunctionName);
      const target = localFunction(functionId, `event-source mapping ${logicalId}`);
      const scaling = properties.ScalingConfig as { MaximumConcurrency?: number } | undefined;
      const poller = new EventSourcePoller(
        {
          logicalId,
          queueUrl: queue.ref,
          queueArn: queue.attributes.Arn!,
          batchSize: (properties.BatchSize as number | undefined) ?? 10,
          maxConcurrency: Math.min(scaling?.MaximumConcurrency ?? 1000, target.spec.maxConcurrency),
          reportBatchItemFailures: (
            (properties.FunctionResponseTypes as string[] | undefined) ?? []
          ).includes("ReportBatchItemFailures"),
          enabled: (properties.Enabled as boolean | undefined) ?? true,
          region,
        },
        target,
        // Lambda polls with the function's execution role.
        functionId && functionRoles.has(functionId)
          ? sqsAs(functionRoles.get(functionId)!, "event-source-mapping")
          : sqs,
        (message) => logSink("event-source", message),
      );
      pollers.push(poller);
      const mappingId = resources.get(logicalId)!.ref;
      mappings.set(mappingId, {
        uuid: mappingId,
        functionArn: target.spec.functionArn,
        functionName: target.spec.functionName,
        eventSourceArn: queue.attributes.Arn!,
        poller,
        lastModified: new Date(),
      });
    }

    // The first API key: its hash goes where the deployed stack keeps key hashes.
    const apiKey = options.apiKey ?? env.CLAW_TASKS_API_KEY ?? generateApiKey();
    const keyTable = resolveValue(template.Outputs?.ApiKeyTableName?.Value, context);
    if (typeof keyTable !== "string") throw new Error("the template has no ApiKeyTableName output");
    await createDynamoApiKeyStore(DynamoDBDocumentClient.from(dynamodb), keyTable).put({
      keyHash: hashApiKey(apiKey),
      name: "local",
      scopes: [...scopes],
      createdAt: new Date().toISOString(),
    });

    // Lambda's pollers make SQS requests the account pays for; the request log counts them too.
    if (options.awsRequestLog)
      logAwsRequests(sqs.middlewareStack, options.awsRequestLog, "event-source-mapping");
    for (const poller of pollers) poller.start();
    for (const poller of streamPollers) poller.start();
    cleanups.push(async () => {
      await Promise.all([...pollers, ...streamPollers].map((poller) => poller.stop()));
    });

    // The template's schedules, as CloudFormation would create them; then the clock starts.
    for (const [logicalId, resource] of resourcesOfType(template, "AWS::Scheduler::Schedule")) {
      const properties = resolveValue(resource.Properties ?? {}, context) as Omit<ScheduleInput, "Name"> & {
        Name?: string;
      };
      scheduler.addSchedule({
        ...properties,
        Name: properties.Name ?? `${stackName}-${logicalId}`.slice(0, 64),
        ...(options.stackSchedulesEnabled === false ? { State: "DISABLED" as const } : {}),
      });
    }
    scheduler.start();

    const routes: GatewayRoute[] = resourcesOfType(template, "AWS::ApiGatewayV2::Route").map(
      ([logicalId, resource]) => {
        const properties = resource.Properties ?? {};
        const integrationId = referencedId(properties.Target);
        const integration = integrationId ? resourceProperties(template, integrationId) : {};
        return {
          routeKey: properties.RouteKey as string,
          target: localFunction(referencedId(integration.IntegrationUri), `route ${logicalId}`),
        };
      },
    );
    const port = options.port ?? Number(env.PORT ?? 3000);
    const gateway: RunningGateway = await startHttpGateway(routes, {
      port,
      host: options.host ?? "127.0.0.1",
    });
    cleanups.push(() => gateway.stop());

    const queues: LocalQueue[] = resourcesOfType(template, "AWS::SQS::Queue").map(([logicalId, resource]) => {
      const tags = (resource.Properties?.Tags ?? []) as { Key: string; Value: string }[];
      const queue = resources.get(logicalId)!;
      return {
        logicalId,
        url: queue.ref,
        arn: queue.attributes.Arn!,
        tags: Object.fromEntries(tags.map(({ Key, Value }) => [Key, Value])),
      };
    });

    return {
      url: gateway.url,
      apiKey,
      region,
      endpoints: localEndpoints,
      credentials,
      stackName,
      apiKeyTableName: keyTable,
      queues,
      ...(faultProxies ? { faultProxies: { ...faultProxies, scheduler: schedulerEndpoint } } : {}),
      outputs: resolvedOutputs(template, context),
      functions,
      pollers,
      ...(iamProxy
        ? {
            iam: {
              endpoint: iamProxy.url,
              functionCredentials,
              roleArns: Object.fromEntries([...roles].map(([id, role]) => [id, role.arn])),
            },
          }
        : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
