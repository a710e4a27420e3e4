/**
 * Lanes: one worker function and one dead-letter queue per workload class,
 * with one queue per priority. The CDK stack creates them per entry; the API
 * routes tasks to them. Deploy-time concurrency may be overridden per stage
 * (lib/stage-config.ts).
 *
 * Priority is a queue per priority, each with its own event-source mapping
 * on the lane's worker: a `high` task never waits behind a backlog of
 * `normal` ones, and `low` work gets a small fixed share, so bulk work can
 * neither starve the others nor be starved by them. A stage may turn this
 * off (`priorityQueues: false`, dev): one queue per lane, a third of the
 * idle cost, no ordering by priority.
 */
export interface LaneDefinition {
  /** Messages a worker invocation takes at once. Long tasks want 1. */
  readonly batchSize: number;
  /** Default for the event-source mapping's MaximumConcurrency (AWS minimum: 2). */
  readonly maxConcurrency: number;
  /** Deliveries before a message is parked in the lane's DLQ. */
  readonly maxReceiveCount: number;
  /**
   * The alarm threshold on the age of the lane's oldest message. Above
   * SQS's longest delay (900 s), so a message merely waiting out a hop, a
   * backoff or a rate-limit wait (each is a new message) never trips it.
   */
  readonly oldestMessageAlarmSeconds: number;
}

export const lanes = {
  ai_high_priority: {
    batchSize: 1,
    maxConcurrency: 10,
    maxReceiveCount: 5,
    oldestMessageAlarmSeconds: 1_200,
  },
  knowledge_default: {
    batchSize: 1,
    maxConcurrency: 5,
    maxReceiveCount: 5,
    oldestMessageAlarmSeconds: 3_600,
  },
  notification_default: {
    batchSize: 10,
    maxConcurrency: 5,
    maxReceiveCount: 5,
    oldestMessageAlarmSeconds: 1_200,
  },
  default: { batchSize: 10, maxConcurrency: 5, maxReceiveCount: 5, oldestMessageAlarmSeconds: 1_800 },
} as const satisfies Record<string, LaneDefinition>;

export type Lane = keyof typeof lanes;

export const laneNames = Object.keys(lanes) as Lane[];

export function isLane(value: string): value is Lane {
  return Object.hasOwn(lanes, value);
}

export const priorities = ["high", "normal", "low"] as const;
export type Priority = (typeof priorities)[number];

/**
 * The priorities with a queue (and event-source mapping) of their own on a
 * stage. With the stage's `priorityQueues` off, a lane has one queue, its
 * `normal` one, that takes every priority: a third of the idle polling, and
 * tasks start in arrival order whatever their priority.
 */
export function queuedPriorities(priorityQueues: boolean): readonly Priority[] {
  return priorityQueues ? priorities : ["normal"];
}

/** MaximumConcurrency of the event-source mapping of one priority queue of a lane. */
export function priorityConcurrency(laneConcurrency: number, priority: Priority): number {
  switch (priority) {
    case "high":
      return Math.max(2, Math.ceil(laneConcurrency / 2));
    case "normal":
      return laneConcurrency;
    case "low":
      return 2;
  }
}

/**
 * Environment variable that carries the URL of a lane's queue for one
 * priority to the functions. The stack sets it and the SQS adapter reads it,
 * so the name lives here once.
 */
export function laneQueueUrlVariable(lane: Lane, priority: Priority): string {
  return `LANE_QUEUE_URL_${lane.toUpperCase()}_${priority.toUpperCase()}`;
}

/** Environment variable that carries a lane's dead-letter queue URL. */
export function laneDeadLetterUrlVariable(lane: Lane): string {
  return `LANE_DLQ_URL_${lane.toUpperCase()}`;
}

/** Environment variable that carries the ARN of a lane's queue for one priority (a schedule's target). */
export function laneQueueArnVariable(lane: Lane, priority: Priority): string {
  return `LANE_QUEUE_ARN_${lane.toUpperCase()}_${priority.toUpperCase()}`;
}

/** Environment variable that carries the UUID of the event-source mapping of a lane's queue for one priority. */
export function laneMappingIdVariable(lane: Lane, priority: Priority): string {
  return `LANE_MAPPING_ID_${lane.toUpperCase()}_${priority.toUpperCase()}`;
}

/** Environment variable that carries a lane worker's reserved concurrency; unset when the stage reserves none. */
export function laneReservedConcurrencyVariable(lane: Lane): string {
  return `LANE_RESERVED_CONCURRENCY_${lane.toUpperCase()}`;
}
