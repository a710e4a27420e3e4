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

export interface LaneQueueUrls {
  readonly queues: Partial<Record<Lane, Record<Priority, string>>>;
  readonly deadLetters: Partial<Record<Lane, string>>;
}

/** Reads the queue URLs of the given lanes (and, if asked, their DLQs) from the environment; throws when one is missing. */
export function laneQueueUrlsFromEnv(lanesUsed: readonly Lane[], withDeadLetters = false): LaneQueueUrls {
  return {
    queues: Object.fromEntries(
      lanesUsed.map((lane) => [
        lane,
        Object.fromEntries(
          priorities.map((priority) => [priority, requireEnv(laneQueueUrlVariable(lane, priority))]),
        ),
      ]),
    ),
    deadLetters: withDeadLetters
      ? Object.fromEntries(lanesUsed.map((lane) => [lane, requireEnv(laneDeadLetterUrlVariable(lane))]))
      : {},
  };
}

export type MappingIds = Readonly<Record<Lane, Readonly<Record<Priority, string>>>>;

/** Reads each lane's mapping UUIDs from the environment; throws when one is missing. */
export function mappingIdsFromEnv(lanes: readonly Lane[]): MappingIds {
  return Object.fromEntries(
    lanes.map((lane) => [
      lane,
      Object.fromEntries(
        priorities.map((priority) => [priority, requireEnv(laneMappingIdVariable(lane, priority))]),
      ),
    ]),
  ) as MappingIds;
}

export interface DelayedDeliverySettings {
  /** The delay group (`claw-tasks-<stage>-delays`). */
  readonly groupName: string;
  /** The role EventBridge Scheduler assumes to send to the lane queues. */
  readonly roleArn: string;
  /** Where a firing goes that could not be delivered within the retry policy. */
  readonly deadLetterQueueArn: string;
  /** Queue ARNs per priority of the lanes whose tasks this process may schedule. */
  readonly laneQueueArns: Partial<Record<Lane, Readonly<Record<Priority, string>>>>;
}

/** The delayed-delivery settings of a function whose tasks may be scheduled (eventbridge-delayed-delivery.ts). */
export function delayedDeliverySettingsFromEnv(lanesUsed: readonly Lane[]): DelayedDeliverySettings {
  return {
    groupName: requireEnv("DELAY_SCHEDULE_GROUP_NAME"),
    roleArn: requireEnv("SCHEDULER_ROLE_ARN"),
    deadLetterQueueArn: requireEnv("SCHEDULE_DLQ_ARN"),
    laneQueueArns: Object.fromEntries(
      lanesUsed.map((lane) => [
        lane,
        Object.fromEntries(
          priorities.map((priority) => [priority, requireEnv(laneQueueArnVariable(lane, priority))]),
        ) as Record<Priority, string>,
      ]),
    ),
  };
}
