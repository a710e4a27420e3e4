/**
 * The load generator: submits `echo` tasks over HTTP to a system under test
 * (closed loop or at a fixed rate), then reads every task back until it is
 * finished. Both systems answer the same routes (`POST /v1/tasks`,
 * `GET /v1/tasks/{id}` with `status` and `finishedAt`), so one client
 * measures both. Every loop is bounded in count and time.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type Summary, summarize } from "./stats.ts";

export interface Target {
  readonly name: string;
  readonly url: string;
  readonly apiKey: string;
}

export interface Submitted {
  readonly id: string;
  /** Wall clock when the request was sent (epoch ms). */
  readonly sentAt: number;
  readonly latencyMs: number;
}

export interface SubmitRun {
  readonly submitted: readonly Submitted[];
  readonly failures: number;
  readonly firstError?: string;
  readonly wallSeconds: number;
}

export interface PhaseResult {
  readonly system: string;
  readonly mode: string;
  readonly tasks: number;
  readonly submitFailures: number;
  readonly completed: number;
  readonly succeeded: number;
  /** Completed tasks per second, from the first submit to the last finish. */
  readonly throughput: number;
  readonly submitLatencyMs: Summary;
  /** From sending the submit to the result being recorded. */
  readonly endToEndMs: Summary;
}

const terminal = new Set(["succeeded", "failed", "cancelled", "expired"]);

async function submitOne(target: Target, sequence: number): Promise<Submitted> {
  const sentAt = Date.now();
  const started = performance.now();
  const response = await fetch(`${target.url}/v1/tasks`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "echo", input: { value: `bench-${sequence}` } }),
  });
  const body = (await response.json()) as { id?: string };
  const latencyMs = performance.now() - started;
  if (response.status !== 202 || !body.id) {
    throw new Error(`submit answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return { id: body.id, sentAt, latencyMs };
}

/** `concurrency` clients submit back to back until `count` are sent or the deadline passes. */
export async function submitClosedLoop(
  target: Target,
  options: { readonly count: number; readonly concurrency: number; readonly maxSeconds: number },
): Promise<SubmitRun> {
  const deadline = Date.now() + options.maxSeconds * 1000;
  const submitted: Submitted[] = [];
  let next = 0;
  let failures = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.count && Date.now() < deadline) {
        const sequence = next++;
        try {
          submitted.push(await submitOne(target, sequence));
        } catch (error) {
          failures++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  return {
    submitted,
    failures,
    ...(firstError ? { firstError } : {}),
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/** Submits at a fixed rate (open loop): a slow answer does not slow the next send. */
export async function submitAtRate(
  target: Target,
  options: { readonly count: number; readonly perSecond: number; readonly maxSeconds: number },
): Promise<SubmitRun> {
  const deadline = Date.now() + options.maxSeconds * 1000;
  const submitted: Submitted[] = [];
  const inFlight: Promise<void>[] = [];
  let failures = 0;
  let firstError: string | undefined;
  const started = performance.now();
  for (let sequence = 0; sequence < options.count && Date.now() < deadline; sequence++) {
    const due = started + (sequence * 1000) / options.perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      submitOne(target, sequence).then(
        (result) => void submitted.push(result),
        (error: Error) => {
          failures++;
          firstError ??= error.message;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return {
    submitted,
    failures,
    ...(firstError ? { firstError } : {}),
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/** Reads each task until it is finished (or the deadline passes); returns finish times by id. */
export async function awaitCompletions(
  target: Target,
  submitted: readonly Submitted[],
  options: { readonly maxSeconds: number; readonly readers?: number },
): Promise<Map<string, { status: string; finishedAt: number }>> {
  const deadline = Date.now() + options.maxSeconds * 1000;
  const finished = new Map<string, { status: string; finishedAt: number }>();
  let next = 0;
  await Promise.all(
    Array.from({ length: options.readers ?? 4 }, async () => {
      while (next < submitted.length) {
        const { id } = submitted[next++]!;
        while (Date.now() < deadline) {
          const response = await fetch(`${target.url}/v1/tasks/${encodeURIComponent(id)}`, {
            headers: { authorization: `Bearer ${target.apiKey}` },
          });
          const task = (await response.json()) as { status?: string; finishedAt?: string };
          if (response.status === 200 && task.status && terminal.has(task.status) && task.finishedAt) {
            finished.set(id, { status: task.status, finishedAt: Date.parse(task.finishedAt) });
            break;
          }
          await sleep(100);
        }
      }
    }),
  );
  return finished;
}

export function phaseResult(
  target: Target,
  mode: string,
  run: SubmitRun,
  finished: ReadonlyMap<string, { status: string; finishedAt: number }>,
): PhaseResult {
  const endToEnd: number[] = [];
  let succeeded = 0;
  let lastFinish = 0;
  for (const task of run.submitted) {
    const done = finished.get(task.id);
    if (!done) continue;
    if (done.status === "succeeded") succeeded++;
    endToEnd.push(done.finishedAt - task.sentAt);
    lastFinish = Math.max(lastFinish, done.finishedAt);
  }
  const firstSent = Math.min(...run.submitted.map((task) => task.sentAt));
  return {
    system: target.name,
    mode,
    tasks: run.submitted.length,
    submitFailures: run.failures,
    completed: finished.size,
    succeeded,
    throughput: finished.size / Math.max(0.001, (lastFinish - firstSent) / 1000),
    submitLatencyMs: summarize(run.submitted.map((task) => task.latencyMs)),
    endToEndMs: summarize(endToEnd),
  };
}
