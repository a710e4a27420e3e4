/**
 * Powertools Tracer (AWS X-Ray) for stages with `tracing` on (lib/stage-config.ts).
 *
 * ClawFunction bundles each function with CLAW_TASKS_TRACING defined as a
 * constant, so in a stage without tracing the branch below is dead code and
 * esbuild leaves the Tracer and the X-Ray SDK (some 130 KB minified) out of
 * the bundle: tracing costs nothing where it is off. Where it is on, the
 * function runs with Lambda's active tracing, and the middleware adds the
 * handler's subsegment, the cold-start and service annotations, and errors.
 */
import type { MiddlewareObj } from "@middy/core";

async function createTracingMiddleware(): Promise<MiddlewareObj> {
  const { Tracer } = await import("@aws-lambda-powertools/tracer");
  const { captureLambdaHandler } = await import("@aws-lambda-powertools/tracer/middleware");
  // Results can hold task data; keep them out of traces.
  return captureLambdaHandler(new Tracer({ serviceName: "claw-tasks" }), { captureResponse: false });
}

/** The Tracer's middy middleware, or undefined when the stage does not trace. */
export const tracingMiddleware: MiddlewareObj | undefined =
  process.env.CLAW_TASKS_TRACING === "true" ? await createTracingMiddleware() : undefined;
