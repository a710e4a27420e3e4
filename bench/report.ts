/**
 * Writes the benchmark's results: bench/results.json (everything measured),
 * bench/results.md (the report) and bench/chart.svg (claw-tasks beside the
 * BullMQ baseline), all generated here without any network.
 */
import { writeFile } from "node:fs/promises";
import type { ColdStartReport, StorageReport } from "./claw-system.ts";
import { type CostModel, lambdaDurationModel, type Prices, price } from "./cost-model.ts";
import { type IdleCost, idleCostMarkdown } from "./idle-cost.ts";
import type { PhaseResult } from "./load.ts";
import type { SequentialRoundTrips } from "./round-trips.ts";
import { median } from "./stats.ts";

export interface RoundTripResult {
  readonly delayMs: number;
  readonly samples: number;
  readonly withoutDelayP50Ms: number;
  readonly withDelayP50Ms: number;
  /** The delay proxy's estimate: (p50 with delay - p50 without) / delay. A cross-check, not the count. */
  readonly sequentialCalls: number;
  /** AWS requests the API function sent per submit (from the request log). */
  readonly requestsPerSubmit: Record<string, number>;
  /** Counted from the request log: per submit, the longest chain of its requests that did not overlap. */
  readonly counted: SequentialRoundTrips;
}

/** What carries a delayed task: requests counted at two short delays, extrapolated per hop. */
export interface DelayedTaskResult {
  readonly hopSeconds: number;
  readonly samples: readonly {
    readonly delaySeconds: number;
    readonly requests: number;
    readonly byOperation: Record<string, number>;
    readonly workerInvocations: number;
  }[];
  readonly requestsPerHop: number;
  readonly awsHopsFor365Days: number;
  readonly requestsFor365DaysOnAws: number;
}

export interface BenchResults {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: Record<string, string | number>;
  readonly settings: Record<string, number | string>;
  readonly phases: readonly PhaseResult[];
  readonly roundTrips: RoundTripResult;
  readonly delayed: DelayedTaskResult;
  /** Tasks per second submitted in the cost window (the counters' writes per task depend on it). */
  readonly countWindowSubmitRate: number;
  readonly storage: StorageReport;
  readonly coldStart: readonly ColdStartReport[];
  readonly cost: CostModel;
  /** A chord of `settings.workflowChildren` echo tasks and its body, priced per child (issue 17). */
  readonly chordCost?: CostModel;
  /** Each stage's monthly cost with no tasks (bench/idle-cost.ts). */
  readonly idleCost?: readonly IdleCost[];
  readonly prices: Prices;
  readonly warnings: readonly string[];
}

export const targets = {
  sequentialCalls: 1,
  bundleBytes: 250 * 1024,
  initMs: 150,
  costPerMillion: 4,
  throughput: 200,
  submitP50RatioToBullmq: 4,
};

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const kb = (bytes: number) => `${fixed(bytes / 1024)} KB`;
const usd = (value: number) => `$${value.toFixed(value < 0.1 ? 3 : 2)}`;
const verdict = (met: boolean) => (met ? "met" : "**not met**");

function pair(phases: readonly PhaseResult[], mode: string) {
  const claw = phases.find((phase) => phase.mode === mode && phase.system === "claw-tasks");
  const bullmq = phases.find((phase) => phase.mode === mode && phase.system === "bullmq");
  return claw && bullmq ? { claw, bullmq } : undefined;
}

function comparisonTable(phases: readonly PhaseResult[], mode: string): string {
  const found = pair(phases, mode);
  if (!found) return "_not measured_\n";
  const { claw, bullmq } = found;
  const rows: [string, number, number, number][] = [
    ["tasks submitted / succeeded", claw.tasks, bullmq.tasks, 0],
    ["throughput (tasks/s, first submit to last result)", claw.throughput, bullmq.throughput, 1],
    ["submit latency p50 (ms)", claw.submitLatencyMs.p50, bullmq.submitLatencyMs.p50, 1],
    ["submit latency p99 (ms)", claw.submitLatencyMs.p99, bullmq.submitLatencyMs.p99, 1],
    ["end-to-end latency p50 (ms)", claw.endToEndMs.p50, bullmq.endToEndMs.p50, 1],
    ["end-to-end latency p99 (ms)", claw.endToEndMs.p99, bullmq.endToEndMs.p99, 1],
  ];
  const lines = [
    "| | claw-tasks (local runtime) | BullMQ + Redis | ratio claw-tasks / BullMQ |",
    "|---|---:|---:|---:|",
  ];
  for (const [label, a, b, digits] of rows) {
    if (digits === 0) {
      lines.push(
        `| ${label} | ${claw.tasks} / ${claw.succeeded} | ${bullmq.tasks} / ${bullmq.succeeded} | |`,
      );
      continue;
    }
    lines.push(`| ${label} | ${fixed(a, digits)} | ${fixed(b, digits)} | ${fixed(a / b, 2)}× |`);
  }
  return `${lines.join("\n")}\n`;
}

export function renderMarkdown(results: BenchResults): string {
  const { roundTrips, coldStart, cost, prices } = results;
  const closed = pair(results.phases, "closed-loop");
  const rate = pair(results.phases, "fixed-rate");
  const s = results.settings;
  const out: string[] = [];
  out.push("# claw-tasks benchmark results", "");
  out.push(
    `Generated by \`npm run bench\` on ${results.startedAt} (${fixed(results.durationSeconds, 0)} s). ` +
      `Machine: ${Object.entries(results.machine)
        .map(([key, value]) => `${key} ${value}`)
        .join(", ")}. Everything ran on loopback on this one machine; the figures compare the two systems ` +
      "measured in the same run, they are not AWS latencies.",
    "",
  );
  if (results.warnings.length > 0) out.push("**Warnings:**", ...results.warnings.map((w) => `- ${w}`), "");

  out.push("## 1. End to end: claw-tasks beside BullMQ + Redis", "");
  out.push(
    "Both sides do the same work per task: an HTTP submit that checks the bearer key against the store " +
      "(claw-tasks: DynamoDB GetItem; baseline: Redis GET), validates the body with the same parser and " +
      "queues the task; a worker that runs the same `echo` handler; the result recorded in the store " +
      "(DynamoDB record / BullMQ job in Redis). claw-tasks runs in its local runtime (`startLocalRuntime`: " +
      "API Gateway stand-in, worker-thread Lambda sandboxes, SQS pollers) on fauxqs and DynamoDB Local; " +
      `the baseline is a node:http server with a BullMQ queue and worker (concurrency ${s.bullmqConcurrency}) ` +
      `on Debian's redis-server ${results.machine.redis}. Each system runs in its own child process; the ` +
      "load generator is the parent. End-to-end latency is from sending the submit to the finish time the " +
      "system recorded (same clock).",
    "",
  );
  out.push(
    `### Closed loop: ${s.closedLoopTasks} tasks, ${s.closedLoopConcurrency} concurrent clients (saturation)`,
    "",
  );
  out.push(comparisonTable(results.phases, "closed-loop"));
  out.push(
    `### Fixed rate: ${s.fixedRateTasks} tasks at ${s.fixedRatePerSecond}/s (below both systems' capacity)`,
    "",
  );
  out.push(comparisonTable(results.phases, "fixed-rate"));
  if (closed && rate) {
    out.push(
      `In short: at saturation the baseline completes ${fixed(closed.bullmq.throughput / closed.claw.throughput, 1)}× ` +
        `as many tasks per second as the local claw-tasks runtime; at a steady ${s.fixedRatePerSecond}/s its submit p50 is ` +
        `${fixed(rate.claw.submitLatencyMs.p50 / rate.bullmq.submitLatencyMs.p50, 1)}× and its end-to-end p50 ` +
        `${fixed(rate.claw.endToEndMs.p50 / rate.bullmq.endToEndMs.p50, 1)}× the baseline's. The local runtime ` +
        "emulates AWS (a Java DynamoDB, an SQS emulator, a Lambda sandbox per call) on the same two cores " +
        "as the load, so this measures the local runtime, not AWS.",
      "",
    );
  }
  out.push("![claw-tasks beside BullMQ + Redis](chart.svg)", "");

  if (closed && rate) {
    out.push(
      `Targets: throughput at saturation ≥ ${targets.throughput} tasks/s: ${verdict(closed.claw.throughput >= targets.throughput)}; ` +
        `submit p50 at the fixed rate within ${targets.submitP50RatioToBullmq}× of BullMQ's: ` +
        `${verdict(rate.claw.submitLatencyMs.p50 <= targets.submitP50RatioToBullmq * rate.bullmq.submitLatencyMs.p50)}.`,
      "",
    );
  }

  out.push("## 2. Round trips on the submit path", "");
  const { counted } = roundTrips;
  out.push(
    "Counted from the request log of the cost window (section 4): every AWS request carries its start and " +
      "end time and the Lambda invocation that sent it (the trace header Lambda sets per invocation; the local " +
      "sandbox sets it the same way). Requests of one submit that overlap went out together; the sequential " +
      "round trips of a submit are the longest chain of its requests in which each starts after the previous " +
      "one ended.",
    "",
    "| submits counted | sequential AWS round trips per submit (median) | max | submits by count | target |",
    "|---:|---:|---:|---|---|",
    `| ${counted.invocations} | **${counted.median}** | ${counted.max} | ${Object.entries(counted.histogram)
      .map(([chain, count]) => `${chain}: ${count}`)
      .join(", ")} | ${targets.sequentialCalls} (${verdict(counted.median <= targets.sequentialCalls)}) |`,
    "",
    `AWS requests per submit (request log): ${Object.entries(counted.requestsPerInvocation)
      .map(([operation, count]) => `${operation} ${fixed(count, 2)}`)
      .join(", ")}. A submit that finds its API key in the instance's cache sends no key read.`,
    "",
    `Cross-check: a loopback proxy between the functions and the emulators holds every AWS request for ${roundTrips.delayMs} ms; ` +
      `sequential submits, ${roundTrips.samples} with the delay and ${roundTrips.samples} without, interleaved. ` +
      `p50 ${fixed(roundTrips.withoutDelayP50Ms)} ms without, ${fixed(roundTrips.withDelayP50Ms)} ms with: ` +
      `(difference / delay) = ${fixed(roundTrips.sequentialCalls, 2)}, an estimate from two noisy medians that ` +
      "should round to the count above.",
    "",
  );

  out.push("## 3. Cold start: bundle size and module initialisation", "");
  out.push(
    "Bundles as synthesized (esbuild, ESM, minified, split into chunks, the pinned AWS SDK inside; " +
      "docs/cold-start.md): *at init* is the entry and the chunks it imports statically, *asset* every chunk, " +
      "the lazily loaded SDK clients and task types included. Initialisation: time to import " +
      `the bundle in a fresh Node ${results.machine.node} process with the function's environment ` +
      `(including its \`NODE_OPTIONS=--enable-source-maps\`), ${s.coldStartSamples} samples each after one ` +
      "uncounted import (so the files are in the page cache), one at a time, with nothing else running but the " +
      "idle local runtime. SDK clients load on first use, after init, and are not in these figures.",
    "",
    "| function | at init | asset | source map | init p50 | init min | init max | init p50 without source maps | at init ≤ 250 KB | init p50 ≤ 150 ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
  );
  for (const fn of coldStart) {
    const p50 = median(fn.initMs);
    out.push(
      `| ${fn.logicalId} | ${kb(fn.bundleBytes)} | ${kb(fn.assetBytes)} | ${kb(fn.sourceMapBytes)} | ${fixed(p50)} ms | ${fixed(Math.min(...fn.initMs))} ms | ${fixed(Math.max(...fn.initMs))} ms | ${fixed(median(fn.initMsWithoutSourceMaps))} ms | ${verdict(fn.bundleBytes <= targets.bundleBytes)} | ${verdict(p50 <= targets.initMs)} |`,
    );
  }
  out.push(
    "",
    'Bundles were ~490 KB before this benchmark: 454 KB of it was zod, because `import { z } from "zod"` ' +
      "binds a namespace object that esbuild cannot tree-shake (every locale, JSON Schema conversion). " +
      '`import * as z from "zod"` lets esbuild keep only what is used; a Biome rule ' +
      "(`noRestrictedImports`) now rejects the named import. What remains: zod's core (~100 KB), " +
      "Powertools logger (~21 KB), the project's code (~15 KB), middy (~3 KB). `zod/mini` would save " +
      "most of zod's remaining share, but changes how every schema in the catalog is written.",
    "",
  );

  out.push("## 4. Cost per million no-op tasks on AWS (us-east-1)", "");
  out.push(
    `Counted in a separate window of ${cost.tasks} \`echo\` tasks (submit, run, result recorded; reading the ` +
      "result back is not included) by an SDK middleware in the functions and in the local SQS pollers " +
      "(`functions/adapters/aws-request-log.ts`, on only in this run); DynamoDB units are what DynamoDB " +
      "Local reported (`ReturnConsumedCapacity: INDEXES`). Before the window every type × status counter " +
      "was written, so the counters function's writes are priced at their full item size. The counters " +
      "function runs once per stream batch, so its share per task depends on the rate: the window submitted " +
      `${fixed(results.countWindowSubmitRate)} tasks/s. Lambda duration is modelled for AWS (below), not ` +
      "this machine's emulator latency. API access logs are one line per request in the stack's format " +
      `(${cost.accessLogLineBytes} bytes with typical values, plus CloudWatch's 26 bytes per event). Storage: ` +
      `the task records' mean stored size (${fixed(cost.storage.bytesPerTask, 0)} bytes with DynamoDB's 100-byte ` +
      `item overhead, over ${results.storage.taskItems} records) kept ${cost.storage.days} days (result TTL ` +
      "plus up to 48 h until TTL deletes it). Prices: `bench/prices.json`, " +
      `recorded ${prices.recorded}. ${prices.caveat}`,
    "",
    "| item | per task | per million tasks |",
    "|---|---:|---:|",
  );
  for (const entry of cost.lines) {
    out.push(
      `| ${entry.item} | ${entry.perTask.toPrecision(3)} ${entry.unit} | ${usd(entry.perMillionTasks)} |`,
    );
  }
  out.push(
    `| **total** | | **${usd(cost.perMillionTasks)}** |`,
    "",
    `Target: at most $${targets.costPerMillion} per million no-op tasks: ${verdict(cost.perMillionTasks <= targets.costPerMillion)}.`,
    "",
  );
  const biggest = [...cost.lines].sort((a, b) => b.perMillionTasks - a.perMillionTasks)[0];
  if (biggest) {
    out.push(
      `What dominates: ${biggest.item} (${usd(biggest.perMillionTasks)} of ${usd(cost.perMillionTasks)}).`,
      "",
    );
  }
  const model = lambdaDurationModel;
  out.push(
    "Lambda duration model: per invocation, CPU time plus the AWS round trips it waited for in a row " +
      "(counted per invocation from the request log as in section 2), each at an assumed in-region latency: " +
      `${Object.entries(model.latencyMsByService)
        .map(([service, ms]) => `${service} ${ms} ms`)
        .join(
          ", ",
        )} (DynamoDB's single-digit milliseconds; SQS and the control-plane services slower), warm ` +
      `connections. CPU: ${model.cpuMsPerInvocationAtOneVcpu} ms per invocation on one vCPU (parse, validate, ` +
      `sign, log), scaled by ${model.memoryMbPerVcpu} MB / memory since Lambda gives CPU in proportion to ` +
      "memory. Each invocation is billed rounded up to the millisecond. The emulator column is what this " +
      "machine's sandboxes took (not priced).",
    "",
    "| function | memory | invocations per task | modelled ms per invocation (AWS) | emulator ms per invocation |",
    "|---|---:|---:|---:|---:|",
    ...cost.duration.map(
      (fn) =>
        `| ${fn.role} | ${fn.memoryMb} MB | ${fixed(fn.invocationsPerTask, 3)} | ${fixed(fn.modelledMsPerInvocation)} | ${fixed(fn.emulatorMsPerInvocation)} |`,
    ),
    "",
  );
  out.push(
    "",
    `Not per task: idle SQS polls (${cost.emptyReceives} empty receives during the window here; on AWS the ` +
      "pollers of an SQS event-source mapping long-poll even when idle, a fixed monthly cost per lane; see " +
      "section 6), the counter items, and the free tiers (ignored).",
    "",
    "AWS requests per task:",
    "",
    "| sender | service | operation | per task | DynamoDB capacity units per task |",
    "|---|---|---|---:|---|",
  );
  for (const request of cost.requests) {
    const units =
      request.tableUnits === undefined
        ? ""
        : [
            `table ${fixed(request.tableUnits, 2)}`,
            ...Object.entries(request.indexUnits ?? {}).map(([name, value]) => `${name} ${fixed(value, 2)}`),
          ].join(", ");
    out.push(
      `| ${request.source} | ${request.service} | ${request.operation} | ${fixed(request.perTask, 2)} | ${units} |`,
    );
  }
  out.push(
    "",
    "Beside other systems (list prices, per million tasks):",
    "",
    "| system | per million | basis |",
    "|---|---:|---|",
  );
  out.push(
    `| claw-tasks on AWS (measured above) | ${usd(cost.perMillionTasks)} | everything: API, queue, workers, records, logs |`,
  );
  for (const alternative of cost.alternatives) {
    out.push(`| ${alternative.name} | ${usd(alternative.perMillionTasks)} | ${alternative.basis} |`);
  }
  out.push("");

  out.push(...delayedSection(results.delayed));
  if (results.chordCost) out.push(...chordSection(results.chordCost, cost, results.prices));
  if (results.idleCost) {
    out.push("## 6. Idle cost per stage on AWS (no tasks, per month)", "");
    out.push("From each stage's template (bench/idle-cost.ts); free tiers not subtracted.", "");
    out.push(...idleCostMarkdown(results.idleCost));
  }
  return out.join("\n");
}

/**
 * Step Functions Standard for the same shape, a stated model: one Map state
 * running a Task state per child, then the body's Task state; each state
 * entered is a transition (the execution's start, the Map state, each
 * child's Task state, the body's), so N children take N + 3 transitions.
 */
function stepFunctionsPerChild(children: number, prices: Prices): number {
  const transitions = children + 3;
  return (transitions / children) * price(prices, "stepFunctionsStandardPerMillionStateTransitions");
}

function chordSection(chord: CostModel, independent: CostModel, prices: Prices): string[] {
  const children = chord.tasks;
  const writeUnits = (model: CostModel) =>
    model.lines.find((line) => line.item === "DynamoDB writes")?.perTask ?? 0;
  const extraWrites = writeUnits(chord) - writeUnits(independent);
  const rows = chord.lines.map((line) => {
    const other = independent.lines.find((candidate) => candidate.item === line.item);
    return `| ${line.item} | ${fixed(line.perTask, 4)} ${line.unit} | ${usd(line.perMillionTasks)} | ${usd(other?.perMillionTasks ?? 0)} |`;
  });
  return [
    `## 7. A chord of ${children}: what a workflow adds per child`,
    "",
    `Counted from the request log like section 4: one \`POST /v1/workflows\` with a chord of ${children} \`echo\` tasks ` +
      "and a body that receives their results, every AWS request from the submit until the functions were idle " +
      "after the body ran (the stream's workflow function included), divided by the number of children (the body's " +
      "own cost is spread over them). Beside it, section 4's independent tasks.",
    "",
    `| item | chord, per child | chord, per million children | independent, per million tasks |`,
    "|---|---:|---:|---:|",
    ...rows,
    `| **total** | | **${usd(chord.perMillionTasks)}** | **${usd(independent.perMillionTasks)}** |`,
    "",
    `DynamoDB writes: ${fixed(writeUnits(chord), 2)} WRU per child against ${fixed(writeUnits(independent), 2)} per ` +
      `independent task: the workflow adds **${fixed(extraWrites, 2)} WRU per child** (target: at most ~4; ` +
      `${extraWrites <= 4 ? "met" : "**not met**"}).`,
    "",
    `AWS Step Functions Standard for the same shape (orchestration alone, a stated model: a Map state with one Task ` +
      `state per child, then the body's Task state, ${children + 3} state transitions): ` +
      `**${usd(stepFunctionsPerChild(children, prices))} per million children**, before the Lambda invocations that do ` +
      "the work and with the header's results limited to its 256 KB state.",
    "",
    "AWS requests per child:",
    "",
    "| sender | service | operation | per child |",
    "|---|---|---|---:|",
    ...chord.requests.map(
      (request) =>
        `| ${request.source} | ${request.service} | ${request.operation} | ${fixed(request.perTask, 3)} |`,
    ),
    "",
  ];
}

function delayedSection(delayed: DelayedTaskResult): string[] {
  const [short, long] = delayed.samples;
  const operations = [
    ...new Set(delayed.samples.flatMap((sample) => Object.keys(sample.byOperation))),
  ].sort();
  return [
    "## 5. A task delayed 365 days",
    "",
    "Counted from the request log: one `echo` task submitted with a delay, every AWS request from its submit " +
      "until the functions were idle after it ran (the read-back polls aside), at two delays beyond the longest " +
      `SQS delay of this run (${delayed.hopSeconds} s, \`MAX_SQS_DELAY_SECONDS\`; 900 s on AWS). Such a delay is ` +
      "handed to EventBridge Scheduler as one one-time `at()` schedule that sends the task's message when due " +
      "(the local scheduler's SendMessage is counted with the event-source mapping's requests). What the longer " +
      "delay costs beyond the shorter one, per extra worker invocation, is the cost of a hop: 0 means the " +
      `count does not grow with the delay. With 900 s hops a 365-day delay would take ${fixed(delayed.awsHopsFor365Days, 0)}.`,
    "",
    `| operation | delay ${short?.delaySeconds} s | delay ${long?.delaySeconds} s |`,
    "|---|---:|---:|",
    ...operations.map(
      (operation) =>
        `| ${operation} | ${short?.byOperation[operation] ?? 0} | ${long?.byOperation[operation] ?? 0} |`,
    ),
    `| worker invocations | ${short?.workerInvocations} | ${long?.workerInvocations} |`,
    `| **AWS requests** | **${short?.requests}** | **${long?.requests}** |`,
    "",
    `Requests per hop: ${fixed(delayed.requestsPerHop, 2)}. A task delayed 365 days on AWS: about ` +
      `**${fixed(delayed.requestsFor365DaysOnAws, 0)} requests** ` +
      `(${delayed.requestsPerHop > 0.5 ? "**not constant**: it grows with the delay" : "constant"}).`,
    "",
  ];
}

/** A small-multiples bar chart: one panel per metric, claw-tasks beside BullMQ. */
export function renderChart(results: BenchResults): string {
  const closed = pair(results.phases, "closed-loop");
  const rate = pair(results.phases, "fixed-rate");
  const panels: { title: string; claw: number; bullmq: number }[] = [];
  if (closed)
    panels.push({
      title: "throughput, tasks/s",
      claw: closed.claw.throughput,
      bullmq: closed.bullmq.throughput,
    });
  if (rate) {
    panels.push(
      {
        title: "submit p50, ms",
        claw: rate.claw.submitLatencyMs.p50,
        bullmq: rate.bullmq.submitLatencyMs.p50,
      },
      {
        title: "submit p99, ms",
        claw: rate.claw.submitLatencyMs.p99,
        bullmq: rate.bullmq.submitLatencyMs.p99,
      },
      { title: "end-to-end p50, ms", claw: rate.claw.endToEndMs.p50, bullmq: rate.bullmq.endToEndMs.p50 },
      { title: "end-to-end p99, ms", claw: rate.claw.endToEndMs.p99, bullmq: rate.bullmq.endToEndMs.p99 },
    );
  }
  const panelWidth = 170;
  const width = panels.length * panelWidth + 20;
  const height = 310;
  const plotTop = 80;
  const plotHeight = 170;
  const colors = { claw: "#e4572e", bullmq: "#4c72b0" };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    "<title>claw-tasks beside BullMQ + Redis: throughput and latencies</title>",
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">claw-tasks (local runtime) beside BullMQ + Redis, same machine, same run</text>`,
    `<text x="10" y="38" fill="#555">throughput: closed loop; latencies: fixed rate ${results.settings.fixedRatePerSecond}/s. ${results.startedAt.slice(0, 10)}</text>`,
    `<rect x="10" y="46" width="10" height="10" fill="${colors.claw}"/><text x="24" y="55">claw-tasks</text>`,
    `<rect x="100" y="46" width="10" height="10" fill="${colors.bullmq}"/><text x="114" y="55">BullMQ + Redis</text>`,
  ];
  panels.forEach((panel, index) => {
    const left = 10 + index * panelWidth;
    const top = Math.max(panel.claw, panel.bullmq) || 1;
    const bar = (value: number, offset: number, color: string) => {
      const barHeight = Math.max(1, (value / top) * plotHeight);
      const x = left + 30 + offset;
      const y = plotTop + plotHeight - barHeight;
      return `<rect x="${x}" y="${y.toFixed(1)}" width="45" height="${barHeight.toFixed(1)}" fill="${color}"/><text x="${x + 22.5}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${fixed(value, value >= 100 ? 0 : 1)}</text>`;
    };
    parts.push(
      `<line x1="${left + 20}" y1="${plotTop + plotHeight}" x2="${left + panelWidth - 20}" y2="${plotTop + plotHeight}" stroke="#333"/>`,
      bar(panel.claw, 0, colors.claw),
      bar(panel.bullmq, 55, colors.bullmq),
      `<text x="${left + panelWidth / 2 - 5}" y="${plotTop + plotHeight + 20}" text-anchor="middle">${panel.title}</text>`,
      `<text x="${left + panelWidth / 2 - 5}" y="${plotTop + plotHeight + 38}" text-anchor="middle" fill="#555">ratio ${fixed(panel.claw / panel.bullmq, 2)}×</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

export async function writeResults(directory: URL, results: BenchResults): Promise<void> {
  await Promise.all([
    writeFile(new URL("results.json", directory), `${JSON.stringify(results, null, 2)}\n`),
    writeFile(new URL("results.md", directory), renderMarkdown(results)),
    writeFile(new URL("chart.svg", directory), renderChart(results)),
  ]);
}
