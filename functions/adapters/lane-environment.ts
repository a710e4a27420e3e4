/**
 * What a function's environment says about the lanes: queue and dead-letter
 * queue URLs, event-source mapping UUIDs. Free of the SDK, so a handler
 * reads (and checks) them at init without loading a client.
 */
import {
  type Lane,
  laneDeadLetterUrlVariable,
  laneMappingIdVariable,
  laneQueueArnVariable,
  laneQueueUrlVariable,
  type Priority,
  priorities,
} from "../tasks/lanes.ts";
import { requireEnv } from "./environment.ts";

/**
 * One value per priority from the environment (`variableOf(priority)`): the
 * normal queue's is required; a priority without a queue of its own (stage
 * `priorityQueues` off) has no variable and uses the normal one's.
 */
function perPriorityFromEnv(variableOf: (priority: Priority) => string): Record<Priority, string> {
  const normal = requireEnv(variableOf("normal"));
  return Object.fromEntries(
    priorities.map((priority) => [priority, process.env[variableOf(priority)] || normal]),
  ) as Record<Priority, string>;
}

/** The priorities of `values` (one per priority) that have a queue or mapping of their own. */
export function separatePriorities(values: Readonly<Record<Priority, string>>): Priority[] {
  return priorities.filter((priority) => priority === "normal" || values[priority] !== values.normal);
}

export interface LaneQueueUrls {
  readonly queues: Partial<Record<Lane, Record<Priority, string>>>;
  readonly deadLetters: Partial<Record<Lane, string>>;
}

/** Reads the queue URLs of the given lanes (and, if asked, their DLQs) from the environment; throws when a required one is missing. */
export function laneQueueUrlsFromEnv(lanesUsed: readonly Lane[], withDeadLetters = false): LaneQueueUrls {
  return {
    queues: Object.fromEntries(
      lanesUsed.map((lane) => [lane, perPriorityFromEnv((priority) => laneQueueUrlVariable(lane, priority))]),
    ),
    deadLetters: withDeadLetters
      ? Object.fromEntries(lanesUsed.map((lane) => [lane, requireEnv(laneDeadLetterUrlVariable(lane))]))
      : {},
  };
}

export type MappingIds = Readonly<Record<Lane, Readonly<Record<Priority, string>>>>;

/** Reads each lane's mapping UUIDs from the environment (a shared queue's one mapping under every priority); throws when the normal one is missing. */
export function mappingIdsFromEnv(lanes: readonly Lane[]): MappingIds {
  return Object.fromEntries(
    lanes.map((lane) => [lane, perPriorityFromEnv((priority) => laneMappingIdVariable(lane, priority))]),
  ) as MappingIds;
}

export interface DelayedDeliverySettings {
  /** The delay group (`claw-tasks-<stage>-delays`). */
  readonly groupName: string;
  /** The role EventBridge Scheduler assumes to send to the lane queues. */
  readonly roleArn: string;
  /** Where a firing goes that could not be delivered within the retry policy. */
  readonly deadLetterQueueArn: string;
  /** Queue ARNs per priority of the lanes whose tasks this process may schedule (a shared queue's under every priority). */
  readonly laneQueueArns: Partial<Record<Lane, Readonly<Record<Priority, string>>>>;
}

/** The delayed-delivery settings of a function whose tasks may be scheduled (eventbridge-delayed-delivery.ts). */
export function delayedDeliverySettingsFromEnv(lanesUsed: readonly Lane[]): DelayedDeliverySettings {
  return {
    groupName: requireEnv("DELAY_SCHEDULE_GROUP_NAME"),
    roleArn: requireEnv("SCHEDULER_ROLE_ARN"),
    deadLetterQueueArn: requireEnv("SCHEDULE_DLQ_ARN"),
    laneQueueArns: laneQueueArnsFromEnv(lanesUsed),
  };
}

/** The lanes' queue ARNs per priority (targets of schedules and delayed deliveries). */
export function laneQueueArnsFromEnv(lanesUsed: readonly Lane[]): Record<Lane, Record<Priority, string>> {
  return Object.fromEntries(
    lanesUsed.map((lane) => [lane, perPriorityFromEnv((priority) => laneQueueArnVariable(lane, priority))]),
  ) as Record<Lane, Record<Priority, string>>;
}
