/**
 * A small HTTP client for the integration tests: plain fetch against the
 * API under test (the local runtime, or the endpoint of test:remote), as any
 * caller would use it.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";
import type { Task, TaskStatus } from "../../functions/core/task.ts";
import type { LocalRuntimeInfo, TestTarget } from "./target.ts";

export const target: TestTarget = inject("clawTasks");

/**
 * The local runtime's insides (queues, tables, emulator endpoints). Only
 * `*.local.test.ts` files may use them; test:remote never runs those.
 */
export function localRuntime(): LocalRuntimeInfo {
  if (!target.local) {
    throw new Error("this test reaches inside the local runtime: name its file *.local.test.ts");
  }
  return target.local;
}

/** The local URL of a lane's queue for a priority, or of its dead-letter queue; local runtime only. */
export function laneQueueUrl(lane: string, queue: "high" | "normal" | "low" | "dead-letters"): string {
  const found = localRuntime().queues.find(
    (candidate) => candidate.tags["claw-tasks:lane"] === lane && candidate.tags["claw-tasks:queue"] === queue,
  );
  if (!found) throw new Error(`no local queue ${queue} for lane ${lane}`);
  return found.url;
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export async function api<T = unknown>(
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? target.apiKey : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${target.url}${path}`, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

export async function submit(body: unknown): Promise<Task> {
  const response = await api<Task>("POST", "/v1/tasks", { body });
  if (response.status !== 202)
    throw new Error(`submit answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/**
 * Polls the task until its status is one of `statuses`; fails after
 * `timeoutMs` (as needed locally; stretched by the target's patience).
 */
export async function waitForStatus(
  id: string,
  statuses: readonly TaskStatus[],
  timeoutMs = 15_000,
): Promise<Task> {
  const patientMs = timeoutMs * target.patience;
  const deadline = Date.now() + patientMs;
  let last: Task | undefined;
  while (Date.now() < deadline) {
    const response = await api<Task>("GET", `/v1/tasks/${id}`);
    if (response.status === 200) {
      last = response.body;
      if (statuses.includes(last.status)) return last;
    }
    await sleep(50);
  }
  throw new Error(
    `task ${id} did not reach ${statuses.join("|")} in ${patientMs} ms; last: ${JSON.stringify(last)}`,
  );
}

/** Makes matching AWS calls of the functions fail (see local/aws-fault-proxy.ts); local runtime only. */
export async function injectFault(
  service: "sqs" | "dynamodb" | "scheduler",
  rule: { target: string; bodyIncludes?: string[]; times: number; status?: number; code?: string },
): Promise<void> {
  const proxy = localRuntime().faultProxies?.[service];
  if (!proxy) throw new Error("the local runtime was started without fault injection");
  const response = await fetch(`${proxy}/__claw-faults`, { method: "POST", body: JSON.stringify(rule) });
  if (response.status !== 204) throw new Error(`fault proxy answered ${response.status}`);
}

/** Lifts the fault rules whose bodyIncludes name `part`. */
export async function liftFaults(service: "sqs" | "dynamodb" | "scheduler", part: string): Promise<void> {
  const proxy = localRuntime().faultProxies?.[service];
  if (!proxy) throw new Error("the local runtime was started without fault injection");
  await fetch(`${proxy}/__claw-faults?includes=${encodeURIComponent(part)}`, { method: "DELETE" });
}

/**
 * Polls `read` until `done` holds for its value; fails after `timeoutMs`
 * (as needed locally; stretched by the target's patience).
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const patientMs = timeoutMs * target.patience;
  const deadline = Date.now() + patientMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${patientMs} ms; last value: ${JSON.stringify(last)}`);
    await sleep(100);
    last = await read();
  }
  return last;
}

/** One structured log line of a function, as the local runtime wrote it. */
export interface FunctionLogEntry {
  readonly function: string;
  readonly message: string;
  readonly timestamp: string;
  readonly [key: string]: unknown;
}

/**
 * The functions' log entries about one task (its `taskId`, or among a
 * metrics line's `taskIds`), oldest first: what the workers did with each
 * delivery (`delivery handled` with its outcome), and the counters
 * function's metrics lines from the table's stream. Local runtime only.
 */
export function functionLogOf(taskId: string): FunctionLogEntry[] {
  const text = readFileSync(localRuntime().functionLog, "utf8");
  const entries: FunctionLogEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes(taskId)) continue;
    const match = /^\[([^\]]+)\] (\{.*\})$/.exec(line);
    if (!match) continue;
    try {
      const entry = JSON.parse(match[2]!) as Record<string, unknown>;
      const named =
        entry.taskId === taskId ||
        (typeof entry.taskIds === "string" && entry.taskIds.split(" ").includes(taskId));
      if (named) entries.push({ ...entry, function: match[1]! } as FunctionLogEntry);
    } catch {
      // A line cut short while being written: the next read sees it whole.
    }
  }
  return entries;
}

/**
 * The outcomes of the deliveries of one task's messages, oldest first; local
 * runtime only. Every outcome but a plain success has an INFO line in the
 * workers' log (`delivery handled`); a plain success's is DEBUG, and the task
 * can succeed only once: it is read from the record (its `finishedAt`).
 */
export async function deliveryOutcomesOf(taskId: string): Promise<{ outcome: string; at: string }[]> {
  const outcomes = functionLogOf(taskId)
    .filter((entry) => entry.message === "delivery handled")
    .map((entry) => ({ outcome: entry.outcome as string, at: entry.timestamp }));
  const record = await api<Task>("GET", `/v1/tasks/${encodeURIComponent(taskId)}`);
  const task = record.status === 200 ? record.body : undefined;
  if (
    task?.status === "succeeded" &&
    task.finishedAt &&
    !outcomes.some((entry) => entry.outcome === "succeeded")
  )
    outcomes.push({ outcome: "succeeded", at: task.finishedAt });
  return outcomes.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** How many calls each fault rule naming `part` has failed so far; local runtime only. */
export async function faultsFired(service: "sqs" | "dynamodb", part: string): Promise<number> {
  const proxy = localRuntime().faultProxies?.[service];
  if (!proxy) throw new Error("the local runtime was started without fault injection");
  const response = await fetch(`${proxy}/__claw-faults?includes=${encodeURIComponent(part)}`);
  if (response.status !== 200) throw new Error(`fault proxy answered ${response.status}`);
  const rules = (await response.json()) as { fired: number }[];
  return rules.reduce((sum, rule) => sum + rule.fired, 0);
}
