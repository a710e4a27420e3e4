/**
 * Per-stage settings, typed. `bin/app.ts` picks one by name
 * (`-c stage=<name>` or CLAW_TASKS_STAGE); lanes themselves come from the
 * task catalog, only their sizing is tuned here.
 */
import type { Lane } from "../functions/tasks/lanes.ts";

export interface LaneSizing {
  /** The event-source mapping's MaximumConcurrency (2..1000). */
  readonly maxConcurrency?: number;
}

/** A model provider: the offline one (no network), Amazon Bedrock, or an OpenAI-compatible endpoint. */
export type ModelProviderConfig =
  | { readonly provider: "offline" }
  | { readonly provider: "bedrock"; readonly modelId: string }
  | {
      readonly provider: "openai";
      readonly baseUrl: string;
      readonly model: string;
      /** Secrets Manager secret (name) holding the API key; none for endpoints without keys (Ollama). */
      readonly apiKeySecretName?: string;
    };

export interface ModelConfig {
  readonly chat: ModelProviderConfig;
  /** `dimensions`: the vector size (offline: any; Titan v2: 256, 512 or 1024; OpenAI: optional). */
  readonly embeddings: ModelProviderConfig & { readonly dimensions?: number };
}

/** Where knowledge vectors live. */
export type VectorIndexConfig =
  | { readonly kind: "dynamodb" }
  | { readonly kind: "s3vectors"; readonly vectorBucketName: string; readonly indexName: string };

export interface StageConfig {
  readonly stage: string;
  /** Keep tables and log groups when the stack is deleted. */
  readonly retainData: boolean;
  /** Days CloudWatch keeps function logs. */
  readonly logRetentionDays: 1 | 3 | 5 | 7 | 14 | 30 | 60 | 90 | 180 | 365;
  /** Days a finished task stays readable before DynamoDB TTL removes it. */
  readonly resultTtlDays: number;
  /**
   * Reserve each worker's concurrency (its lane's MaximumConcurrency), so a
   * busy lane can neither starve nor be starved by others. Turn off in
   * accounts whose concurrency quota is too small to reserve any (new accounts get 10).
   */
  readonly reserveConcurrency: boolean;
  readonly lanes: Partial<Record<Lane, LaneSizing>>;
  /** Chat and embedding models of the task types (generate_ai_response, the knowledge tasks, search). */
  readonly models: ModelConfig;
  readonly vectorIndex: VectorIndexConfig;
  /** CIDR ranges webhooks may reach despite the SSRF guard (e.g. a VPC's own). @default none */
  readonly webhookAllowedCidrs?: readonly string[];
  /** SNS topics send_notification may publish to. @default none */
  readonly notificationTopicArns?: readonly string[];
  /** Browser origins allowed to call the API (CORS); empty: no cross-origin calls. */
  readonly corsOrigins: readonly string[];
  /** API Gateway's stage-wide ceiling over every key together. */
  readonly apiThrottle: { readonly ratePerSecond: number; readonly burst: number };
  /** IANA time zone of the static schedules, and of dynamic ones created without a time zone. */
  readonly scheduleTimeZone: string;
  /** Subscribed to the alarm topic when set (AWS sends a confirmation mail first). @default - no subscription */
  readonly alarmEmail?: string;
}

/** Offline models: deterministic, no network, no model access to set up. */
const offlineModels: ModelConfig = {
  chat: { provider: "offline" },
  embeddings: { provider: "offline", dimensions: 256 },
};

const dev: StageConfig = {
  stage: "dev",
  retainData: false,
  logRetentionDays: 14,
  resultTtlDays: 7,
  reserveConcurrency: true,
  corsOrigins: [],
  apiThrottle: { ratePerSecond: 1_000, burst: 2_000 },
  lanes: {},
  // The local runtime runs this stage: offline models, so `npm start` needs no network or keys.
  models: offlineModels,
  vectorIndex: { kind: "dynamodb" },
  // The original Celery Beat ran in China Standard Time.
  scheduleTimeZone: "Asia/Shanghai",
};

const prod: StageConfig = {
  stage: "prod",
  retainData: true,
  logRetentionDays: 90,
  resultTtlDays: 30,
  reserveConcurrency: true,
  corsOrigins: [],
  apiThrottle: { ratePerSecond: 1_000, burst: 2_000 },
  lanes: {},
  // Bedrock model access must be granted to the account for these models.
  models: {
    chat: { provider: "bedrock", modelId: "amazon.nova-lite-v1:0" },
    embeddings: { provider: "bedrock", modelId: "amazon.titan-embed-text-v2:0", dimensions: 1024 },
  },
  vectorIndex: { kind: "dynamodb" },
  // The original Celery Beat ran in China Standard Time.
  scheduleTimeZone: "Asia/Shanghai",
};

export const stages: Readonly<Record<string, StageConfig>> = { dev, prod };

export function stageConfig(name: string): StageConfig {
  const config = stages[name];
  if (!config) throw new Error(`unknown stage ${name}; known: ${Object.keys(stages).join(", ")}`);
  return config;
}
