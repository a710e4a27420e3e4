/**
 * Unit tier: the handlers' observability middleware as the API wires it:
 * every log line of a request carries API Gateway's request id as
 * `correlation_id`, and the first invocation of a process (only the first)
 * publishes Powertools' `ColdStart` metric.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// Lambda sets this for on-demand functions (the local runtime does too); Powertools reads it at construction.
process.env.AWS_LAMBDA_INITIALIZATION_TYPE = "on-demand";
const { apiGatewayRequestIdPath, logger } = await import("../../functions/adapters/logger.ts");
const { coldStartMetric } = await import("../../functions/adapters/metrics.ts");

let lines: string[];
beforeEach(() => {
  lines = [];
  // Powertools writes log lines and EMF blobs to stdout; read them there.
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const context = { functionName: "claw-tasks-api", awsRequestId: "lambda-request" } as Context;
const event = (requestId: string) => ({ requestContext: { requestId }, rawPath: "/v1/health" });

describe("API observability", () => {
  it("logs each request with its API Gateway request id and counts only the first, cold, invocation", async () => {
    // Prepare: the middleware stack of functions/api/handler.ts around a handler that logs.
    const handler = middy(async () => {
      logger.info("handled");
      return { statusCode: 200 };
    })
      .use(injectLambdaContext(logger, { correlationIdPath: apiGatewayRequestIdPath }))
      .use(coldStartMetric());

    // Act
    await handler(event("req-1"), context);
    await handler(event("req-2"), context);

    // Assess
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const logged = records.filter((record) => record.message === "handled");
    expect(logged.map((record) => record.correlation_id)).toEqual(["req-1", "req-2"]);
    // Each line names its invocation, but not what the log group already says (ingestion is billed by the byte).
    expect(logged[0]).toMatchObject({ level: "INFO", function_request_id: context.awsRequestId });
    for (const key of ["function_arn", "function_name", "function_memory_size", "sampling_rate", "service"]) {
      expect(logged[0]).not.toHaveProperty(key);
    }
    expect(logged[0]).not.toHaveProperty("xray_trace_id");
    const coldStarts = records.filter((record) => "ColdStart" in record);
    expect(coldStarts).toHaveLength(1);
    expect(coldStarts[0]).toMatchObject({
      ColdStart: 1,
      function_name: "claw-tasks-api",
      service: "claw-tasks",
    });
  });
});
