/**
 * WorkerControl on Lambda: a lane's worker consumes one queue per priority
 * (or one shared queue), each through its own SQS event-source mapping, found
 * by the UUIDs the stack passes in LANE_MAPPING_ID_<LANE>_<PRIORITY>. Pausing sets Enabled false on
 * all of them (Lambda stops polling; messages stay queued); resizing sets
 * each mapping's MaximumConcurrency to its priority's share of the lane's size.
 */
import {
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  type LambdaClient,
  UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import type { WorkerControl, WorkerMapping } from "../core/ports.ts";
import { type Priority, priorityConcurrency } from "../tasks/lanes.ts";
import { type MappingIds, separatePriorities } from "./lane-environment.ts";

function toMapping(priority: Priority, configuration: EventSourceMappingConfiguration): WorkerMapping {
  const functionArn = configuration.FunctionArn ?? "";
  return {
    priority,
    functionName: functionArn.slice(functionArn.lastIndexOf(":") + 1),
    state: configuration.State ?? "Unknown",
    batchSize: configuration.BatchSize ?? 10,
    ...(configuration.ScalingConfig?.MaximumConcurrency === undefined
      ? {}
      : { maxConcurrency: configuration.ScalingConfig.MaximumConcurrency }),
  };
}

export function createLambdaWorkerControl(client: LambdaClient, mappingIds: MappingIds): WorkerControl {
  return {
    async get(lane) {
      return Promise.all(
        separatePriorities(mappingIds[lane]).map(async (priority) =>
          toMapping(
            priority,
            await client.send(new GetEventSourceMappingCommand({ UUID: mappingIds[lane][priority] })),
          ),
        ),
      );
    },
    async update(lane, change) {
      return Promise.all(
        separatePriorities(mappingIds[lane]).map(async (priority) => {
          const updated = await client.send(
            new UpdateEventSourceMappingCommand({
              UUID: mappingIds[lane][priority],
              ...(change.enabled === undefined ? {} : { Enabled: change.enabled }),
              ...(change.maxConcurrency === undefined
                ? {}
                : {
                    ScalingConfig: {
                      MaximumConcurrency: priorityConcurrency(change.maxConcurrency, priority),
                    },
                  }),
            }),
          );
          return toMapping(priority, updated);
        }),
      );
    },
  };
}
