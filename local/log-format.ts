/**
 * Makes function output readable in a terminal: a Powertools JSON log line
 * becomes one compact line (time, level, function, message, correlation keys
 * and details), an EMF metrics blob becomes one `METRIC` line; anything else
 * is printed as it came. `npm start` prints through it; the integration tests
 * keep the raw lines in their log file.
 */

/** Keys every Powertools line carries that say nothing about the event itself. */
const quietKeys = new Set([
  "level",
  "message",
  "timestamp",
  "service",
  "sampling_rate",
  "xray_trace_id",
  "cold_start",
  "function_arn",
  "function_memory_size",
  "function_name",
  "function_request_id",
  "_aws",
]);
/** Correlation keys first, in this order. */
const leadingKeys = ["taskId", "lane", "taskType", "type"];

interface EmfMetadata {
  readonly CloudWatchMetrics?: readonly {
    readonly Dimensions?: readonly (readonly string[])[];
    readonly Metrics?: readonly { readonly Name: string; readonly Unit?: string }[];
  }[];
}

function parseObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function show(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

function clock(timestamp: unknown): string {
  const time =
    typeof timestamp === "string" || typeof timestamp === "number" ? new Date(timestamp) : new Date();
  return Number.isNaN(time.getTime())
    ? new Date().toISOString().slice(11, 23)
    : time.toISOString().slice(11, 23);
}

function pairs(record: Record<string, unknown>, skip: ReadonlySet<string>): string[] {
  const keys = Object.keys(record).filter((key) => !quietKeys.has(key) && !skip.has(key));
  keys.sort((a, b) => {
    const rank = (key: string) => (leadingKeys.includes(key) ? leadingKeys.indexOf(key) : leadingKeys.length);
    return rank(a) - rank(b);
  });
  return keys.map((key) => `${key}=${show(record[key])}`);
}

function formatMetrics(label: string, record: Record<string, unknown>, emf: EmfMetadata): string {
  const metrics = emf.CloudWatchMetrics?.flatMap((directive) => directive.Metrics ?? []) ?? [];
  const names = new Set(metrics.map((metric) => metric.Name));
  const values = metrics.map((metric) => {
    const unit = metric.Unit === "Milliseconds" ? "ms" : "";
    return `${metric.Name}=${show(record[metric.Name])}${unit}`;
  });
  const timestamp = (record._aws as { Timestamp?: number }).Timestamp;
  return [clock(timestamp), "METRIC", label, ...values, ...pairs(record, names)].join(" ");
}

function formatError(error: unknown): string[] {
  if (error === null || typeof error !== "object") return [`  error: ${show(error)}`];
  const { name, message, stack } = error as { name?: string; message?: string; stack?: string };
  const lines = [`  error: ${name ?? "Error"}: ${message ?? ""}`];
  if (stack)
    lines.push(
      ...stack
        .split("\n")
        .slice(1, 6)
        .map((frame) => `    ${frame.trim()}`),
    );
  return lines;
}

/** The compact rendering of one output line of function `label`. */
export function formatLogLine(label: string, line: string): string {
  const record = parseObject(line);
  if (!record) return `${label}  ${line}`;
  const emf = record._aws as EmfMetadata | undefined;
  if (emf?.CloudWatchMetrics) return formatMetrics(label, record, emf);
  if (typeof record.level !== "string" || typeof record.message !== "string") return `${label}  ${line}`;
  const head = [
    clock(record.timestamp),
    record.level.padEnd(5),
    label,
    record.message,
    ...pairs(record, new Set(["error"])),
  ].join(" ");
  return record.error === undefined ? head : [head, ...formatError(record.error)].join("\n");
}

/**
 * A short name for a function of the local stack: its logical id without
 * the stack name and CDK's hash suffix (`LaneDefaultWorker`, `ApiHandler`).
 */
export function functionLabel(functionName: string, stackName: string): string {
  const logicalId = functionName.startsWith(`${stackName}-`)
    ? functionName.slice(stackName.length + 1)
    : functionName;
  return logicalId.replace(/[0-9A-F]{8}$/, "");
}

/**
 * Lines to a stream, gathered and written once per turn of the event loop.
 * `process.stdout` to a file or pipe writes synchronously on Linux, so a
 * write per function log line would stall the main thread (the gateway, the
 * pollers and fauxqs run there) at every line; one write per turn does not.
 */
export function batchedLineWriter(stream: NodeJS.WritableStream): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    const text = pending.join("\n");
    pending = [];
    stream.write(`${text}\n`);
  };
  return (line) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(line);
  };
}
