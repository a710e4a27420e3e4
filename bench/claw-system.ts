/**
 * Child process: claw-tasks' local runtime (the synthesized template on the
 * embedded emulators), optionally with a delaying proxy between the
 * functions and the emulators and with the AWS request log on.
 * Requests: `set-delay` {ms}, `usage`, `cold-start` {samples}, `fill-counters`,
 * `storage`, `stop`.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDynamoTaskCounters } from "../functions/adapters/dynamodb-task-counters.ts";
import { defaultNamespace, taskPartitionPrefix } from "../functions/adapters/task-item-layout.ts";
import { generateApiKey } from "../functions/core/authenticate.ts";
import { taskStatuses } from "../functions/core/task.ts";
import { taskTypes } from "../functions/tasks/catalog.ts";
import { startLocalRuntime } from "../local/runtime.ts";
import { failToParent, serveParent } from "./child-system.ts";
import { type DelayProxy, startDelayProxy } from "./delay-proxy.ts";

export interface ClawSystemConfig {
  /** Put a delay proxy in front of each emulator, for the functions only. */
  readonly delayProxy?: boolean;
  /** File for the AWS request log (functions and event-source pollers). */
  readonly awsRequestLog?: string;
  /** Extra environment for every function (the delayed-task count shortens the delay hop with it). */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
}

export interface ClawSystemInfo {
  readonly url: string;
  readonly apiKey: string;
}

export interface FunctionReport {
  readonly logicalId: string;
  readonly functionName: string;
  /** `api`, `worker:<lane>`, `counters`, or the logical id for any other function. */
  readonly role: string;
  readonly lane?: string;
  readonly memoryMb: number;
  /** Lambda's system log level from the template: below WARN, START, END and REPORT lines per invocation. */
  readonly systemLogLevel: string;
  readonly invocations: number;
  readonly billedMilliseconds: number;
  /** Log lines the function wrote, and their bytes (what CloudWatch Logs ingests, besides Lambda's own lines). */
  readonly logLines: number;
  readonly logBytes: number;
}

/** The task table's items as stored (DynamoDB's item-size rules), for the storage cost. */
export interface StorageReport {
  readonly taskItems: number;
  readonly taskItemBytes: number;
  readonly otherItems: number;
  readonly otherItemBytes: number;
  /** RESULT_TTL_DAYS of the API function: how long a finished record is kept. */
  readonly resultTtlDays: number;
}

export interface ColdStartReport {
  readonly logicalId: string;
  readonly functionName: string;
  /** The entry and the chunks it imports statically: what module init parses. */
  readonly bundleBytes: number;
  /** Every chunk of the asset, the lazily loaded SDK clients and task types included (no source maps). */
  readonly assetBytes: number;
  readonly sourceMapBytes: number;
  /** With the function's environment as deployed (NODE_OPTIONS=--enable-source-maps). */
  readonly initMs: readonly number[];
  /** The same without NODE_OPTIONS, to show what source-map support costs at start. */
  readonly initMsWithoutSourceMaps: readonly number[];
}

/** A static import or re-export of a sibling chunk in esbuild's minified ESM (`import("...")` is not one). */
const staticChunkImport =
  /(?:import|export)\s*(?:\{[^}]*\}|\*\s*as\s*[\w$]+|[\w$]+(?:\s*,\s*\{[^}]*\})?)?\s*(?:from)?\s*"(\.{1,2}\/[^"]+\.mjs)"/g;

/** Bytes a cold start parses (the entry and its static chunk imports, transitively) and of the whole asset. */
function bundleSizes(modulePath: string) {
  const loaded = new Set<string>();
  const pending = [modulePath];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (loaded.has(file)) continue;
    loaded.add(file);
    for (const [, chunk] of readFileSync(file, "utf8").matchAll(staticChunkImport)) {
      pending.push(path.resolve(path.dirname(file), chunk!));
    }
  }
  const assetDir = path.dirname(modulePath);
  const files = readdirSync(assetDir, { recursive: true, encoding: "utf8" }).filter((file) =>
    file.endsWith(".mjs"),
  );
  const size = (file: string) => statSync(file).size;
  return {
    bundleBytes: [...loaded].reduce((sum, file) => sum + size(file), 0),
    assetBytes: files.reduce((sum, file) => sum + size(path.join(assetDir, file)), 0),
  };
}

const config = JSON.parse(process.argv[2] ?? "{}") as ClawSystemConfig;

/** DynamoDB's size of one attribute value (developer guide, "Item sizes"), in bytes. */
function valueBytes(value: Record<string, unknown>): number {
  const [kind, inner] = Object.entries(value)[0] ?? ["NULL", true];
  switch (kind) {
    case "S":
      return Buffer.byteLength(inner as string);
    case "N":
      return Math.ceil(String(inner).replace(/^-|\.|^0+/g, "").length / 2) + 1;
    case "B":
      return (inner as Uint8Array).byteLength;
    case "BOOL":
    case "NULL":
      return 1;
    case "SS":
    case "NS":
    case "BS":
      return (inner as unknown[]).reduce<number>(
        (sum, member) => sum + valueBytes({ [kind.slice(0, 1)]: member }),
        0,
      );
    case "L":
      return (
        3 + (inner as Record<string, unknown>[]).reduce((sum, member) => sum + 1 + valueBytes(member), 0)
      );
    case "M":
      return (
        3 + itemBytes(inner as Record<string, Record<string, unknown>>) + Object.keys(inner as object).length
      );
    default:
      return 0;
  }
}

const itemBytes = (item: Record<string, Record<string, unknown>>) =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);

/** DynamoDB bills 100 bytes of overhead per stored item besides its attributes. */
const storedItemOverheadBytes = 100;
const logs = new Map<string, { lines: number; bytes: number }>();
const proxies: DelayProxy[] = [];

async function measureInit(
  environment: Readonly<Record<string, string>>,
  modulePath: string,
  handler: string,
) {
  const script = path.join(import.meta.dirname, "measure-init.ts");
  const { stdout } = await promisify(execFile)(process.execPath, [script, modulePath, handler], {
    env: { ...environment },
  });
  return (JSON.parse(stdout) as { initMs: number }).initMs;
}

try {
  const runtime = await startLocalRuntime({
    port: 0,
    apiKey: generateApiKey(),
    logSink: (name, line) => {
      const counted = logs.get(name) ?? { lines: 0, bytes: 0 };
      logs.set(name, { lines: counted.lines + 1, bytes: counted.bytes + Buffer.byteLength(line) });
    },
    ...(config.awsRequestLog ? { awsRequestLog: config.awsRequestLog } : {}),
    ...(config.functionEnvironment ? { functionEnvironment: config.functionEnvironment } : {}),
    ...(config.delayProxy
      ? {
          functionEndpoints: async (emulators) => {
            const [sqs, dynamodb] = await Promise.all([
              startDelayProxy(emulators.sqs),
              startDelayProxy(emulators.dynamodb),
            ]);
            proxies.push(sqs, dynamodb);
            return { sqs: sqs.url, dynamodb: dynamodb.url };
          },
        }
      : {}),
  });
  const functions = [...runtime.functions.values()];
  const taskTable = runtime.outputs.TaskTableName;
  if (!taskTable) throw new Error("the template has no TaskTableName output");
  const dynamodb = new DynamoDBClient({
    region: runtime.region,
    credentials: runtime.credentials,
    endpoint: runtime.endpoints.dynamodb,
  });
  const roleOf = (fn: (typeof functions)[number]) => {
    const lane = fn.spec.environment.LANE;
    if (lane) return `worker:${lane}`;
    if (fn.spec.logicalId.startsWith("ApiHandler")) return "api";
    if (fn.spec.logicalId.startsWith("CountersHandler")) return "counters";
    if (fn.spec.logicalId.startsWith("WorkflowsHandler")) return "workflows";
    return fn.spec.logicalId;
  };
  serveParent(
    { url: runtime.url, apiKey: runtime.apiKey } satisfies ClawSystemInfo,
    {
      "set-delay": async (payload) => {
        if (proxies.length === 0) throw new Error("started without the delay proxy");
        for (const proxy of proxies) proxy.delayMs = (payload as { ms: number }).ms;
        return null;
      },
      usage: async () =>
        functions.map(
          (fn): FunctionReport => ({
            logicalId: fn.spec.logicalId,
            functionName: fn.spec.functionName,
            role: roleOf(fn),
            ...(fn.spec.environment.LANE ? { lane: fn.spec.environment.LANE } : {}),
            memoryMb: fn.spec.memoryMb,
            systemLogLevel: fn.spec.systemLogLevel,
            ...fn.usage,
            logLines: logs.get(fn.spec.functionName)?.lines ?? 0,
            logBytes: logs.get(fn.spec.functionName)?.bytes ?? 0,
          }),
        ),
      // Every type x status counter present, as on a table that has run for a while: the counters
      // function's writes are priced at the size they reach, not at the size of a new table's.
      "fill-counters": async () => {
        const counters = createDynamoTaskCounters(DynamoDBDocumentClient.from(dynamodb), taskTable);
        const at = new Date().toISOString();
        await counters.apply(
          taskTypes.flatMap((type) =>
            taskStatuses.map((status) => ({
              namespace: defaultNamespace,
              type,
              after: status,
              at,
              sequence: `bench-fill-${type}-${status}-${Date.now()}`,
            })),
          ),
        );
        return null;
      },
      storage: async (): Promise<StorageReport> => {
        const report = { taskItems: 0, taskItemBytes: 0, otherItems: 0, otherItemBytes: 0 };
        let ExclusiveStartKey: Record<string, never> | undefined;
        do {
          const page = await dynamodb.send(new ScanCommand({ TableName: taskTable, ExclusiveStartKey }));
          for (const item of page.Items ?? []) {
            const bytes = itemBytes(item as never) + storedItemOverheadBytes;
            if (item.pk?.S?.startsWith(taskPartitionPrefix)) {
              report.taskItems++;
              report.taskItemBytes += bytes;
            } else {
              report.otherItems++;
              report.otherItemBytes += bytes;
            }
          }
          ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
        } while (ExclusiveStartKey);
        const api = functions.find((fn) => roleOf(fn) === "api");
        return { ...report, resultTtlDays: Number(api?.spec.environment.RESULT_TTL_DAYS ?? 7) };
      },
      // Sequential fresh processes, so samples do not compete with each other for the CPU.
      "cold-start": async (payload) => {
        const samples = (payload as { samples: number }).samples;
        const reports: ColdStartReport[] = [];
        for (const fn of functions) {
          const { NODE_OPTIONS: _, ...withoutSourceMaps } = fn.spec.environment;
          const initMs: number[] = [];
          const initMsWithoutSourceMaps: number[] = [];
          // One import first, not counted: it brings the bundle and the SDK into the page cache.
          await measureInit(fn.spec.environment, fn.spec.modulePath, fn.spec.handlerName);
          for (let sample = 0; sample < samples; sample++) {
            initMs.push(await measureInit(fn.spec.environment, fn.spec.modulePath, fn.spec.handlerName));
            initMsWithoutSourceMaps.push(
              await measureInit(withoutSourceMaps, fn.spec.modulePath, fn.spec.handlerName),
            );
          }
          reports.push({
            logicalId: fn.spec.logicalId,
            functionName: fn.spec.functionName,
            ...bundleSizes(fn.spec.modulePath),
            sourceMapBytes: statSync(`${fn.spec.modulePath}.map`, { throwIfNoEntry: false })?.size ?? 0,
            initMs,
            initMsWithoutSourceMaps,
          });
        }
        return reports;
      },
    },
    async () => {
      dynamodb.destroy();
      await runtime.stop();
      await Promise.all(proxies.map((proxy) => proxy.stop()));
    },
  );
} catch (error) {
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  failToParent(error as Error);
}
