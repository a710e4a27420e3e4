/**
 * Unit: the benchmark's counts from the request log (bench/round-trips.ts,
 * bench/cost-model.ts): sequential round trips per invocation, and the
 * modelled Lambda duration built on them.
 */
import { describe, expect, it } from "vitest";
import { lambdaDurationModel, modelledInvocationMs } from "../../bench/cost-model.ts";
import { longestSequentialChain, sequentialRoundTrips } from "../../bench/round-trips.ts";
import type { AwsRequestRecord } from "../../functions/adapters/aws-request-log.ts";

const request = (
  invocation: string,
  operation: string,
  startedAt: number,
  endedAt: number,
  service = "DynamoDB",
): AwsRequestRecord => ({
  source: "api",
  service,
  operation,
  requestBytes: 100,
  startedAt,
  endedAt,
  invocation,
});

describe("longestSequentialChain", () => {
  it("counts overlapping requests as one round trip", () => {
    expect(longestSequentialChain([request("a", "PutItem", 0, 10), request("a", "SendMessage", 2, 12)])).toBe(
      1,
    );
  });

  it("counts requests one after the other", () => {
    expect(
      longestSequentialChain([
        request("a", "GetItem", 0, 5),
        request("a", "PutItem", 5, 10),
        request("a", "SendMessage", 11, 20),
      ]),
    ).toBe(3);
  });

  it("finds the longest chain when a long request overlaps two short ones", () => {
    expect(
      longestSequentialChain([
        request("a", "Query", 0, 30),
        request("a", "GetItem", 1, 5),
        request("a", "PutItem", 6, 10),
      ]),
    ).toBe(2);
  });
});

describe("sequentialRoundTrips", () => {
  it("counts per invocation of one source and summarises", () => {
    const result = sequentialRoundTrips(
      [
        request("a", "PutItem", 0, 10),
        request("a", "SendMessage", 1, 9),
        request("b", "GetItem", 0, 5),
        request("b", "PutItem", 6, 10),
        request("c", "PutItem", 0, 3),
        { ...request("d", "UpdateItem", 0, 3), source: "worker" },
      ],
      "api",
    );
    expect(result.invocations).toBe(3);
    expect(result.histogram).toEqual({ 1: 2, 2: 1 });
    expect(result.median).toBe(1);
    expect(result.max).toBe(2);
    expect(result.requestsPerInvocation.PutItem).toBe(1);
  });

  it("refuses records without an invocation id", () => {
    const { invocation: _, ...anonymous } = request("a", "PutItem", 0, 1);
    expect(() => sequentialRoundTrips([anonymous], "api")).toThrow(/no invocation id/);
  });
});

describe("modelledInvocationMs", () => {
  it("adds the assumed latency of each sequential request to the CPU time scaled by memory", () => {
    const memoryMb = lambdaDurationModel.memoryMbPerVcpu;
    const cpu = lambdaDurationModel.cpuMsPerInvocationAtOneVcpu;
    const dynamo = lambdaDurationModel.latencyMsByService.DynamoDB!;
    const sqs = lambdaDurationModel.latencyMsByService.SQS!;
    // PutItem and SendMessage overlap: the longer-ending one is not waited for twice.
    expect(
      modelledInvocationMs(
        [
          request("a", "GetItem", 0, 5),
          request("a", "PutItem", 6, 10),
          request("a", "SendMessage", 12, 20, "SQS"),
        ],
        memoryMb,
      ),
    ).toBe(Math.ceil(cpu + 2 * dynamo + sqs));
    expect(modelledInvocationMs([], memoryMb / 4)).toBe(Math.ceil(cpu * 4));
    // Overlapping requests cost the slowest of them, whichever ended first here.
    expect(
      modelledInvocationMs(
        [request("a", "PutItem", 0, 9), request("a", "SendMessage", 1, 8, "SQS")],
        memoryMb,
      ),
    ).toBe(Math.ceil(cpu + Math.max(dynamo, sqs)));
  });
});
