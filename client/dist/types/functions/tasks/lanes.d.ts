/**
 * Lanes: one worker function and one dead-letter queue per workload class,
 * with one queue per priority. The CDK stack creates them per entry; the API
 * routes tasks to them. Deploy-time concurrency may be overridden per stage
 * (lib/stage-config.ts).
 *
 * Priority is a queue per priority, each with its own event-source mapping
 * on the lane's worker: a `high` task never waits behind a backlog of
 * `normal` ones, and `low` work gets a small fixed share, so bulk work can
 * neither starve the others nor be starved by them.
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
export declare const lanes: {
  readonly ai_high_priority: {
    readonly batchSize: 1;
    readonly maxConcurrency: 10;
    readonly maxReceiveCount: 5;
    readonly oldestMessageAlarmSeconds: 1200;
  };
  readonly knowledge_default: {
    readonly batchSize: 1;
    readonly maxConcurrency: 5;
    readonly maxReceiveCount: 5;
    readonly oldestMessageAlarmSeconds: 3600;
  };
  readonly notification_default: {
    readonly batchSize: 10;
    readonly maxConcurrency: 5;
    readonly maxReceiveCount: 5;
    readonly oldestMessageAlarmSeconds: 1200;
  };
  readonly default: {
    readonly batchSize: 10;
    readonly maxConcurrency: 5;
    readonly maxReceiveCount: 5;
    readonly oldestMessageAlarmSeconds: 1800;
  };
};
export type Lane = keyof typeof lanes;
export declare const laneNames: Lane[];
export declare function isLane(value: string): value is Lane;
export declare const priorities: readonly ["high", "normal", "low"];
export type Priority = (typeof priorities)[number];
/** MaximumConcurrency of the event-source mapping of one priority queue of a lane. */
export declare function priorityConcurrency(laneConcurrency: number, priority: Priority): number;
/**
 * Environment variable that carries the URL of a lane's queue for one
 * priority to the functions. The stack sets it and the SQS adapter reads it,
 * so the name lives here once.
 */
export declare function laneQueueUrlVariable(lane: Lane, priority: Priority): string;
/** Environment variable that carries a lane's dead-letter queue URL. */
export declare function laneDeadLetterUrlVariable(lane: Lane): string;
/** Environment variable that carries the ARN of a lane's queue for one priority (a schedule's target). */
export declare function laneQueueArnVariable(lane: Lane, priority: Priority): string;
/** Environment variable that carries the UUID of the event-source mapping of a lane's queue for one priority. */
export declare function laneMappingIdVariable(lane: Lane, priority: Priority): string;
/** Environment variable that carries a lane worker's reserved concurrency; unset when the stage reserves none. */
export declare function laneReservedConcurrencyVariable(lane: Lane): string;
