/**
 * One local execution environment of a function: a worker thread with the
 * function's own environment (process.env is per thread), which imports the
 * bundled handler once and then serves invocations one at a time, as a
 * Lambda sandbox does.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";

export interface SandboxData {
  readonly modulePath: string;
  readonly handlerName: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
}

export type SandboxRequest = { readonly id: number; readonly event: unknown; readonly deadline: number };
export type SandboxReply =
  | { readonly kind: "ready" }
  | { readonly kind: "init-error"; readonly error: InvocationError }
  | { readonly kind: "result"; readonly id: number; readonly result: unknown }
  | { readonly kind: "error"; readonly id: number; readonly error: InvocationError };

export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: string[];
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

function describe(error: unknown): InvocationError {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      stackTrace: error.stack?.split("\n").slice(1, 8),
    };
  }
  return { errorType: "Error", errorMessage: String(error) };
}

/** An X-Ray trace header as Lambda sets it when tracing is off: a new Root per invocation, not sampled. */
function traceHeader(): string {
  const epochHex = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epochHex}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=0`;
}

const port = parentPort;
if (port) {
  const data = workerData as SandboxData;
  if (process.env.NODE_OPTIONS?.includes("--enable-source-maps")) process.setSourceMapsEnabled(true);
  try {
    const module = (await import(pathToFileURL(data.modulePath).href)) as Record<string, unknown>;
    const handler = module[data.handlerName];
    if (typeof handler !== "function") {
      throw Object.assign(new Error(`${data.modulePath} does not export ${data.handlerName}`), {
        name: "Runtime.HandlerNotFound",
      });
    }
    port.on("message", async (request: SandboxRequest) => {
      // Lambda sets a fresh trace header per invocation (sampled or not); the SDK and the AWS
      // request log (functions/adapters/aws-request-log.ts) read it from the environment.
      process.env._X_AMZN_TRACE_ID = traceHeader();
      const context = {
        functionName: data.functionName,
        functionVersion: "$LATEST",
        invokedFunctionArn: data.functionArn,
        memoryLimitInMB: String(data.memoryMb),
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/${data.functionName}`,
        logStreamName: "local",
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
      };
      try {
        const result = await (handler as Handler)(request.event, context);
        // Lambda returns the JSON serialisation of the result.
        const serialised = result === undefined ? null : JSON.parse(JSON.stringify(result));
        port.postMessage({ kind: "result", id: request.id, result: serialised } satisfies SandboxReply);
      } catch (error) {
        port.postMessage({ kind: "error", id: request.id, error: describe(error) } satisfies SandboxReply);
      }
    });
    port.postMessage({ kind: "ready" } satisfies SandboxReply);
  } catch (error) {
    port.postMessage({ kind: "init-error", error: describe(error) } satisfies SandboxReply);
  }
}
