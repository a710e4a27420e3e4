#!/usr/bin/env node
/**
 * `claw-tasks`: the command line for claw-tasks, on the typed client.
 *
 * URL and key come from CLAW_TASKS_API_URL / CLAW_TASKS_API_KEY, or from a
 * JSON config file `{"url", "apiKey"}` (CLAW_TASKS_CONFIG, default
 * ~/.config/claw-tasks/config.json); the environment wins. `--json` prints
 * machine-readable output. Exit codes: 0 done, 1 the API refused or could
 * not be reached, 2 bad usage or configuration, 3 the task ended without
 * succeeding, 4 gave up waiting (--timeout).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { age, describeTask, ProgressLine, table, taskColumns, taskRow } from "./cli-output.ts";
import { doctorUsage, runDoctor } from "./doctor-command.ts";
import {
  ClawTasksApiError,
  ClawTasksClient,
  ClawTasksError,
  ClawTasksTimeoutError,
  type Lane,
  type ScheduleDefinition,
  type SubmitOptions,
  type Task,
  type TaskType,
} from "./index.ts";
import { logsUsage, runLogs } from "./logs-command.ts";

export const exitCodes = { ok: 0, apiError: 1, usage: 2, taskUnsuccessful: 3, timeout: 4 } as const;

class UsageError extends Error {}

const usage = `claw-tasks: submit and manage claw-tasks tasks

Usage: claw-tasks <command> [options]

Tasks
  submit TYPE [--input JSON|@FILE|-] [--priority high|normal|low] [--delay SECONDS]
              [--run-at ISO] [--expires-at ISO] [--max-attempts N] [--tag KEY=VALUE]...
              [--callback-url URL] [--idempotency-key KEY] [--wait [--timeout SECONDS]]
  status ID                 one task
  wait ID [--timeout S]     show its progress until it ends
  ls [--status S] [--type T] [--tag KEY:VALUE] [--limit N]
  cancel ID
  retry ID [--wait]
  watch [--status S] [--type T] [--limit N] [--interval MS] [--count N]   live table
  stats                     counts and lane depths

Schedules
  schedules ls
  schedules create NAME --expression 'rate(5 minutes)'|'cron(...)'|'at(...)' --type TYPE
                   [--input JSON|@FILE] [--priority P] [--timezone TZ] [--description TEXT] [--disabled]
  schedules rm|enable|disable NAME

Workers
  workers ls
  workers pause|resume LANE
  workers set LANE --concurrency N

Operations
  ${logsUsage.replaceAll("\n", "\n  ")}
  ${doctorUsage.replaceAll("\n", "\n  ")}

Options: --json (machine-readable output), --help
Configuration: CLAW_TASKS_API_URL and CLAW_TASKS_API_KEY, or a JSON file {"url", "apiKey"}
  at CLAW_TASKS_CONFIG (default ~/.config/claw-tasks/config.json).
Exit codes: 0 done, 1 API error or no answer, 2 bad usage or configuration,
  3 the task ended without succeeding, 4 gave up waiting.
`;

interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

interface Config {
  readonly url: string;
  readonly apiKey: string;
}

function loadConfig(env: NodeJS.ProcessEnv): Config {
  const file =
    env.CLAW_TASKS_CONFIG ??
    path.join(env.XDG_CONFIG_HOME ?? path.join(homedir(), ".config"), "claw-tasks", "config.json");
  let fromFile: Partial<Config> = {};
  try {
    fromFile = JSON.parse(readFileSync(file, "utf8")) as Partial<Config>;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    if (!missing || env.CLAW_TASKS_CONFIG) {
      throw new UsageError(`cannot read the config file ${file}: ${(error as Error).message}`);
    }
  }
  const url = env.CLAW_TASKS_API_URL || fromFile.url;
  const apiKey = env.CLAW_TASKS_API_KEY || fromFile.apiKey;
  if (!url || !apiKey) {
    throw new UsageError(
      `no API ${url ? "key" : "URL"}: set CLAW_TASKS_API_URL and CLAW_TASKS_API_KEY, or write {"url", "apiKey"} to ${file}`,
    );
  }
  return { url, apiKey };
}

type Options = NonNullable<ParseArgsConfig["options"]>;
const jsonOption: Options = { json: { type: "boolean" }, help: { type: "boolean", short: "h" } };

function parse<O extends Options>(args: string[], options: O, positionals: readonly string[]) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args,
      options: { ...jsonOption, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionals.length && !(parsed.values as { help?: boolean }).help) {
    throw new UsageError(
      positionals.length === 0
        ? `unexpected argument ${parsed.positionals[0]}`
        : `expected ${positionals.join(" ")}${parsed.positionals.length > positionals.length ? `, got also ${parsed.positionals.slice(positionals.length).join(" ")}` : ""}`,
    );
  }
  return parsed as typeof parsed & { values: { json?: boolean; help?: boolean } };
}

function integerOption(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min)
    throw new UsageError(`--${name}: expected an integer ≥ ${min}`);
  return number;
}

function readInput(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  let text = value;
  if (value === "-") text = readFileSync(0, "utf8");
  else if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch (error) {
      throw new UsageError(`--input: cannot read ${value.slice(1)}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--input: not valid JSON: ${text.slice(0, 80)}`);
  }
}

function tagsOf(values: string[] | undefined): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  return Object.fromEntries(
    values.map((tag) => {
      const at = tag.indexOf("=");
      if (at < 1) throw new UsageError(`--tag: expected KEY=VALUE, got ${tag}`);
      return [tag.slice(0, at), tag.slice(at + 1)];
    }),
  );
}

const print = (io: Io, text: string) => io.stdout.write(`${text}\n`);
const printJson = (io: Io, value: unknown) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Shows the task's progress on stderr until it ends; the exit code tells how it ended. */
async function waitAndReport(
  client: ClawTasksClient,
  id: string,
  json: boolean,
  timeoutSeconds: number | undefined,
  io: Io,
) {
  const line = new ProgressLine(io.stderr);
  let task: Task;
  try {
    task = await client.wait(id, {
      onProgress: (current) => line.update(current),
      interval: 250,
      ...(timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds * 1000 }),
    });
  } catch (error) {
    line.done();
    if (error instanceof ClawTasksTimeoutError) {
      if (json) printJson(io, error.task);
      io.stderr.write(`claw-tasks: ${error.message}\n`);
      return exitCodes.timeout;
    }
    throw error;
  }
  line.done();
  if (json) printJson(io, task);
  else print(io, describeTask(task));
  return task.status === "succeeded" ? exitCodes.ok : exitCodes.taskUnsuccessful;
}

type Command = (args: string[], client: () => ClawTasksClient, io: Io) => Promise<number>;

const taskCommands: Record<string, Command> = {
  async submit(args, client, io) {
    const { values, positionals } = parse(
      args,
      {
        input: { type: "string", short: "i" },
        priority: { type: "string", short: "p" },
        delay: { type: "string" },
        "run-at": { type: "string" },
        "expires-at": { type: "string" },
        "max-attempts": { type: "string" },
        tag: { type: "string", multiple: true },
        "callback-url": { type: "string" },
        "idempotency-key": { type: "string" },
        wait: { type: "boolean", short: "w" },
        timeout: { type: "string" },
      },
      ["TYPE"],
    );
    const options: Record<string, unknown> = {
      priority: values.priority,
      delaySeconds: integerOption(values.delay, "delay"),
      runAt: values["run-at"],
      expiresAt: values["expires-at"],
      maxAttempts: integerOption(values["max-attempts"], "max-attempts", 1),
      tags: tagsOf(values.tag),
      callbackUrl: values["callback-url"],
      idempotencyKey: values["idempotency-key"],
    };
    for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
    const timeout = integerOption(values.timeout, "timeout", 1);
    const input = readInput(values.input);
    // The API checks the type and its input and names the field at fault.
    const task = await client().submit(positionals[0] as TaskType, input as never, options as SubmitOptions);
    if (values.wait) return waitAndReport(client(), task.id, values.json ?? false, timeout, io);
    if (values.json) printJson(io, task);
    else print(io, task.id);
    return exitCodes.ok;
  },

  async status(args, client, io) {
    const { values, positionals } = parse(args, {}, ["ID"]);
    const task = await client().get(positionals[0]!);
    if (values.json) printJson(io, task);
    else print(io, describeTask(task));
    return exitCodes.ok;
  },

  async wait(args, client, io) {
    const { values, positionals } = parse(args, { timeout: { type: "string" } }, ["ID"]);
    return waitAndReport(
      client(),
      positionals[0]!,
      values.json ?? false,
      integerOption(values.timeout, "timeout", 1),
      io,
    );
  },

  async ls(args, client, io) {
    const { values } = parse(
      args,
      {
        status: { type: "string" },
        type: { type: "string" },
        tag: { type: "string" },
        limit: { type: "string" },
      },
      [],
    );
    const limit = integerOption(values.limit, "limit", 1) ?? 20;
    const tasks: Task[] = [];
    for await (const page of client().list({
      ...(values.status ? { status: values.status as Task["status"] } : {}),
      ...(values.type ? { type: values.type as TaskType } : {}),
      ...(values.tag ? { tag: values.tag } : {}),
      limit: Math.min(limit, 100),
    })) {
      tasks.push(...page.items);
      if (tasks.length >= limit) break;
    }
    tasks.splice(limit);
    if (values.json) printJson(io, tasks);
    else
      print(
        io,
        tasks.length === 0
          ? "no tasks"
          : table(
              taskColumns,
              tasks.map((task) => taskRow(task)),
            ),
      );
    return exitCodes.ok;
  },

  async cancel(args, client, io) {
    const { values, positionals } = parse(args, {}, ["ID"]);
    const task = await client().cancel(positionals[0]!);
    if (values.json) printJson(io, task);
    else
      print(
        io,
        task.status === "cancelled"
          ? `${task.id} cancelled`
          : `${task.id} is ${task.status}: cancel requested`,
      );
    return exitCodes.ok;
  },

  async retry(args, client, io) {
    const { values, positionals } = parse(
      args,
      { wait: { type: "boolean", short: "w" }, timeout: { type: "string" } },
      ["ID"],
    );
    const timeout = integerOption(values.timeout, "timeout", 1);
    const task = await client().retry(positionals[0]!);
    if (values.wait) return waitAndReport(client(), task.id, values.json ?? false, timeout, io);
    if (values.json) printJson(io, task);
    else print(io, `${task.id} ${task.status} again`);
    return exitCodes.ok;
  },

  async watch(args, client, io) {
    const { values } = parse(
      args,
      {
        status: { type: "string" },
        type: { type: "string" },
        tag: { type: "string" },
        limit: { type: "string" },
        interval: { type: "string" },
        count: { type: "string" },
      },
      [],
    );
    const limit = Math.min(integerOption(values.limit, "limit", 1) ?? 20, 100);
    const interval = integerOption(values.interval, "interval", 100) ?? 1000;
    const count = integerOption(values.count, "count", 1);
    const filter = {
      ...(values.status ? { status: values.status as Task["status"] } : {}),
      ...(values.type ? { type: values.type as TaskType } : {}),
      ...(values.tag ? { tag: values.tag } : {}),
      limit,
    };
    for (let round = 1; count === undefined || round <= count; round++) {
      const [page, stats] = await Promise.all([client().list(filter).next(), client().stats()]);
      const tasks = page.value?.items ?? [];
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ time: stats.time, byStatus: stats.byStatus, tasks })}\n`);
      } else {
        const counts = Object.entries(stats.byStatus)
          .map(([status, n]) => `${status} ${n}`)
          .join(" · ");
        const lanes = stats.lanes
          .map(
            (lane) =>
              `${lane.lane}: ${lane.visible} waiting, ${lane.inFlight} in flight, ${lane.deadLetters} DLQ`,
          )
          .join("\n");
        const screen = `claw-tasks ${stats.time}  (every ${interval} ms; Ctrl-C to stop)\n${counts}\n${lanes}\n\n${
          tasks.length === 0
            ? "no tasks"
            : table(
                taskColumns,
                tasks.map((task) => taskRow(task)),
              )
        }\n`;
        // A terminal gets the table redrawn in place; a pipe gets one table per round.
        io.stdout.write(io.stdout.isTTY ? `\x1b[H\x1b[2J${screen}` : `${screen}\n`);
      }
      if (count !== undefined && round >= count) break;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
    return exitCodes.ok;
  },

  async stats(args, client, io) {
    const { values } = parse(args, {}, []);
    const stats = await client().stats();
    if (values.json) {
      printJson(io, stats);
      return exitCodes.ok;
    }
    const statuses = Object.entries(stats.byStatus);
    print(
      io,
      [
        statuses.length === 0
          ? "no tasks yet"
          : table(
              ["STATUS", "TASKS"],
              statuses.map(([status, n]) => [status, String(n)]),
            ),
        "",
        table(
          ["LANE", "WAITING", "IN FLIGHT", "DELAYED", "DLQ"],
          stats.lanes.map((lane) => [
            lane.lane,
            String(lane.visible),
            String(lane.inFlight),
            String(lane.delayed),
            String(lane.deadLetters),
          ]),
        ),
      ].join("\n"),
    );
    return exitCodes.ok;
  },
};

const scheduleCommands: Record<string, Command> = {
  async ls(args, client, io) {
    const { values } = parse(args, {}, []);
    const schedules = await client().schedules.list();
    if (values.json) printJson(io, schedules);
    else
      print(
        io,
        schedules.length === 0
          ? "no schedules"
          : table(
              ["NAME", "EXPRESSION", "TIMEZONE", "TASK", "ENABLED", "NEXT"],
              schedules.map((schedule) => [
                schedule.name,
                schedule.expression,
                schedule.timezone,
                schedule.task.type,
                schedule.enabled ? "yes" : "no",
                age(schedule.nextFireTimes[0]),
              ]),
            ),
      );
    return exitCodes.ok;
  },

  async create(args, client, io) {
    const { values, positionals } = parse(
      args,
      {
        expression: { type: "string", short: "e" },
        type: { type: "string", short: "t" },
        input: { type: "string", short: "i" },
        priority: { type: "string", short: "p" },
        timezone: { type: "string" },
        description: { type: "string" },
        disabled: { type: "boolean" },
      },
      ["NAME"],
    );
    if (!values.expression) throw new UsageError("schedules create: --expression is required");
    if (!values.type) throw new UsageError("schedules create: --type is required");
    const input = readInput(values.input);
    const definition: ScheduleDefinition = {
      name: positionals[0]!,
      expression: values.expression,
      task: {
        type: values.type,
        ...(input === undefined ? {} : { input }),
        ...(values.priority ? { priority: values.priority as "high" | "normal" | "low" } : {}),
      },
      ...(values.timezone ? { timezone: values.timezone } : {}),
      ...(values.description ? { description: values.description } : {}),
      ...(values.disabled ? { enabled: false } : {}),
    };
    const schedule = await client().schedules.create(definition);
    if (values.json) printJson(io, schedule);
    else print(io, `${schedule.name} created; next: ${schedule.nextFireTimes[0] ?? "never"}`);
    return exitCodes.ok;
  },

  async rm(args, client, io) {
    const { values, positionals } = parse(args, {}, ["NAME"]);
    await client().schedules.delete(positionals[0]!);
    if (values.json) printJson(io, { deleted: positionals[0] });
    else print(io, `${positionals[0]} deleted`);
    return exitCodes.ok;
  },

  async enable(args, client, io) {
    const { values, positionals } = parse(args, {}, ["NAME"]);
    const schedule = await client().schedules.enable(positionals[0]!);
    if (values.json) printJson(io, schedule);
    else print(io, `${schedule.name} enabled; next: ${schedule.nextFireTimes[0] ?? "never"}`);
    return exitCodes.ok;
  },

  async disable(args, client, io) {
    const { values, positionals } = parse(args, {}, ["NAME"]);
    const schedule = await client().schedules.disable(positionals[0]!);
    if (values.json) printJson(io, schedule);
    else print(io, `${schedule.name} disabled`);
    return exitCodes.ok;
  },
};

const workerCommands: Record<string, Command> = {
  async ls(args, client, io) {
    const { values } = parse(args, {}, []);
    const workers = await client().workers.list();
    if (values.json) printJson(io, workers);
    else
      print(
        io,
        table(
          ["LANE", "ENABLED", "CONCURRENCY", "BACKLOG", "IN FLIGHT", "DLQ", "LAST ACTIVITY"],
          workers.map((worker) => [
            worker.lane,
            worker.enabled ? "yes" : "paused",
            String(worker.maxConcurrency ?? "-"),
            String(worker.backlog),
            String(worker.inFlight),
            String(worker.dlqDepth),
            age(worker.lastActivityAt ?? undefined),
          ]),
        ),
      );
    return exitCodes.ok;
  },

  async pause(args, client, io) {
    const { values, positionals } = parse(args, {}, ["LANE"]);
    const worker = await client().workers.pause(positionals[0] as Lane);
    if (values.json) printJson(io, worker);
    else print(io, `${worker.lane} paused`);
    return exitCodes.ok;
  },

  async resume(args, client, io) {
    const { values, positionals } = parse(args, {}, ["LANE"]);
    const worker = await client().workers.resume(positionals[0] as Lane);
    if (values.json) printJson(io, worker);
    else print(io, `${worker.lane} resumed`);
    return exitCodes.ok;
  },

  async set(args, client, io) {
    const { values, positionals } = parse(args, { concurrency: { type: "string", short: "c" } }, ["LANE"]);
    const concurrency = integerOption(values.concurrency, "concurrency", 1);
    if (concurrency === undefined) throw new UsageError("workers set: --concurrency is required");
    const worker = await client().workers.setConcurrency(positionals[0] as Lane, concurrency);
    if (values.json) printJson(io, worker);
    else print(io, `${worker.lane} max concurrency ${worker.maxConcurrency}`);
    return exitCodes.ok;
  },
};

function subcommand(group: string, commands: Record<string, Command>): Command {
  return (args, client, io) => {
    const [name, ...rest] = args;
    const command = name === undefined ? undefined : commands[name];
    if (!command) {
      throw new UsageError(
        `${group}: ${name === undefined ? "missing" : `unknown subcommand ${name};`} expected one of ${Object.keys(commands).join(", ")}`,
      );
    }
    return command(rest, client, io);
  };
}

const commands: Record<string, Command> = {
  ...taskCommands,
  schedules: subcommand("schedules", scheduleCommands),
  workers: subcommand("workers", workerCommands),
  logs: (args, _client, io) => runLogs(args, io),
  doctor: runDoctor,
};

function reportError(error: unknown, json: boolean, io: Io): number {
  if (error instanceof UsageError) {
    io.stderr.write(`claw-tasks: ${error.message}\n(claw-tasks --help shows the commands)\n`);
    return exitCodes.usage;
  }
  if (error instanceof ClawTasksApiError) {
    if (json) {
      io.stderr.write(
        `${JSON.stringify({ error: { status: error.status, code: error.code, message: error.message, details: error.details } })}\n`,
      );
    } else {
      // A validation error names each field on its own line; its message is the same list, cut at 5.
      const issues = error.issues.map((issue) => `\n  ${issue.path || "(body)"}: ${issue.message}`).join("");
      io.stderr.write(
        `claw-tasks: ${error.code} (${error.status}): ${issues ? "bad request" : error.message}${issues}\n`,
      );
    }
    return exitCodes.apiError;
  }
  if (error instanceof ClawTasksError) {
    io.stderr.write(`claw-tasks: ${error.message}\n`);
    return exitCodes.apiError;
  }
  throw error;
}

/** Runs one command line; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  const json = args.includes("--json");
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    if (name === undefined) {
      io.stderr.write(usage);
      return exitCodes.usage;
    }
    io.stdout.write(usage);
    return exitCodes.ok;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout.write(usage);
    return exitCodes.ok;
  }
  try {
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command ${name}`);
    let client: ClawTasksClient | undefined;
    return await command(
      [...args],
      () => {
        client ??= new ClawTasksClient(loadConfig(io.env));
        return client;
      },
      io,
    );
  } catch (error) {
    return reportError(error, json, io);
  }
}

if (import.meta.main) {
  process.on("SIGINT", () => {
    if (process.stderr.isTTY) process.stderr.write("\n");
    process.exit(130);
  });
  process.exitCode = await runCli(process.argv.slice(2), process);
}
