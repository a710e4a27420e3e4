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
}

const dev: StageConfig = {
  stage: "dev",
  retainData: false,
  logRetentionDays: 14,
  resultTtlDays: 7,
  reserveConcurrency: true,
  lanes: {},
};

const prod: StageConfig = {
  stage: "prod",
  retainData: true,
  logRetentionDays: 90,
  resultTtlDays: 30,
  reserveConcurrency: true,
  lanes: {},
};

export const stages: Readonly<Record<string, StageConfig>> = { dev, prod };

export function stageConfig(name: string): StageConfig {
  const config = stages[name];
  if (!config) throw new Error(`unknown stage ${name}; known: ${Object.keys(stages).join(", ")}`);
  return config;
}
