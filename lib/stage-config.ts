/**
 * Per-stage settings, typed and validated in one schema. `bin/app.ts` picks
 * a stage by name (`-c stage=<name>`, else CLAW_TASKS_STAGE, else dev).
 *
 * `dev` and `prod` are defined here. More stages, or one deployment's changes
 * to these (an alarm e-mail, a pinned account), come from the CDK context key
 * `claw-tasks:stages` (cdk.json, cdk.context.json or `-c`): an object of
 * stage name to `{extends?: <stage>, ...fields}`. An entry named like a
 * built-in stage adjusts it; a new name needs `extends`.
 *
 * Lanes themselves come from the task catalog; only their sizing is tuned here.
 */
import * as z from "zod";
import { laneNames } from "../functions/tasks/lanes.ts";

/** The retention periods CloudWatch Logs accepts, up to a year. */
const logRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 180, 365] as const;

const timeZones = new Set(["UTC", ...Intl.supportedValuesOf("timeZone")]);

const secretName = z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "a Secrets Manager secret name");

/**
 * A model provider: the offline one (no network), Amazon Bedrock, or an
 * OpenAI-compatible endpoint; `extra` adds settings to every variant.
 */
function modelProviderVariants<Extra extends z.ZodRawShape>(extra: Extra) {
  return z.discriminatedUnion("provider", [
    /** Deterministic, offline: no network, no model access to set up. */
    z.strictObject({ provider: z.literal("offline"), ...extra }),
    /** Amazon Bedrock in the stack's region; the account needs model access. */
    z.strictObject({ provider: z.literal("bedrock"), modelId: z.string().min(1), ...extra }),
    /** Any OpenAI-compatible HTTP endpoint (OpenAI, vLLM, Ollama). */
    z.strictObject({
      provider: z.literal("openai"),
      baseUrl: z.url({ protocol: /^https?$/ }),
      model: z.string().min(1),
      /** Secrets Manager secret (name) holding the API key; none for endpoints without keys (Ollama). */
      apiKeySecretName: secretName.optional(),
      ...extra,
    }),
  ]);
}

const modelProviderSchema = modelProviderVariants({});

const modelsSchema = z.strictObject({
  chat: modelProviderSchema,
  /** `dimensions`: the vector size (offline: any; Titan v2: 256, 512 or 1024; OpenAI: optional). */
  embeddings: modelProviderVariants({ dimensions: z.int().min(1).optional() }),
});

/** Where knowledge vectors live. */
const vectorIndexSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("dynamodb") }),
  z.strictObject({
    kind: z.literal("s3vectors"),
    vectorBucketName: z.string().min(3).max(63),
    indexName: z.string().min(1),
  }),
]);

const laneSizingSchema = z.strictObject({
  /** The event-source mapping's MaximumConcurrency (AWS allows 2..1000). */
  maxConcurrency: z.int().min(2).max(1000).optional(),
});

export const stageConfigSchema = z.strictObject({
  /** Goes into the stack name (`ClawTasks-<stage>`) and so into every generated resource name. */
  stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, "lower-case letters, digits and -, at most 20"),
  /** Pins the AWS account; when absent, the usual AWS environment's (CDK_DEFAULT_ACCOUNT). */
  account: z
    .string()
    .regex(/^\d{12}$/, "12 digits")
    .optional(),
  /** Pins the region; when absent, the usual AWS environment's (CDK_DEFAULT_REGION). */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "an AWS region such as eu-west-1")
    .optional(),
  /** Keep tables, queues and log groups when the stack is deleted, and protect tables from deletion. */
  retainData: z.boolean(),
  /** CloudFormation refuses to delete the stack until this is turned off. */
  terminationProtection: z.boolean(),
  /** Days CloudWatch keeps function logs. */
  logRetentionDays: z.literal(logRetentionDays),
  /** Days a finished task stays readable before DynamoDB TTL removes it. */
  resultTtlDays: z.int().min(1).max(365),
  /**
   * Reserve each worker's concurrency (its lane's MaximumConcurrency), so a
   * busy lane can neither starve nor be starved by others. Turn off in
   * accounts whose concurrency quota is too small to reserve any (Lambda
   * keeps 100 unreserved; new accounts may get a quota of 10).
   */
  reserveConcurrency: z.boolean(),
  /**
   * AWS X-Ray: Lambda active tracing and Powertools Tracer in every function.
   * Off, the Tracer is not even bundled (it adds ~130 KB and init time).
   */
  tracing: z.boolean(),
  /** Subscribed to the alarm topic (AWS sends a confirmation mail first). */
  alarmEmail: z.email().optional(),
  /** IANA time zone of the static schedules, and of dynamic ones created without a time zone. */
  scheduleTimeZone: z.string().refine((zone) => timeZones.has(zone), "an IANA time zone such as UTC"),
  /** Browser origins allowed to call the API (CORS); empty: no cross-origin calls. */
  corsOrigins: z.array(z.url({ protocol: /^https?$/ }).or(z.literal("*"))),
  /**
   * A per-IP rate limit at the edge: CloudFront with an AWS WAF web ACL in
   * front of the HTTP API (which WAF cannot protect directly), blocking a
   * client IP over `requestsPerWindow` in the trailing `windowSeconds`
   * (lib/constructs/api-edge.ts). Its web ACL lives in us-east-1, so a stage
   * with it deploys there only. @default none
   */
  edgeRateLimit: z
    .strictObject({
      /** AWS WAF takes 10 at least. */
      requestsPerWindow: z.int().min(10).max(2_000_000_000),
      windowSeconds: z.union([z.literal(60), z.literal(120), z.literal(300), z.literal(600)]),
    })
    .nullable()
    .optional(),
  /** API Gateway's stage-wide ceiling over every key together. */
  apiThrottle: z.strictObject({
    ratePerSecond: z.number().positive(),
    burst: z.int().min(1),
  }),
  /**
   * A queue and event-source mapping per priority in each lane, so `high`
   * tasks overtake a backlog. Off: one queue per lane that every priority
   * shares (tasks start in arrival order), a third of the mappings and of
   * their idle polling; for stages that do not need the ordering (dev).
   */
  priorityQueues: z.boolean(),
  lanes: z.partialRecord(z.enum(laneNames), laneSizingSchema),
  /**
   * The fraction of a rate-limited task type's limit one namespace may take
   * (e.g. 0.5: half), so a busy namespace cannot starve the others; counted
   * apart per namespace, on top of the type's global limit. @default 1 (no
   * share: the global limit only, as with a single namespace)
   */
  rateLimitNamespaceShare: z.number().gt(0).max(1).optional(),
  /** Chat and embedding models of the task types (generate_ai_response, the knowledge tasks, search). */
  models: modelsSchema,
  vectorIndex: vectorIndexSchema,
  /** CIDR ranges webhooks may reach despite the SSRF guard (e.g. a VPC's own). @default none */
  webhookAllowedCidrs: z.array(z.cidrv4().or(z.cidrv6())).optional(),
  /**
   * Accept echo's destructive diagnostics over the API (crashTimes, sleeps
   * over 10 s, ignoreAbort): they crash or hold workers, so a production
   * stage answers 403 to them.
   */
  echoDiagnostics: z.boolean(),
  /** Webhook URLs may be plain `http:` (local receivers); off, only `https:` is delivered. */
  webhookAllowHttp: z.boolean(),
  /** Ports webhooks may reach besides 80 and 443. @default none */
  webhookAllowedPorts: z.array(z.int().min(1).max(65_535)).optional(),
  /** SNS topics send_notification may publish to. @default none */
  notificationTopicArns: z.array(z.string().regex(/^arn:aws[\w-]*:sns:/, "an SNS topic ARN")).optional(),
});

export type StageConfig = Readonly<z.infer<typeof stageConfigSchema>>;
export type LaneSizing = z.infer<typeof laneSizingSchema>;
export type ModelProviderConfig = z.infer<typeof modelProviderSchema>;
export type ModelConfig = z.infer<typeof modelsSchema>;
export type VectorIndexConfig = z.infer<typeof vectorIndexSchema>;

/** Offline models: deterministic, no network, no model access to set up. */
const offlineModels: ModelConfig = {
  chat: { provider: "offline" },
  embeddings: { provider: "offline", dimensions: 256 },
};

const dev: StageConfig = {
  stage: "dev",
  retainData: false,
  terminationProtection: false,
  logRetentionDays: 14,
  resultTtlDays: 7,
  reserveConcurrency: true,
  tracing: false,
  corsOrigins: [],
  apiThrottle: { ratePerSecond: 1_000, burst: 2_000 },
  // The original Celery Beat ran in China Standard Time.
  scheduleTimeZone: "Asia/Shanghai",
  // One queue per lane: a third of the idle polling; priority is accepted but does not reorder.
  priorityQueues: false,
  lanes: {},
  // The local runtime runs this stage: offline models, so `npm start` (and a first deployment) needs no network or keys.
  models: offlineModels,
  vectorIndex: { kind: "dynamodb" },
  echoDiagnostics: true,
  webhookAllowHttp: true,
};

const prod: StageConfig = {
  stage: "prod",
  retainData: true,
  terminationProtection: true,
  logRetentionDays: 90,
  resultTtlDays: 30,
  reserveConcurrency: true,
  // Opt-in: X-Ray bills per trace, and the Tracer adds to each bundle and cold start.
  tracing: false,
  corsOrigins: [],
  apiThrottle: { ratePerSecond: 1_000, burst: 2_000 },
  // 50 requests/s per client IP over 5 minutes, the per-key default: a flood of random tokens from one
  // address is blocked at the edge instead of costing a key lookup each.
  edgeRateLimit: { requestsPerWindow: 15_000, windowSeconds: 300 },
  // The original Celery Beat ran in China Standard Time.
  scheduleTimeZone: "Asia/Shanghai",
  priorityQueues: true,
  lanes: {},
  // Bedrock model access must be granted to the account for these models.
  models: {
    chat: { provider: "bedrock", modelId: "amazon.nova-lite-v1:0" },
    embeddings: { provider: "bedrock", modelId: "amazon.titan-embed-text-v2:0", dimensions: 1024 },
  },
  vectorIndex: { kind: "dynamodb" },
  // Crashing or hanging workers on purpose is for test stages.
  echoDiagnostics: false,
  webhookAllowHttp: false,
};

export const builtInStages: Readonly<Record<string, StageConfig>> = { dev, prod };
/** @deprecated name: the built-in stages (kept for callers of the first StageConfig). */
export const stages = builtInStages;

/** The CDK context key that adds stages or adjusts the built-in ones. */
export const stagesContextKey = "claw-tasks:stages";

/** The stack of a stage; its name prefixes every resource name CloudFormation generates. */
export const stackNameOf = (stage: string) => `ClawTasks-${stage}`;

type StageOverrides = Record<string, Record<string, unknown>>;

function overridesFrom(context: unknown): StageOverrides {
  // `-c claw-tasks:stages='{...}'` arrives as a string; cdk.json gives an object.
  const value = typeof context === "string" ? JSON.parse(context) : (context ?? {});
  const parsed = z.record(z.string(), z.record(z.string(), z.unknown())).safeParse(value);
  if (!parsed.success) {
    throw new Error(`${stagesContextKey} must map stage names to objects of settings`);
  }
  return parsed.data;
}

/** The names `stageConfig` accepts with these context overrides. */
export function stageNames(context?: unknown): string[] {
  return [...new Set([...Object.keys(builtInStages), ...Object.keys(overridesFrom(context))])];
}

/**
 * The validated config of stage `name`: a built-in stage, or an entry of the
 * `claw-tasks:stages` context (`context`), merged over the stage it extends.
 * Errors name the stage and the field at fault.
 */
export function stageConfig(name: string, context?: unknown): StageConfig {
  const overrides = overridesFrom(context);
  const resolve = (stage: string, seen: readonly string[]): Record<string, unknown> => {
    if (seen.includes(stage))
      throw new Error(`stage ${stage} extends itself: ${[...seen, stage].join(" -> ")}`);
    const { extends: parent, ...fields } = overrides[stage] ?? {};
    if (parent !== undefined && typeof parent !== "string") {
      throw new Error(`stage ${stage}: extends must name a stage`);
    }
    const base = parent !== undefined ? resolve(parent, [...seen, stage]) : builtInStages[stage];
    if (!base) {
      const known = stageNames(context).join(", ");
      throw new Error(
        overrides[stage]
          ? `stage ${stage} is not built in, so its ${stagesContextKey} entry needs "extends": <stage>`
          : `unknown stage ${stage}; known: ${known}`,
      );
    }
    const lanes = { ...(base.lanes as object), ...(fields.lanes as object | undefined) };
    return { ...base, ...fields, lanes, stage };
  };
  const parsed = stageConfigSchema.safeParse(resolve(name, []));
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(stage)"}: ${issue.message}`,
    );
    throw new Error(`stage ${name} is not valid: ${problems.join("; ")}`);
  }
  return parsed.data;
}
