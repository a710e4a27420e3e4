/**
 * Benchmark instrumentation: with CLAW_TASKS_AWS_REQUEST_LOG set to a file
 * path, every AWS request an SDK client sends (each retry included, as AWS
 * bills them) is appended to that file as one JSON line. `npm run bench`
 * counts them per task and prices them. DynamoDB requests ask for
 * ReturnConsumedCapacity INDEXES, so the line carries the capacity units the
 * request consumed on the table and on each index.
 *
 * Each line also carries when the request started and ended (epoch ms, sub-ms
 * precision) and the Lambda invocation that sent it (the Root of the trace
 * header Lambda sets per invocation in `_X_AMZN_TRACE_ID`; the local sandbox
 * sets it the same way), so the bench can count the sequential round trips of
 * one invocation: the longest chain of its requests that did not overlap.
 *
 * Off unless the variable is set: no middleware is added, nothing changes.
 */
import { appendFileSync } from "node:fs";
import type { MiddlewareStack } from "@smithy/types";

export const awsRequestLogVariable = "CLAW_TASKS_AWS_REQUEST_LOG";

interface ConsumedCapacity {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Record<string, { readonly CapacityUnits?: number }>;
}

/** One line of the request log. */
export interface AwsRequestRecord {
  /** Who sent it: the function name, or the local runtime's event-source mapping. */
  readonly source: string;
  /** SDK client name without "Client": `DynamoDB`, `SQS`. */
  readonly service: string;
  /** Operation name: `PutItem`, `SendMessage`. */
  readonly operation: string;
  /** Size of the HTTP request body (SQS bills every started 64 KB as a request). */
  readonly requestBytes: number;
  /** DynamoDB: capacity units consumed, in total and per global secondary index. */
  readonly capacity?: { readonly total: number; readonly indexes: Record<string, number> };
  /** SQS ReceiveMessage: how many messages came back. */
  readonly messages?: number;
  /** The error the request ended with, if any. */
  readonly error?: string;
  /** Epoch milliseconds (fractional) when this attempt was handed to the HTTP handler, and when it came back. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The Lambda invocation that sent it (trace Root); absent for the runtime's own pollers. */
  readonly invocation?: string;
}

/** Wall clock with sub-millisecond precision, comparable across threads of one process. */
const now = () => performance.timeOrigin + performance.now();

/** The invocation the current code runs in: Lambda (and the local sandbox) set the trace header per invocation. */
function currentInvocation(): string | undefined {
  const header = process.env._X_AMZN_TRACE_ID;
  if (!header) return undefined;
  return /Root=([^;]+)/.exec(header)?.[1] ?? header;
}

function capacityOf(consumed: unknown): AwsRequestRecord["capacity"] {
  if (consumed === undefined) return undefined;
  const entries = (Array.isArray(consumed) ? consumed : [consumed]) as ConsumedCapacity[];
  const indexes: Record<string, number> = {};
  let total = 0;
  for (const entry of entries) {
    total += entry.CapacityUnits ?? 0;
    for (const [name, index] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) {
      indexes[name] = (indexes[name] ?? 0) + (index.CapacityUnits ?? 0);
    }
  }
  return { total, indexes };
}

function bodyBytes(request: unknown): number {
  const body = (request as { body?: unknown } | undefined)?.body;
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return 0;
}

/** Adds the request log to a client's middleware stack (DynamoDB, document client or SQS). */
export function logAwsRequests<Input extends object, Output extends object>(
  stack: MiddlewareStack<Input, Output>,
  file: string,
  source: string,
): void {
  stack.add(
    (next, context) => async (args) => {
      if (context.clientName === "DynamoDBClient") {
        const input = args.input as { ReturnConsumedCapacity?: string };
        input.ReturnConsumedCapacity ??= "INDEXES";
      }
      return next(args);
    },
    { step: "initialize", name: "clawAskConsumedCapacity" },
  );
  // Low priority in finalizeRequest: inside the retry middleware, so each attempt is one line.
  stack.add(
    (next, context) => async (args) => {
      const invocation = currentInvocation();
      const base = {
        source,
        ...(invocation ? { invocation } : {}),
        service: (context.clientName ?? "unknown").replace(/Client$/, ""),
        operation: (context.commandName ?? "unknown").replace(/Command$/, ""),
        requestBytes: bodyBytes(args.request),
        startedAt: now(),
      };
      try {
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: unknown; Messages?: unknown[] };
        const capacity = capacityOf(output.ConsumedCapacity);
        const record: AwsRequestRecord = {
          ...base,
          endedAt: now(),
          ...(capacity ? { capacity } : {}),
          ...(base.operation === "ReceiveMessage" ? { messages: output.Messages?.length ?? 0 } : {}),
        };
        appendFileSync(file, `${JSON.stringify(record)}\n`);
        return result;
      } catch (error) {
        const record: AwsRequestRecord = { ...base, endedAt: now(), error: (error as Error).name };
        appendFileSync(file, `${JSON.stringify(record)}\n`);
        throw error;
      }
    },
    { step: "finalizeRequest", name: "clawLogAwsRequest", priority: "low" },
  );
}
