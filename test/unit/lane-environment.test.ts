/**
 * Unit tier: what the functions read about the lanes from their environment,
 * on a stage with a queue per priority and on one (dev) whose lanes share one
 * queue: a priority without its own variables uses the normal queue's.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  laneQueueArnsFromEnv,
  laneQueueUrlsFromEnv,
  mappingIdsFromEnv,
  separatePriorities,
} from "../../functions/adapters/lane-environment.ts";
import {
  laneMappingIdVariable,
  laneQueueArnVariable,
  laneQueueUrlVariable,
} from "../../functions/tasks/lanes.ts";

afterEach(() => vi.unstubAllEnvs());

describe("lane environment", () => {
  it("reads a queue per priority where the stage has them", () => {
    for (const priority of ["high", "normal", "low"] as const) {
      vi.stubEnv(laneQueueUrlVariable("default", priority), `https://sqs/q-${priority}`);
      vi.stubEnv(laneMappingIdVariable("default", priority), `m-${priority}`);
    }
    const urls = laneQueueUrlsFromEnv(["default"]);
    expect(urls.queues.default).toEqual({
      high: "https://sqs/q-high",
      normal: "https://sqs/q-normal",
      low: "https://sqs/q-low",
    });
    expect(separatePriorities(urls.queues.default!)).toEqual(["high", "normal", "low"]);
    expect(separatePriorities(mappingIdsFromEnv(["default"]).default)).toEqual(["high", "normal", "low"]);
  });

  it("sends every priority to the one shared queue, and counts it (and its mapping) once", () => {
    vi.stubEnv(laneQueueUrlVariable("default", "normal"), "https://sqs/shared");
    vi.stubEnv(laneQueueArnVariable("default", "normal"), "arn:aws:sqs:eu-west-1:1:shared");
    vi.stubEnv(laneMappingIdVariable("default", "normal"), "m-shared");
    const queues = laneQueueUrlsFromEnv(["default"]).queues.default!;
    expect(queues).toEqual({
      high: "https://sqs/shared",
      normal: "https://sqs/shared",
      low: "https://sqs/shared",
    });
    expect(separatePriorities(queues)).toEqual(["normal"]);
    expect(laneQueueArnsFromEnv(["default"]).default.high).toBe("arn:aws:sqs:eu-west-1:1:shared");
    expect(separatePriorities(mappingIdsFromEnv(["default"]).default)).toEqual(["normal"]);
  });

  it("still requires the normal queue, naming its variable", () => {
    vi.stubEnv(laneQueueUrlVariable("default", "normal"), "");
    expect(() => laneQueueUrlsFromEnv(["default"])).toThrow(laneQueueUrlVariable("default", "normal"));
  });
});
