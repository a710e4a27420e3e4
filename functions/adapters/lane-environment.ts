/**
 * What a function's environment says about the lanes: queue and dead-letter
 * queue URLs, event-source mapping UUIDs. Free of the SDK, so a handler
 * reads (and checks) them at init without loading a client.
 */
import {
  type Lane,
  laneDeadLetterUrlVariable,
  laneMappingIdVariable,
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
