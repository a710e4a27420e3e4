/**
 * `claw-tasks logs [--lane L | --function F] [--task ID] [--follow] [--since 10m] [--json]
 * [--file PATH | --stage S]`: the functions' logs, as `docker-compose logs -f
 * celery-worker` showed Celery's.
 *
 * Without --stage it reads the local runtime's log, which `npm start` writes
 * raw to .local/functions.log (`[function name] line`; found from the
 * current directory upwards, or --file / CLAW_TASKS_LOG_FILE). With --stage
 * it reads the stage's CloudWatch Logs (the functions' log groups) with the
 * caller's AWS credentials, through the app package's AWS SDK
 * (aws-inspection.ts, loaded only then). Lines are shown readable (one line
 * per record, as `npm start` prints them); --json prints each record as it
 * was logged, with its function.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { isLane, type Lane, laneNames } from "../../../functions/tasks/lanes.ts";
import { formatLogLine, functionLabel } from "../../../local/log-format.ts";
import { localLogFile } from "./local-runtime-files.ts";

interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export const logsUsage = `claw-tasks logs [--lane LANE | --function NAME] [--task ID] [--follow] [--since 10m|ISO]
                [--json] [--file PATH | --stage STAGE]
  The functions' logs: the local runtime's (.local/functions.log, written by npm start)
  or, with --stage, the stage's CloudWatch Logs. --since defaults to 10m; s, m, h, d.`;

/** A record's source: a function's short name (`LaneDefaultWorker`, `ApiHandler`), or the runtime's own. */
function labelOf(functionName: string): string {
  const dash = functionName.lastIndexOf("-");
  return dash < 0 ? functionName : functionLabel(functionName, functionName.slice(0, dash));
}

/** `ai_high_priority` -> `LaneAiHighPriorityWorker`, the worker's construct path (lib/constructs/lane.ts). */
export function laneWorkerLabel(lane: Lane): string {
  const pascal = lane
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
  return `Lane${pascal}Worker`;
}

/** `10m`, `30s`, `2h`, `1d` before now, or an ISO date-time; epoch milliseconds. */
export function sinceOf(text: string, now: number): number {
  const relative = /^(\d+)(s|m|h|d)$/.exec(text);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as "s" | "m" | "h" | "d"];
    return now - Number(relative[1]) * unit;
  }
  const absolute = Date.parse(text);
  if (Number.isNaN(absolute))
    throw new Error(`--since: expected 10m, 30s, 2h, 1d or an ISO date-time, got ${text}`);
  return absolute;
}

interface Filter {
  readonly label?: (label: string) => boolean;
  readonly taskId?: string;
  readonly sinceMs: number;
}

/** One log record: where it came from, when (when it says), and the line as logged. */
interface LogRecord {
  readonly label: string;
  readonly functionName: string;
  readonly time: number | undefined;
  readonly line: string;
}

function parseRecord(raw: string): LogRecord | undefined {
  const match = /^\[([^\]]+)\] (.*)$/.exec(raw);
  if (!match) return undefined;
  const [, functionName, line] = match as unknown as [string, string, string];
  return { functionName, label: labelOf(functionName), time: timeOf(line), line };
}

function timeOf(line: string): number | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const record = JSON.parse(line) as { timestamp?: string | number; _aws?: { Timestamp?: number } };
    const value = record.timestamp ?? record._aws?.Timestamp;
    const time = value === undefined ? Number.NaN : new Date(value).getTime();
    return Number.isNaN(time) ? undefined : time;
  } catch {
    return undefined;
  }
}

function print(record: LogRecord, json: boolean, io: Io): void {
  if (!json) {
    io.stdout.write(`${formatLogLine(record.label, record.line)}\n`);
    return;
  }
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(record.line);
    body =
      parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { message: record.line };
  } catch {
    body = { message: record.line };
  }
  io.stdout.write(`${JSON.stringify({ function: record.functionName, ...body })}\n`);
}

/** Passes a record on when it matches; a line without a time of its own goes with the line before it. */
function recordFilter(filter: Filter) {
  let lastTime = 0;
  return (record: LogRecord): boolean => {
    const time = record.time ?? lastTime;
    lastTime = time;
    if (record.time !== undefined && time < filter.sinceMs) return false;
    if (record.time === undefined && lastTime !== 0 && lastTime < filter.sinceMs) return false;
    if (filter.label && !filter.label(record.label)) return false;
    if (filter.taskId && !record.line.includes(filter.taskId)) return false;
    return true;
  };
}

/** Reads the file from `offset`, line by line; resolves with the offset after the last whole line. */
async function readLines(file: string, offset: number, onLine: (line: string) => void): Promise<number> {
  let position = offset;
  let rest = "";
  for await (const chunk of createReadStream(file, { start: offset, encoding: "utf8" })) {
    const text = rest + (chunk as string);
    const lines = text.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      position += Buffer.byteLength(line, "utf8") + 1;
      if (line) onLine(line);
    }
  }
  return position;
}

async function followFile(file: string, follow: boolean, onLine: (line: string) => void): Promise<void> {
  let offset = await readLines(file, 0, onLine);
  while (follow) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const size = existsSync(file) ? statSync(file).size : 0;
    // npm start empties the log when it starts again: read from the top.
    if (size < offset) offset = 0;
    if (size > offset) offset = await readLines(file, offset, onLine);
  }
}

/** Runs `claw-tasks logs ...args`; resolves with the exit code (with --follow, when the process is stopped). */
export async function runLogs(args: readonly string[], io: Io, cwd = process.cwd()): Promise<number> {
  let values: {
    lane?: string;
    function?: string;
    task?: string;
    follow?: boolean;
    since?: string;
    json?: boolean;
    file?: string;
    stage?: string;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        lane: { type: "string" },
        function: { type: "string" },
        task: { type: "string" },
        follow: { type: "boolean", short: "f" },
        since: { type: "string" },
        json: { type: "boolean" },
        file: { type: "string" },
        stage: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.lane && values.function) throw new Error("give --lane or --function, not both");
    if (values.lane && !isLane(values.lane))
      throw new Error(`--lane: unknown lane ${values.lane}; lanes: ${laneNames.join(", ")}`);
    if (values.file && values.stage) throw new Error("give --file or --stage, not both");
  } catch (error) {
    io.stderr.write(`claw-tasks: ${(error as Error).message}\n${logsUsage}\n`);
    return 2;
  }
  try {
    const wanted = values.lane
      ? laneWorkerLabel(values.lane as Lane)
      : values.function
        ? values.function.toLowerCase()
        : undefined;
    const filter: Filter = {
      sinceMs: sinceOf(values.since ?? "10m", Date.now()),
      ...(wanted === undefined
        ? {}
        : {
            label: values.lane
              ? (label: string) => label === wanted
              : (label: string) => label.toLowerCase().includes(wanted),
          }),
      ...(values.task ? { taskId: values.task } : {}),
    };
    const json = values.json ?? false;
    const passes = recordFilter(filter);

    if (values.stage) {
      const { stageLogGroups, readStageLogEvents } = await import("./aws-inspection.ts");
      const groups = (await stageLogGroups(values.stage)).filter(
        (group) => !filter.label || filter.label(group.label),
      );
      if (groups.length === 0) throw new Error(`no function log group of stage ${values.stage} matches`);
      await readStageLogEvents(groups, filter.sinceMs, values.follow ?? false, (event) => {
        const record = {
          label: event.label,
          functionName: event.label,
          time: event.timestamp,
          line: event.message.trimEnd(),
        };
        if (passes(record)) print(record, json, io);
      });
      return 0;
    }

    const file = localLogFile(values.file ?? io.env.CLAW_TASKS_LOG_FILE, cwd);
    await followFile(file, values.follow ?? false, (raw) => {
      const record = parseRecord(raw);
      if (record && passes(record)) print(record, json, io);
    });
    return 0;
  } catch (error) {
    io.stderr.write(`claw-tasks: logs: ${(error as Error).message}\n`);
    return 1;
  }
}
