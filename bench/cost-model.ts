/**
 * Cost per million tasks on AWS, from what one benchmark window measured:
 * the AWS requests counted by the request log (functions/adapters/aws-request-log.ts),
 * the functions' invocations and billed milliseconds, and their log output,
 * priced with the dated list prices of bench/prices.json.
 */
import type { AwsRequestRecord } from "../functions/adapters/aws-request-log.ts";
import type { FunctionReport } from "./claw-system.ts";

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
  readonly whatIf: readonly { readonly change: string; readonly perMillionTasks: number }[];
  readonly alternatives: readonly {
    readonly name: string;
    readonly perMillionTasks: number;
    readonly basis: string;
  }[];
}

/**
 * The listing indexes whose keys a task update changes: claim and finish set
 * `statusShard`; `typeShard`, `allShard` and `createdKey` are only written when absent.
 */
const indexKeysChangedByUpdates = new Set(["byStatus"]);

const dynamoWrites = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);
const price = (prices: Prices, name: string) => {
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

export function costModel(
  records: readonly AwsRequestRecord[],
  functions: readonly FunctionReport[],
  tasks: number,
  prices: Prices,
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
  let unchangedKeyIndexWriteUnits = 0;
  let indexWriteUnits = 0;
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
        // Updates rewrite an index projecting ALL attributes even when its key does not change.
        if (record.operation === "UpdateItem" && !indexKeysChangedByUpdates.has(index)) {
          unchangedKeyIndexWriteUnits += units;
        }
        if (dynamoWrites.has(record.operation)) indexWriteUnits += units;
      }
      const units =
        table + Object.values(record.capacity?.indexes ?? {}).reduce((sum, value) => sum + value, 0);
      if (dynamoWrites.has(record.operation)) writeUnits += units;
      else readUnits += units;
    }
    groups.set(key, group);
  }

  const invocations = functions.reduce((sum, fn) => sum + fn.invocations, 0);
  const gbSeconds = functions.reduce(
    (sum, fn) => sum + (fn.billedMilliseconds / 1000) * (fn.memoryMb / 1024),
    0,
  );
  const logBytes = functions.reduce(
    (sum, fn) =>
      sum +
      fn.logBytes +
      fn.logLines * price(prices, "cloudwatchLogsEventOverheadBytes") +
      fn.invocations *
        (lambdaPlatformLogBytesPerInvocation +
          lambdaPlatformLogLinesPerInvocation * price(prices, "cloudwatchLogsEventOverheadBytes")),
    0,
  );
  const apiRequests = functions.find((fn) => !fn.lane)?.invocations ?? 0;
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
    line("Lambda duration (arm64)", gbSeconds, "GB-s", price(prices, "lambdaArm64PerGbSecond") * 1e6),
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
      "CloudWatch Logs ingestion",
      logBytes / 1024 ** 3,
      "GB",
      price(prices, "cloudwatchLogsIngestionPerGb") * 1e6,
    ),
  ];
  const perMillionTasks = lines.reduce((sum, entry) => sum + entry.perMillionTasks, 0);
  const writePrice = price(prices, "dynamodbOnDemandPerMillionWriteRequestUnits");

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
    whatIf: [
      {
        change:
          "listing indexes projected KEYS_ONLY (an update then writes an index only when its key changes: byStatus, not byType/byCreated)",
        perMillionTasks: perMillionTasks - (unchangedKeyIndexWriteUnits / tasks) * writePrice,
      },
      {
        change: "no listing indexes at all (table writes only)",
        perMillionTasks: perMillionTasks - (indexWriteUnits / tasks) * writePrice,
      },
    ],
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

/** `api` or `worker:<lane>` for a function name, so the table reads by role. */
function functionRole(functionName: string, functions: readonly FunctionReport[]): string {
  const fn = functions.find((candidate) => candidate.functionName === functionName);
  if (!fn) return functionName;
  return fn.lane ? `worker:${fn.lane}` : "api";
}
