/**
 * Cost per million tasks on AWS, from what one benchmark window measured:
 * the AWS requests counted by the request log (functions/adapters/aws-request-log.ts),
 * the functions' invocations and their log output, the API's access log lines
 * and the task records' stored size, priced with the dated list prices of
 * bench/prices.json. Lambda duration is modelled for AWS (see
 * `lambdaDurationModel`), not taken from this machine's emulators.
 */
import type { AwsRequestRecord } from "../functions/adapters/aws-request-log.ts";
import { apiAccessLogFormat } from "../lib/constructs/api.ts";
import type { FunctionReport, StorageReport } from "./claw-system.ts";

interface Price {
  readonly value: number;
  readonly source: string;
}

export interface Prices {
  readonly recorded: string;
  readonly region: string;
  readonly caveat: string;
  readonly aws: Record<string, Price>;
  readonly alternatives: Record<string, Price>;
}

/** Lambda's own START, END and REPORT lines per invocation (an estimate of their size). */
export const lambdaPlatformLogBytesPerInvocation = 300;
export const lambdaPlatformLogLinesPerInvocation = 3;

/**
 * Lambda's platform lines of one successful invocation, by the function's
 * system log level as the template sets it (LoggingConfig.SystemLogLevel;
 * INFO when absent): START, END and REPORT are INFO lines, which WARN drops.
 */
export function platformLogOf(systemLogLevel: string): { bytes: number; lines: number } {
  return systemLogLevel === "WARN"
    ? { bytes: 0, lines: 0 }
    : { bytes: lambdaPlatformLogBytesPerInvocation, lines: lambdaPlatformLogLinesPerInvocation };
}

/**
 * Lambda duration on AWS, modelled per invocation as CPU time plus the AWS
 * round trips it waited for in a row:
 *
 * - Round trips: the invocation's own requests from the request log, the
 *   longest chain of them that did not overlap (bench/round-trips.ts), each
 *   costing the assumed in-region latency of its service below. DynamoDB
 *   promises single-digit milliseconds for item reads and writes (5 ms taken);
 *   SQS SendMessage / DeleteMessage take ~10 ms in-region; EventBridge
 *   Scheduler's control-plane calls and S3 PUTs ~25-30 ms. Warm connections
 *   (the SDK keeps them alive) are assumed: no TLS handshake per request.
 * - CPU: a warm handler parses a small event, validates it with zod, signs each
 *   request (SigV4) and writes a few JSON log lines: about 1.5 ms on one full
 *   vCPU. Lambda allocates CPU in proportion to memory (one vCPU at 1,769 MB),
 *   so a function with less memory takes that much longer.
 * - Billing rounds each invocation up to the next millisecond.
 *
 * This machine's emulator latencies (a Java DynamoDB and the sandboxes on two
 * shared cores) are reported beside it but not priced.
 */
export const lambdaDurationModel = {
  latencyMsByService: { DynamoDB: 5, SQS: 10, Scheduler: 30, S3: 25, Lambda: 20, SNS: 15 } as Record<
    string,
    number
  >,
  /** Any other service. */
  defaultLatencyMs: 20,
  cpuMsPerInvocationAtOneVcpu: 1.5,
  memoryMbPerVcpu: 1769,
} as const;

/** Assumed latency of one request of `service` on AWS (lambdaDurationModel). */
export const assumedLatencyMs = (service: string) =>
  lambdaDurationModel.latencyMsByService[service] ?? lambdaDurationModel.defaultLatencyMs;

/** Modelled billed milliseconds of one invocation of a function with `memoryMb`, given its AWS requests. */
export function modelledInvocationMs(
  requests: readonly Pick<AwsRequestRecord, "service" | "startedAt" | "endedAt">[],
  memoryMb: number,
): number {
  // The longest chain of non-overlapping requests by assumed latency (not by count): requests that
  // overlapped cost the slowest of them, so the chain picks the heavier one.
  const byEnd = [...requests].sort((a, b) => a.endedAt - b.endedAt);
  const best: number[] = [];
  for (const [index, request] of byEnd.entries()) {
    let before = 0;
    for (let earlier = 0; earlier < index; earlier++) {
      if (byEnd[earlier]!.endedAt <= request.startedAt) before = Math.max(before, best[earlier]!);
    }
    best.push(before + assumedLatencyMs(request.service));
  }
  const waited = Math.max(0, ...best);
  const cpu =
    lambdaDurationModel.cpuMsPerInvocationAtOneVcpu *
    Math.max(1, lambdaDurationModel.memoryMbPerVcpu / memoryMb);
  return Math.ceil(cpu + waited);
}

/**
 * Bytes of one API access log line: the stack's format (lib/constructs/api.ts)
 * with typical values (an HTTP API request id, an IPv4 address, the CLF time,
 * the submit route, a 3-digit status and latency, no integration error).
 */
export function accessLogLineBytes(): number {
  const typical: Record<string, string> = {
    "$context.requestId": "c3b1nZ8oIAMEVvA=",
    "$context.identity.sourceIp": "203.0.113.77",
    "$context.requestTime": "30/Nov/2026:05:41:07 +0000",
    "$context.routeKey": "POST /v1/tasks",
    "$context.status": "202",
    "$context.responseLatency": "28",
    "$context.integrationErrorMessage": "-",
  };
  const line = JSON.stringify(
    Object.fromEntries(
      Object.entries(apiAccessLogFormat).map(([key, value]) => [key, typical[value] ?? value]),
    ),
  );
  return Buffer.byteLength(line);
}

export interface CostLine {
  readonly item: string;
  /** Billed units per task (requests, GB-s, request units, GB); the price is per million of them. */
  readonly perTask: number;
  readonly unit: string;
  readonly perMillionTasks: number;
}

export interface RequestCount {
  readonly source: string;
  readonly service: string;
  readonly operation: string;
  readonly perTask: number;
  /** DynamoDB capacity units per task: table and each index. */
  readonly tableUnits?: number;
  readonly indexUnits?: Record<string, number>;
}

export interface CostModel {
  readonly tasks: number;
  readonly requests: readonly RequestCount[];
  readonly lines: readonly CostLine[];
  readonly perMillionTasks: number;
  /** Idle SQS polls (empty receives) in the window: a fixed cost of having lanes, not a cost per task. */
  readonly emptyReceives: number;
  /** Lambda duration per function: modelled for AWS (priced) and as this machine's sandboxes measured it (not priced). */
  readonly duration: readonly {
    readonly role: string;
    readonly memoryMb: number;
    readonly invocationsPerTask: number;
    readonly modelledMsPerInvocation: number;
    readonly emulatorMsPerInvocation: number;
  }[];
  readonly accessLogLineBytes: number;
  /** Stored bytes per task record (attributes + 100 B overhead) and the days it is kept. */
  readonly storage: { readonly bytesPerTask: number; readonly days: number };
  readonly alternatives: readonly {
    readonly name: string;
    readonly perMillionTasks: number;
    readonly basis: string;
  }[];
}

const dynamoWrites = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
export const price = (prices: Prices, name: string) => {
  const found = prices.aws[name] ?? prices.alternatives[name];
  if (!found) throw new Error(`bench/prices.json has no ${name}`);
  return found.value;
};

function tableUnitsOf(record: AwsRequestRecord): number {
  if (record.capacity) {
    const indexTotal = Object.values(record.capacity.indexes).reduce((sum, units) => sum + units, 0);
    return record.capacity.total - indexTotal;
  }
  // A failed conditional write still consumes a write unit; a failed read is not billed.
  return record.error === "ConditionalCheckFailedException" && dynamoWrites.has(record.operation) ? 1 : 0;
}

/** Days a finished record stays stored: its result TTL plus up to 48 h before TTL deletes it. */
const ttlDeletionLagDays = 2;
const daysPerMonth = 30.4;

export function costModel(
  records: readonly AwsRequestRecord[],
  functions: readonly FunctionReport[],
  tasks: number,
  prices: Prices,
  storage: StorageReport,
): CostModel {
  const groups = new Map<
    string,
    { record: AwsRequestRecord; count: number; table: number; indexes: Record<string, number> }
  >();
  let sqsUnits = 0;
  let s3Writes = 0;
  let s3Reads = 0;
  let emptyReceives = 0;
  let writeUnits = 0;
  let readUnits = 0;
  for (const record of records) {
    if (record.operation === "ReceiveMessage" && record.messages === 0) {
      emptyReceives++;
      continue;
    }
    // A poll cut short by the runtime stopping is not a request AWS would make.
    if (record.error === "AbortError") continue;
    const source =
      record.source === "event-source-mapping" ? record.source : functionRole(record.source, functions);
    const key = `${source}|${record.service}|${record.operation}`;
    const group = groups.get(key) ?? { record: { ...record, source }, count: 0, table: 0, indexes: {} };
    group.count++;
    if (record.service === "SQS")
      sqsUnits += Math.max(1, Math.ceil(record.requestBytes / price(prices, "sqsBilledChunkBytes")));
    if (record.service === "S3") {
      if (/^(Put|Copy|List|CreateMultipart|UploadPart|CompleteMultipart)/.test(record.operation)) s3Writes++;
      else s3Reads++;
    }
    if (record.service === "DynamoDB") {
      const table = tableUnitsOf(record);
      group.table += table;
      for (const [index, units] of Object.entries(record.capacity?.indexes ?? {})) {
        group.indexes[index] = (group.indexes[index] ?? 0) + units;
      }
      const units =
        table + Object.values(record.capacity?.indexes ?? {}).reduce((sum, value) => sum + value, 0);
      if (dynamoWrites.has(record.operation)) writeUnits += units;
      else readUnits += units;
    }
    groups.set(key, group);
  }

  const invocations = functions.reduce((sum, fn) => sum + fn.invocations, 0);
  const byInvocation = new Map<string, AwsRequestRecord[]>();
  for (const record of records) {
    if (!record.invocation || record.error === "AbortError") continue;
    const list = byInvocation.get(record.invocation) ?? [];
    list.push(record);
    byInvocation.set(record.invocation, list);
  }
  const duration = functions
    .filter((fn) => fn.invocations > 0)
    .map((fn) => {
      const seen = [...byInvocation.values()].filter((list) => list[0]!.source === fn.functionName);
      // Invocations that sent no AWS request cost their CPU time only.
      const modelled =
        seen.reduce((sum, list) => sum + modelledInvocationMs(list, fn.memoryMb), 0) +
        Math.max(0, fn.invocations - seen.length) * modelledInvocationMs([], fn.memoryMb);
      return {
        role: fn.role,
        memoryMb: fn.memoryMb,
        invocationsPerTask: fn.invocations / tasks,
        modelledMsPerInvocation: modelled / fn.invocations,
        emulatorMsPerInvocation: fn.billedMilliseconds / fn.invocations,
      };
    });
  const gbSeconds = duration.reduce(
    (sum, fn) =>
      sum + ((fn.invocationsPerTask * tasks * fn.modelledMsPerInvocation) / 1000) * (fn.memoryMb / 1024),
    0,
  );
  const accessLineBytes = accessLogLineBytes();
  const storageDays = storage.resultTtlDays + ttlDeletionLagDays;
  const bytesPerTask = storage.taskItems > 0 ? storage.taskItemBytes / storage.taskItems : 0;
  const logBytes = functions.reduce((sum, fn) => {
    const platform = platformLogOf(fn.systemLogLevel);
    return (
      sum +
      fn.logBytes +
      fn.logLines * price(prices, "cloudwatchLogsEventOverheadBytes") +
      fn.invocations * (platform.bytes + platform.lines * price(prices, "cloudwatchLogsEventOverheadBytes"))
    );
  }, 0);
  const apiRequests = functions.find((fn) => fn.role === "api")?.invocations ?? 0;
  const accessLogBytes = apiRequests * (accessLineBytes + price(prices, "cloudwatchLogsEventOverheadBytes"));
  const line = (item: string, total: number, unit: string, unitPrice: number): CostLine => ({
    item,
    perTask: total / tasks,
    unit,
    perMillionTasks: (total / tasks) * unitPrice,
  });
  const lines: CostLine[] = [
    line(
      "API Gateway HTTP API requests",
      apiRequests,
      "requests",
      price(prices, "apiGatewayHttpApiPerMillionRequests"),
    ),
    line("Lambda requests", invocations, "requests", price(prices, "lambdaRequestsPerMillion")),
    line(
      "Lambda duration (arm64, modelled for AWS)",
      gbSeconds,
      "GB-s",
      price(prices, "lambdaArm64PerGbSecond") * 1e6,
    ),
    line("SQS requests (64 KB chunks)", sqsUnits, "requests", price(prices, "sqsStandardPerMillionRequests")),
    line("DynamoDB writes", writeUnits, "WRU", price(prices, "dynamodbOnDemandPerMillionWriteRequestUnits")),
    line("DynamoDB reads", readUnits, "RRU", price(prices, "dynamodbOnDemandPerMillionReadRequestUnits")),
    line(
      "S3 PUT/LIST requests (payload offload)",
      s3Writes,
      "requests",
      price(prices, "s3StandardPerMillionPutRequests"),
    ),
    line("S3 GET requests", s3Reads, "requests", price(prices, "s3StandardPerMillionGetRequests")),
    line(
      "CloudWatch Logs ingestion (function logs)",
      logBytes / 1024 ** 3,
      "GB",
      price(prices, "cloudwatchLogsIngestionPerGb") * 1e6,
    ),
    line(
      "CloudWatch Logs ingestion (API access logs)",
      accessLogBytes / 1024 ** 3,
      "GB",
      price(prices, "cloudwatchLogsIngestionPerGb") * 1e6,
    ),
    line(
      `DynamoDB storage (task record, ${storageDays} days)`,
      ((tasks * bytesPerTask) / 1024 ** 3) * (storageDays / daysPerMonth),
      "GB-month",
      price(prices, "dynamodbStoragePerGbMonth") * 1e6,
    ),
  ];
  const perMillionTasks = lines.reduce((sum, entry) => sum + entry.perMillionTasks, 0);

  const requests: RequestCount[] = [...groups.values()].map(({ record, count, table, indexes }) => ({
    source: record.source,
    service: record.service,
    operation: record.operation,
    perTask: count / tasks,
    ...(record.service === "DynamoDB"
      ? {
          tableUnits: table / tasks,
          indexUnits: Object.fromEntries(
            Object.entries(indexes).map(([name, units]) => [name, units / tasks]),
          ),
        }
      : {}),
  }));

  const expressGbSeconds = 0.1 * (64 / 1024);
  return {
    tasks,
    requests,
    lines,
    perMillionTasks,
    emptyReceives,
    duration,
    accessLogLineBytes: accessLineBytes,
    storage: { bytesPerTask, days: storageDays },
    alternatives: [
      {
        name: "AWS Step Functions Standard",
        perMillionTasks: price(prices, "stepFunctionsStandardPerMillionStateTransitions"),
        basis:
          "orchestration alone, one state transition per task (a one-Task-state workflow); the task's own Lambda and API are extra",
      },
      {
        name: "AWS Step Functions Express",
        perMillionTasks:
          price(prices, "stepFunctionsExpressPerMillionRequests") +
          expressGbSeconds * price(prices, "stepFunctionsExpressPerGbSecond") * 1e6,
        basis:
          "orchestration alone: one request plus the 100 ms / 64 MB minimum duration; no durable task record; Lambda and API extra",
      },
      {
        name: "Trigger.dev Cloud",
        perMillionTasks:
          price(prices, "triggerDevPerRun") * 1e6 +
          0.1 * price(prices, "triggerDevMicroMachinePerSecond") * 1e6,
        basis: "one run plus 100 ms on the micro machine (unverified list price)",
      },
      {
        name: "Inngest",
        perMillionTasks: price(prices, "inngestPerMillionExecutions"),
        basis:
          "one execution per task beyond the plan's included ones (unverified list price); your own compute is extra",
      },
    ],
  };
}

/** `api`, `worker:<lane>` or `counters` for a function name, so the table reads by role. */
function functionRole(functionName: string, functions: readonly FunctionReport[]): string {
  return functions.find((candidate) => candidate.functionName === functionName)?.role ?? functionName;
}
