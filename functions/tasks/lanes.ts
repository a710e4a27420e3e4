/**
 * Lanes: one SQS queue + dead-letter queue + worker function per workload class.
 * The CDK stack creates one of each per entry; the API routes tasks to them.
 * Deploy-time concurrency may be overridden per stage (lib/stage-config.ts).
 */
export interface LaneDefinition {
  /** Messages a worker invocation takes at once. Long tasks want 1. */
  readonly batchSize: number;
  /** Default for the event-source mapping's MaximumConcurrency (AWS minimum: 2). */
  readonly maxConcurrency: number;
  /** Deliveries before a message is parked in the lane's DLQ. */
  readonly maxReceiveCount: number;
}

export const lanes = {
  ai_high_priority: { batchSize: 1, maxConcurrency: 10, maxReceiveCount: 5 },
  knowledge_default: { batchSize: 1, maxConcurrency: 5, maxReceiveCount: 5 },
  notification_default: { batchSize: 10, maxConcurrency: 5, maxReceiveCount: 5 },
  default: { batchSize: 10, maxConcurrency: 5, maxReceiveCount: 5 },
} as const satisfies Record<string, LaneDefinition>;

export type Lane = keyof typeof lanes;

export const laneNames = Object.keys(lanes) as Lane[];

export function isLane(value: string): value is Lane {
  return Object.hasOwn(lanes, value);
}

/**
 * Environment variable that carries a lane's queue URL to the functions.
 * The stack sets it and the SQS adapter reads it, so the name lives here once.
 */
export function laneQueueUrlVariable(lane: Lane): string {
  return `LANE_QUEUE_URL_${lane.toUpperCase()}`;
}
