#!/usr/bin/env node
/**
 * `claw-tasks`: the command line for claw-tasks, on the typed client.
 *
 * URL and key come from CLAW_TASKS_API_URL / CLAW_TASKS_API_KEY, or from a
 * JSON config file `{"url", "apiKey"}` (CLAW_TASKS_CONFIG, default
 * ~/.config/claw-tasks/config.json); the environment wins. `--json` prints
 * machine-readable output, errors included. Exit codes: see `exitCodes`.
 */
import "./require-node.ts";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import {
  age,
  describeTask,
  describeWorkflow,
  ProgressLine,
  table,
  taskColumns,
  taskRow,
  workflowColumns,
  workflowCountsText,
  workflowNodeColumns,
  workflowNodeRow,
  workflowRow,
} from "./cli-output.ts";
import { doctorUsage, runDoctor } from "./doctor-command.ts";
import {
  ClawTasksApiError,
  ClawTasksClient,
  ClawTasksConnectionError,
  ClawTasksError,
  ClawTasksTimeoutError,
  ClawTasksWorkflowTimeoutError,
  type Lane,
  type ScheduleDefinition,
  type SubmitOptions,
  type Task,
  type TaskType,
  type Workflow,
  type WorkflowCanvas,
  type WorkflowNode,
  type WorkflowOptions,
  type WorkflowStatus,
} from "./index.ts";
import { logsUsage, runLogs } from "./logs-command.ts";

/** The exit codes, as documented in the package's README and `claw-tasks --help`. */
export const exitCodes = {
  /** Done (for --wait: the task, or the workflow, succeeded). */
  ok: 0,
  /** The API refused the request, or did not answer. */
  apiError: 1,
  /** Bad usage or configuration (including a Node.js older than 24). */
  usage: 2,
  /** The task ended without succeeding (failed, cancelled, expired), or the workflow did (failed, cancelled). */
  taskUnsuccessful: 3,
  /** Gave up waiting (--timeout). */
  timeout: 4,
} as const;

class UsageError extends Error {}

/** The package's version, from its package.json (one level above both src/cli.ts and dist/cli.js). */
function version(): string {
  return (
    JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
}

/** Each command's help, `claw-tasks COMMAND --help`; the first line is its synopsis. */
const commandHelp: Readonly<Record<string, string>> = {
  submit: `claw-tasks submit TYPE [options]
Submit a task of TYPE; prints its id (--json: the task).
  --input, -i JSON|@FILE|-    the task's input (inline JSON, a file, or stdin)
  --priority, -p high|normal|low
  --delay SECONDS             run it this much later (up to 365 days)
  --run-at ISO                run it at this time
  --expires-at ISO            never run it after this time
  --max-attempts N            attempts in all (up to 20)
  --tag KEY=VALUE             a tag (repeatable)
  --callback-url URL          a signed webhook when it ends
  --idempotency-key KEY       the same key and body within 24 h return the same task
                              (default: a random key, so the client's own retries never make two tasks)
  --wait, -w [--timeout S]    show its progress until it ends; exit 3 unless it succeeded, 4 on timeout`,
  status: `claw-tasks status ID
Show one task (--json: the task object).`,
  wait: `claw-tasks wait ID [--timeout SECONDS]
Show a task's progress until it ends; exit 3 unless it succeeded, 4 on timeout.`,
  ls: `claw-tasks ls [--status S] [--type T] [--tag KEY:VALUE] [--limit N]
List tasks, newest first (default 20).`,
  cancel: `claw-tasks cancel ID
Cancel a task: a waiting one at once, a running one through its AbortSignal.`,
  retry: `claw-tasks retry ID [--wait [--timeout SECONDS]]
Queue a failed, cancelled or expired task again under its id.`,
  watch: `claw-tasks watch [--status S] [--type T] [--tag KEY:VALUE] [--limit N] [--interval MS] [--count N]
A live table of tasks and lane depths (Ctrl-C stops; --count N stops after N rounds).`,
  stats: `claw-tasks stats
Counts by status and lane depths.`,
  schedules: `claw-tasks schedules ls | create | rm | enable | disable
Dynamic schedules:
  schedules ls
  schedules create NAME --expression 'rate(5 minutes)'|'cron(...)'|'at(...)' --type TYPE
                   [--input JSON|@FILE] [--priority P] [--timezone TZ] [--description TEXT] [--disabled]
  schedules rm|enable|disable NAME`,
  workers: `claw-tasks workers ls | pause | resume | set
Lane workers:
  workers ls
  workers pause|resume LANE
  workers set LANE --concurrency N`,
  workflow: `claw-tasks workflow submit | get | nodes | ls | wait | cancel
Workflows: chains, groups, chords, maps and DAGs of tasks (docs/workflows.md):
  workflow submit FILE|- [--idempotency-key KEY] [--wait [--timeout S]]
                  FILE (- for stdin): the body of POST /v1/workflows, {"workflow": canvas, "failurePolicy", ...},
                  or the canvas alone; prints the workflow's id (--json: the workflow)
  workflow get ID            status, node counts, result or error
  workflow nodes ID          every node in canvas order, with its task id
  workflow ls [--status running|succeeded|failed|cancelled] [--limit N]
  workflow wait ID [--timeout S]
  workflow cancel ID         cancels every node; nothing more is created
  --wait and wait: exit 3 unless the workflow succeeded, 4 on timeout`,
  logs: logsUsage,
  doctor: doctorUsage,
  version: `claw-tasks --version
Print the version of claw-tasks.`,
};

const usage = () => `claw-tasks ${version()}: submit and manage claw-tasks tasks

Usage: claw-tasks <command> [options]     claw-tasks <command> --help for its options

Commands
${Object.values(commandHelp)
  .map((help) => {
    const [synopsis = "", summary = ""] = help.split("\n");
    return `  ${synopsis
      .replace(/^claw-tasks /, "")
      .padEnd(34)
      .slice(0, 34)}  ${summary}`;
  })
  .join("\n")}

Options: --json (machine-readable output, errors as JSON on stderr), --help, --version
Configuration: CLAW_TASKS_API_URL and CLAW_TASKS_API_KEY, or a JSON file {"url", "apiKey"}
  at CLAW_TASKS_CONFIG (default ~/.config/claw-tasks/config.json).
Exit codes: ${exitCodes.ok} done, ${exitCodes.apiError} API error or no answer, ${exitCodes.usage} bad usage or configuration,
  ${exitCodes.taskUnsuccessful} the task ended without succeeding, ${exitCodes.timeout} gave up waiting.
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
      if (json) {
        printJson(io, error.task);
        writeJsonError(io, { code: "timeout", message: error.message, taskId: error.task.id });
      } else io.stderr.write(`claw-tasks: ${error.message}\n`);
      return exitCodes.timeout;
    }
    throw error;
  }
  line.done();
  if (json) printJson(io, task);
  else print(io, describeTask(task));
  return task.status === "succeeded" ? exitCodes.ok : exitCodes.taskUnsuccessful;
}

/** Shows the workflow's node counts on stderr until it ends; the exit code tells how it ended. */
async function waitForWorkflowAndReport(
  client: ClawTasksClient,
  id: string,
  json: boolean,
  timeoutSeconds: number | undefined,
  io: Io,
) {
  const line = new ProgressLine(io.stderr);
  let workflow: Workflow;
  try {
    workflow = await client.waitForWorkflow(id, {
      onProgress: (current) => line.show(`${current.id} ${current.status} ${workflowCountsText(current)}`),
      interval: 500,
      ...(timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds * 1000 }),
    });
  } catch (error) {
    line.done();
    if (error instanceof ClawTasksWorkflowTimeoutError) {
      if (json) {
        printJson(io, error.workflow);
        writeJsonError(io, { code: "timeout", message: error.message, workflowId: error.workflow.id });
      } else io.stderr.write(`claw-tasks: ${error.message}\n`);
      return exitCodes.timeout;
    }
    throw error;
  }
  line.done();
  if (json) printJson(io, workflow);
  else print(io, describeWorkflow(workflow));
  return workflow.status === "succeeded" ? exitCodes.ok : exitCodes.taskUnsuccessful;
}

/** A workflow file (or stdin, `-`): the whole `POST /v1/workflows` body, or the canvas alone. */
function readWorkflowFile(file: string): { canvas: WorkflowCanvas; options: WorkflowOptions } {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    throw new UsageError(`workflow submit: cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`workflow submit: ${file} is not valid JSON: ${text.slice(0, 80)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(`workflow submit: ${file} must hold a JSON object (a workflow body or a canvas)`);
  }
  // No canvas has a key "workflow", so the two forms cannot be mistaken for each other; the API checks the rest.
  if ("workflow" in parsed) {
    const { workflow, ...options } = parsed as { workflow: WorkflowCanvas } & WorkflowOptions;
    return { canvas: workflow, options };
  }
  return { canvas: parsed as WorkflowCanvas, options: {} };
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

const workflowCommands: Record<string, Command> = {
  async submit(args, client, io) {
    const { values, positionals } = parse(
      args,
      {
        "idempotency-key": { type: "string" },
        wait: { type: "boolean", short: "w" },
        timeout: { type: "string" },
      },
      ["FILE"],
    );
    const timeout = integerOption(values.timeout, "timeout", 1);
    const { canvas, options } = readWorkflowFile(positionals[0]!);
    const workflow = await client().submitWorkflow(canvas, {
      ...options,
      ...(values["idempotency-key"] ? { idempotencyKey: values["idempotency-key"] } : {}),
    });
    if (values.wait)
      return waitForWorkflowAndReport(client(), workflow.id, values.json ?? false, timeout, io);
    if (values.json) printJson(io, workflow);
    else print(io, workflow.id);
    return exitCodes.ok;
  },

  async get(args, client, io) {
    const { values, positionals } = parse(args, {}, ["ID"]);
    const workflow = await client().getWorkflow(positionals[0]!);
    if (values.json) printJson(io, workflow);
    else print(io, describeWorkflow(workflow));
    return exitCodes.ok;
  },

  async nodes(args, client, io) {
    const { values, positionals } = parse(args, {}, ["ID"]);
    const nodes: WorkflowNode[] = [];
    let cursor: string | undefined;
    do {
      const page = await client().listWorkflowNodes(positionals[0]!, {
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      nodes.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    if (values.json) printJson(io, nodes);
    else print(io, table(workflowNodeColumns, nodes.map(workflowNodeRow)));
    return exitCodes.ok;
  },

  async ls(args, client, io) {
    const { values } = parse(args, { status: { type: "string" }, limit: { type: "string" } }, []);
    const limit = integerOption(values.limit, "limit", 1) ?? 20;
    const workflows: Workflow[] = [];
    let cursor: string | undefined;
    do {
      const page = await client().listWorkflows({
        ...(values.status ? { status: values.status as WorkflowStatus } : {}),
        limit: Math.min(limit - workflows.length, 100),
        ...(cursor ? { cursor } : {}),
      });
      workflows.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && workflows.length < limit);
    workflows.splice(limit);
    if (values.json) printJson(io, workflows);
    else
      print(
        io,
        workflows.length === 0
          ? "no workflows"
          : table(
              workflowColumns,
              workflows.map((workflow) => workflowRow(workflow)),
            ),
      );
    return exitCodes.ok;
  },

  async wait(args, client, io) {
    const { values, positionals } = parse(args, { timeout: { type: "string" } }, ["ID"]);
    return waitForWorkflowAndReport(
      client(),
      positionals[0]!,
      values.json ?? false,
      integerOption(values.timeout, "timeout", 1),
      io,
    );
  },

  async cancel(args, client, io) {
    const { values, positionals } = parse(args, {}, ["ID"]);
    const workflow = await client().cancelWorkflow(positionals[0]!);
    if (values.json) printJson(io, workflow);
    else
      print(io, `${workflow.id} ${workflow.status === "cancelled" ? "cancelled" : `is ${workflow.status}`}`);
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
  workflow: subcommand("workflow", workflowCommands),
  logs: (args, _client, io) => runLogs(args, io),
  doctor: runDoctor,
};

/** An error under --json: one JSON line on stderr, `{"error": {code, message, ...}}`. */
function writeJsonError(io: Io, error: Record<string, unknown>): void {
  io.stderr.write(`${JSON.stringify({ error })}\n`);
}

function reportError(error: unknown, json: boolean, io: Io): number {
  if (error instanceof UsageError) {
    if (json) writeJsonError(io, { code: "usage", message: error.message });
    else io.stderr.write(`claw-tasks: ${error.message}\n(claw-tasks --help shows the commands)\n`);
    return exitCodes.usage;
  }
  if (error instanceof ClawTasksApiError) {
    if (json) {
      writeJsonError(io, {
        status: error.status,
        code: error.code,
        message: error.message,
        details: error.details,
      });
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
    const code = error instanceof ClawTasksConnectionError ? "no_answer" : "client_error";
    if (json) writeJsonError(io, { code, message: error.message });
    else io.stderr.write(`claw-tasks: ${error.message}\n`);
    return exitCodes.apiError;
  }
  // A bug of the command line itself: still one line (JSON under --json), with the stack for a report.
  const message = error instanceof Error ? error.message : String(error);
  if (json) writeJsonError(io, { code: "internal_error", message });
  else io.stderr.write(`claw-tasks: internal error: ${error instanceof Error ? error.stack : message}\n`);
  return exitCodes.apiError;
}

const isHelp = (arg: string | undefined) => arg === "--help" || arg === "-h" || arg === "help";

/** The help for `claw-tasks NAME [SUB] --help`, or the general usage. */
function helpFor(name: string | undefined): string {
  const help = name === undefined ? undefined : commandHelp[name];
  return help === undefined ? usage() : `${help}\n`;
}

/** Runs one command line; resolves with the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  const json = argv.includes("--json");
  if (name === "--version" || name === "-V" || name === "version") {
    if (json) io.stdout.write(`${JSON.stringify({ version: version() })}\n`);
    else io.stdout.write(`${version()}\n`);
    return exitCodes.ok;
  }
  if (name === undefined || isHelp(name)) {
    // `claw-tasks help submit` is `claw-tasks submit --help`.
    const text = helpFor(name === undefined ? undefined : args[0]);
    if (name === undefined) {
      if (json) writeJsonError(io, { code: "usage", message: "no command given" });
      else io.stderr.write(text);
      return exitCodes.usage;
    }
    io.stdout.write(text);
    return exitCodes.ok;
  }
  if (args.some(isHelp) && commandHelp[name] !== undefined) {
    io.stdout.write(helpFor(name));
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

/** The process's command line: runs argv and sets the exit code (the bin calls this). */
export async function main(): Promise<void> {
  process.on("SIGINT", () => {
    if (process.stderr.isTTY) process.stderr.write("\n");
    process.exit(130);
  });
  process.exitCode = await runCli(process.argv.slice(2), process);
}

if (import.meta.main) await main();
