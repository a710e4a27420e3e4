/**
 * `npm run bench`: claw-tasks measured on this machine, beside a BullMQ +
 * Redis baseline in the same run (issue #7). Not part of `npm test`.
 *
 *   1. end to end: HTTP submit -> no-op `echo` -> result recorded, both systems;
 *   2. round trips on the submit path, through a delaying proxy;
 *   3. cold start: bundle sizes and module initialisation times;
 *   4. AWS requests per task, priced per million tasks.
 *
 * Writes bench/results.json, bench/results.md and bench/chart.svg.
 * Loopback only; every loop is bounded in count and time.
 * Options: --quick (small counts, to try the bench), --tasks N, --rate N,
 * --allow-dirty (run on a work tree with uncommitted changes: the report then
 * says so at its top; without it the bench refuses, so results.md always names
 * a commit that exists and holds what was measured).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { AwsRequestRecord } from "../functions/adapters/aws-request-log.ts";
import { projectRoot } from "../local/synthesize.ts";
import type { BullmqSystemConfig, BullmqSystemInfo } from "./bullmq-system.ts";
import { type ChildSystem, startChildSystem } from "./child-system.ts";
import type {
  ClawSystemConfig,
  ClawSystemInfo,
  ColdStartReport,
  FunctionReport,
  StorageReport,
} from "./claw-system.ts";
import { costModel, type Prices } from "./cost-model.ts";
import { idleCostOfStages } from "./idle-cost.ts";
import {
  awaitCompletions,
  type PhaseResult,
  phaseResult,
  type SubmitRun,
  submitAtRate,
  submitClosedLoop,
  type Target,
} from "./load.ts";
import { startRedisServer } from "./redis-server.ts";
import { type BenchResults, type DelayedTaskResult, type RoundTripResult, writeResults } from "./report.ts";
import { sequentialRoundTrips } from "./round-trips.ts";
import { median } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    tasks: { type: "string" },
    rate: { type: "string" },
    "allow-dirty": { type: "boolean", default: false },
  },
});
const quick = args.quick ?? false;
const settings = {
  closedLoopTasks: Number(args.tasks ?? (quick ? 200 : 2000)),
  closedLoopConcurrency: 16,
  fixedRatePerSecond: Number(args.rate ?? 20),
  fixedRateTasks: quick ? 100 : 400,
  warmUpTasks: quick ? 20 : 100,
  bullmqConcurrency: 50,
  roundTripDelayMs: 50,
  roundTripSamples: quick ? 20 : 100,
  countTasks: quick ? 50 : 300,
  countConcurrency: 4,
  /**
   * The delayed-task count: the longest SQS delay in this run (MAX_SQS_DELAY_SECONDS); the two delays
   * beyond it are carried by one-time schedules, so what a longer delay adds is their difference.
   */
  delayHopSeconds: 1,
  shortDelaySeconds: 3,
  longDelaySeconds: 9,
  coldStartSamples: quick ? 2 : 5,
  /** The chord whose cost per child is set beside independent tasks (issue 17). */
  workflowChildren: 100,
  maxPhaseSeconds: 180,
};

const benchDir = new URL("./", import.meta.url);
const log = (line: string) => console.log(`[bench] ${line}`);
const warnings: string[] = [];
const started = Date.now();

async function endToEnd(target: Target, mode: "closed-loop" | "fixed-rate"): Promise<PhaseResult> {
  const run: SubmitRun =
    mode === "closed-loop"
      ? await submitClosedLoop(target, {
          count: settings.closedLoopTasks,
          concurrency: settings.closedLoopConcurrency,
          maxSeconds: settings.maxPhaseSeconds,
        })
      : await submitAtRate(target, {
          count: settings.fixedRateTasks,
          perSecond: settings.fixedRatePerSecond,
          maxSeconds: settings.maxPhaseSeconds,
        });
  if (run.failures > 0)
    warnings.push(`${target.name} ${mode}: ${run.failures} submits failed: ${run.firstError}`);
  const finished = await awaitCompletions(target, run.submitted, { maxSeconds: settings.maxPhaseSeconds });
  const result = phaseResult(target, mode, run, finished);
  if (result.succeeded < result.tasks) {
    warnings.push(
      `${target.name} ${mode}: ${result.tasks - result.succeeded} of ${result.tasks} tasks did not succeed in time`,
    );
  }
  log(
    `${target.name} ${mode}: ${result.succeeded}/${result.tasks} succeeded, ${result.throughput.toFixed(1)} tasks/s, ` +
      `submit p50 ${result.submitLatencyMs.p50.toFixed(1)} ms, end-to-end p50 ${result.endToEndMs.p50.toFixed(0)} ms`,
  );
  return result;
}

async function warmUp(target: Target): Promise<void> {
  const run = await submitClosedLoop(target, { count: settings.warmUpTasks, concurrency: 8, maxSeconds: 60 });
  await awaitCompletions(target, run.submitted, { maxSeconds: 60 });
}

/** Every function's invocations: workers, and the stream's counters and workflow functions too. */
const totalInvocations = (functions: readonly FunctionReport[]) =>
  functions.reduce((sum, fn) => sum + fn.invocations, 0);

function usageSince(before: readonly FunctionReport[], after: readonly FunctionReport[]): FunctionReport[] {
  return after.map((fn) => {
    const earlier = before.find((candidate) => candidate.logicalId === fn.logicalId);
    return {
      ...fn,
      invocations: fn.invocations - (earlier?.invocations ?? 0),
      billedMilliseconds: fn.billedMilliseconds - (earlier?.billedMilliseconds ?? 0),
      logLines: fn.logLines - (earlier?.logLines ?? 0),
      logBytes: fn.logBytes - (earlier?.logBytes ?? 0),
    };
  });
}

/** Waits until no function has been invoked for `quietMs` (the counters' stream window included); returns the usage then. */
async function untilIdle(claw: ChildSystem<ClawSystemInfo>, quietMs: number): Promise<FunctionReport[]> {
  let after = await claw.request<FunctionReport[]>("usage");
  const deadline = Date.now() + settings.maxPhaseSeconds * 1000;
  for (let stable = 0; stable < quietMs / 500 && Date.now() < deadline; ) {
    await sleep(500);
    const now = await claw.request<FunctionReport[]>("usage");
    stable = totalInvocations(now) === totalInvocations(after) ? stable + 1 : 0;
    after = now;
  }
  return after;
}

async function requestsSince(requestLog: string, offset: number): Promise<AwsRequestRecord[]> {
  return (await readFile(requestLog))
    .subarray(offset)
    .toString("utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AwsRequestRecord);
}

/** Submits `countTasks`, waits until the functions are idle, and returns what that window cost. */
async function countWindow(claw: ChildSystem<ClawSystemInfo>, target: Target, requestLog: string) {
  await claw.request("fill-counters");
  await untilIdle(claw, 7_000);
  const before = await claw.request<FunctionReport[]>("usage");
  const offset = (await stat(requestLog)).size;
  const started = performance.now();
  const run = await submitClosedLoop(target, {
    count: settings.countTasks,
    concurrency: settings.countConcurrency,
    maxSeconds: settings.maxPhaseSeconds,
  });
  const submitSeconds = (performance.now() - started) / 1000;
  // Idle = no invocation for 7 s (longer than the counters' 5 s stream batching window); then snapshot,
  // and only then read the tasks back (reads are not counted).
  const after = await untilIdle(claw, 7_000);
  const records = await requestsSince(requestLog, offset);
  const finished = await awaitCompletions(target, run.submitted, { maxSeconds: 60 });
  const succeeded = [...finished.values()].filter((task) => task.status === "succeeded").length;
  if (succeeded !== run.submitted.length || run.failures > 0) {
    warnings.push(
      `cost window: ${succeeded} of ${settings.countTasks} tasks succeeded; counts per task are off`,
    );
  }
  return {
    tasks: run.submitted.length,
    records,
    usage: usageSince(before, after),
    submitRate: run.submitted.length / submitSeconds,
  };
}

/**
 * Requests that carry one task delayed by `delaySeconds` (hops of settings.delayHopSeconds),
 * from its submit until the functions are idle after it ran.
 */
async function delayedTaskRequests(
  claw: ChildSystem<ClawSystemInfo>,
  target: Target,
  requestLog: string,
  delaySeconds: number,
) {
  await untilIdle(claw, 7_000);
  const before = await claw.request<FunctionReport[]>("usage");
  const offset = (await stat(requestLog)).size;
  const response = await fetch(`${target.url}/v1/tasks`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "echo", input: { value: "delayed" }, delaySeconds }),
  });
  const { id } = (await response.json()) as { id: string };
  if (response.status !== 202) throw new Error(`delayed submit answered ${response.status}`);
  const finished = await awaitCompletions(target, [{ id, sentAt: Date.now(), latencyMs: 0 }], {
    maxSeconds: delaySeconds + 60,
  });
  if (finished.get(id)?.status !== "succeeded")
    warnings.push(`delayed task (${delaySeconds} s) did not succeed`);
  // The read-back polls are API GetItems: leave them out, count what carried the task.
  const usage = usageSince(before, await untilIdle(claw, 7_000));
  const api = usage.find((fn) => fn.role === "api")?.functionName;
  const records = (await requestsSince(requestLog, offset)).filter(
    (record) =>
      !(record.operation === "ReceiveMessage" && record.messages === 0) &&
      record.error !== "AbortError" &&
      !(record.source === api && record.operation === "GetItem"),
  );
  const byOperation: Record<string, number> = {};
  for (const record of records) {
    const key = `${record.service}.${record.operation}`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
  }
  const workerInvocations = usage.filter((fn) => fn.lane).reduce((sum, fn) => sum + fn.invocations, 0);
  return { delaySeconds, requests: records.length, byOperation, workerInvocations };
}

/**
 * A chord of `workflowChildren` echo tasks and its body, submitted as one
 * workflow: every AWS request from its submit until the functions are idle
 * after the body ran (nothing reads it back until then), priced like the
 * cost window, per child.
 */
async function chordWindow(claw: ChildSystem<ClawSystemInfo>, target: Target, requestLog: string) {
  await untilIdle(claw, 7_000);
  const before = await claw.request<FunctionReport[]>("usage");
  const offset = (await stat(requestLog)).size;
  const children = settings.workflowChildren;
  const response = await fetch(`${target.url}/v1/workflows`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      workflow: {
        chord: {
          header: Array.from({ length: children }, (_, index) => ({ type: "echo", input: { value: index } })),
          body: { type: "echo", input: {}, resultInto: "value" },
        },
      },
    }),
  });
  const { id } = (await response.json()) as { id: string };
  if (response.status !== 202) throw new Error(`workflow submit answered ${response.status}`);
  // Idle: the header ran, the stream moved the workflow on, the body ran, the stream counted it.
  const usage = usageSince(before, await untilIdle(claw, 7_000));
  const records = await requestsSince(requestLog, offset);
  const final = (await (
    await fetch(`${target.url}/v1/workflows/${id}`, { headers: { authorization: `Bearer ${target.apiKey}` } })
  ).json()) as { status: string; result?: unknown };
  const expected = Array.from({ length: children }, (_, index) => index);
  if (final.status !== "succeeded" || JSON.stringify(final.result) !== JSON.stringify(expected)) {
    warnings.push(
      `chord of ${children}: ended ${final.status}, not with its header's values; its cost is off`,
    );
  }
  return { children, records, usage };
}

async function roundTrips(
  claw: ChildSystem<ClawSystemInfo>,
  target: Target,
  requestsPerSubmit: Record<string, number>,
): Promise<Omit<RoundTripResult, "counted">> {
  const plain: number[] = [];
  const delayed: number[] = [];
  const block = 10;
  for (let done = 0; done < settings.roundTripSamples; done += block) {
    for (const [delayMs, samples] of [
      [0, plain],
      [settings.roundTripDelayMs, delayed],
    ] as const) {
      await claw.request("set-delay", { ms: delayMs });
      const run = await submitClosedLoop(target, { count: block, concurrency: 1, maxSeconds: 60 });
      samples.push(...run.submitted.map((submit) => submit.latencyMs));
    }
  }
  await claw.request("set-delay", { ms: 0 });
  const withoutDelayP50Ms = median(plain);
  const withDelayP50Ms = median(delayed);
  const result = {
    delayMs: settings.roundTripDelayMs,
    samples: plain.length,
    withoutDelayP50Ms,
    withDelayP50Ms,
    sequentialCalls: (withDelayP50Ms - withoutDelayP50Ms) / settings.roundTripDelayMs,
    requestsPerSubmit,
  };
  log(`submit path (delay proxy cross-check): ${result.sequentialCalls.toFixed(2)} sequential AWS calls`);
  return result;
}

const fixedCount = (value: number) => value.toFixed(0);

/**
 * The commit measured, and what in the work tree differs from it (tracked
 * changes and untracked files, the bench's own outputs aside).
 */
function gitState(): { commit: string; dirty: string[] } {
  const git = (...gitArgs: string[]) =>
    execFileSync("git", gitArgs, { cwd: projectRoot, encoding: "utf8" }).trim();
  const dirty = git(
    "status",
    "--porcelain",
    "--untracked-files=normal",
    "--",
    ".",
    ":!bench/results.*",
    ":!bench/chart.svg",
  )
    .split("\n")
    .filter(Boolean);
  return { commit: git("rev-parse", "--short", "HEAD"), dirty };
}

// Results must name a commit that holds what was measured: refuse a dirty tree unless told.
const git = gitState();
if (git.dirty.length > 0) {
  const listing = git.dirty.slice(0, 10).join("; ");
  if (!args["allow-dirty"]) {
    console.error(
      `[bench] the work tree differs from ${git.commit} (${listing}): commit first, so bench/results.md ` +
        "names a commit that holds what it measured (or pass --allow-dirty for a trial run)",
    );
    process.exit(2);
  }
  warnings.push(
    `NOT REPRODUCIBLE: measured on ${git.commit} plus uncommitted changes (${listing}); do not commit these results`,
  );
}

// Other work on the machine (shared build hosts) makes every figure noisier; the report says how busy it was.
const loadAtStart = os.loadavg()[0]!;
const redis = await startRedisServer(log);
const children: ChildSystem<unknown>[] = [];
const requestLog = path.join(projectRoot, ".local", `bench-aws-requests.${process.pid}.jsonl`);
// Ctrl-C: stop the children (they also stop when this process goes) and redis-server, then exit.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping ...`);
    void Promise.allSettled([...children.map((child) => child.stop()), redis.stop()]).finally(() =>
      process.exit(130),
    );
  });
}
try {
  log(`redis-server ${redis.version} on port ${redis.port}; starting claw-tasks and the BullMQ baseline ...`);
  const clawScript = new URL("./claw-system.ts", import.meta.url);
  const [claw, bullmq] = await Promise.all([
    startChildSystem<ClawSystemInfo>(clawScript, {} satisfies ClawSystemConfig),
    startChildSystem<BullmqSystemInfo>(new URL("./bullmq-system.ts", import.meta.url), {
      redisPort: redis.port,
      concurrency: settings.bullmqConcurrency,
    } satisfies BullmqSystemConfig),
  ]);
  children.push(claw, bullmq);
  const clawTarget: Target = { name: "claw-tasks", ...claw.info };
  const bullmqTarget: Target = { name: "bullmq", ...bullmq.info };

  log("warming up both systems ...");
  await warmUp(clawTarget);
  await warmUp(bullmqTarget);
  const phases: PhaseResult[] = [];
  for (const mode of ["closed-loop", "fixed-rate"] as const) {
    for (const target of [clawTarget, bullmqTarget]) phases.push(await endToEnd(target, mode));
  }
  // Timed with the baseline stopped and claw-tasks idle, so the samples have the CPU to themselves.
  await bullmq.stop();
  log("cold start: importing each function bundle in fresh processes ...");
  const coldStart = await claw.request<ColdStartReport[]>("cold-start", {
    samples: settings.coldStartSamples,
  });
  await claw.stop();
  children.length = 0;

  log("counting AWS requests and round trips (delay proxy and request log on) ...");
  await mkdir(path.dirname(requestLog), { recursive: true });
  await rm(requestLog, { force: true });
  const instrumented = await startChildSystem<ClawSystemInfo>(clawScript, {
    delayProxy: true,
    awsRequestLog: requestLog,
    // Delays beyond this go to one-time schedules, as beyond 900 s on AWS; the no-op window has none.
    functionEnvironment: { MAX_SQS_DELAY_SECONDS: String(settings.delayHopSeconds) },
  } satisfies ClawSystemConfig);
  children.push(instrumented);
  const instrumentedTarget: Target = { name: "claw-tasks", ...instrumented.info };
  await warmUp(instrumentedTarget);
  const window = await countWindow(instrumented, instrumentedTarget, requestLog);
  const storage = await instrumented.request<StorageReport>("storage");
  const prices = JSON.parse(readFileSync(new URL("prices.json", benchDir), "utf8")) as Prices;
  const cost = costModel(window.records, window.usage, window.tasks, prices, storage);
  log(`cost: $${cost.perMillionTasks.toFixed(2)} per million no-op tasks`);
  const requestsPerSubmit = Object.fromEntries(
    cost.requests
      .filter((request) => request.source === "api")
      .map((request) => [request.operation, request.perTask]),
  );
  const apiFunction = window.usage.find((fn) => fn.role === "api");
  if (!apiFunction) throw new Error("no API function among the local functions");
  const counted = sequentialRoundTrips(window.records, apiFunction.functionName);
  log(
    `submit path: ${counted.median} sequential AWS round trips (median of ${counted.invocations}, counted)`,
  );
  const roundTrip = { ...(await roundTrips(instrumented, instrumentedTarget, requestsPerSubmit)), counted };

  log("counting the requests of a delayed task ...");
  const short = await delayedTaskRequests(
    instrumented,
    instrumentedTarget,
    requestLog,
    settings.shortDelaySeconds,
  );
  const long = await delayedTaskRequests(
    instrumented,
    instrumentedTarget,
    requestLog,
    settings.longDelaySeconds,
  );
  // A hop is a worker invocation that re-sends the message: count hops by invocations, not by the clock.
  // With no extra invocation there was no hop: a difference in requests then is not a cost per hop.
  const extraInvocations = long.workerInvocations - short.workerInvocations;
  const perHop = extraInvocations > 0 ? (long.requests - short.requests) / extraInvocations : 0;
  const awsHops = (365 * 86_400) / 900;
  const delayed: DelayedTaskResult = {
    hopSeconds: settings.delayHopSeconds,
    samples: [short, long],
    requestsPerHop: perHop,
    requestsFor365DaysOnAws: short.requests + perHop * Math.max(0, awsHops - short.workerInvocations),
    awsHopsFor365Days: awsHops,
  };
  log(
    `delayed task: ${fixedCount(short.requests)} requests at ${short.delaySeconds} s, ${fixedCount(long.requests)} at ${long.delaySeconds} s; ` +
      `${perHop.toFixed(2)} per hop; 365 days on AWS: ${delayed.requestsFor365DaysOnAws.toFixed(0)}`,
  );
  log(`counting the requests of a chord of ${settings.workflowChildren} ...`);
  const chord = await chordWindow(instrumented, instrumentedTarget, requestLog);
  const chordCost = costModel(chord.records, chord.usage, chord.children, prices, storage);
  log(
    `chord: $${chordCost.perMillionTasks.toFixed(2)} per million children (independent tasks: $${cost.perMillionTasks.toFixed(2)} per million)`,
  );
  await instrumented.stop();
  children.length = 0;

  const bullmqVersion = (
    JSON.parse(readFileSync(path.join(projectRoot, "node_modules/bullmq/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  const results: BenchResults = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: {
      commit: git.dirty.length > 0 ? `${git.commit} + uncommitted changes` : git.commit,
      loadAverageAtStart: loadAtStart.toFixed(1),
      loadAverageAtEnd: os.loadavg()[0]!.toFixed(1),
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      node: process.versions.node,
      redis: redis.version,
      bullmq: bullmqVersion,
    },
    settings,
    phases,
    roundTrips: roundTrip,
    delayed,
    countWindowSubmitRate: window.submitRate,
    storage,
    coldStart,
    cost,
    chordCost,
    idleCost: idleCostOfStages(prices),
    prices,
    warnings,
  };
  const busiest = Math.max(loadAtStart, os.loadavg()[0]!);
  if (busiest > os.cpus().length) {
    warnings.push(
      `the machine was busy with other work (1-minute load average up to ${busiest.toFixed(1)} on ${os.cpus().length} cores): ` +
        "absolute figures are noisy; ratios from the same run are more telling",
    );
  }
  await writeResults(benchDir, results);
  log(
    `wrote bench/results.md, bench/results.json, bench/chart.svg in ${results.durationSeconds.toFixed(0)} s`,
  );
  for (const warning of warnings) log(`warning: ${warning}`);
} finally {
  await Promise.all(children.map((child) => child.stop()));
  await redis.stop();
  await rm(requestLog, { force: true });
}
