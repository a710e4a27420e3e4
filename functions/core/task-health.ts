/**
 * Use cases of the housekeeping task types.
 *
 * check_task_health: a `running` task whose lease ran out more than a grace
 * period ago lost its worker and its message (or the message is parked far
 * in the future); a `queued` or `retrying` task long past due lost its
 * message. It looks at tasks submitted within `scanWindowSeconds` (an hour by
 * default; older ones are left to their messages' redelivery), because the
 * store has no status index: it reads the records of that window. Both get their envelope sent again: the claim takes a task with
 * an expired lease, turns a run past maxAttempts into `attempts_exhausted`,
 * and acknowledges a duplicate without running it. DLQ depths are read and
 * reported. Running workflows of the same window whose state has not
 * changed for the grace period are repaired (`repairStalledWorkflows`: a
 * node's end the stream gave up on is counted, what follows it started).
 * Metrics go out for each count.
 *
 * cleanup_expired_results: deletes finished records past their expiry in
 * bounded batches (DynamoDB TTL deletes them too, but up to 48 h late);
 * each delete is conditional on the expiry, so a re-run deletes nothing twice.
 *
 * Both visit every namespace that holds tasks (`TaskStore.namespaces`), each
 * through its own store, whichever namespace the housekeeping task runs in.
 */

import { laneNames } from "../tasks/lanes.ts";
import { envelopeOf } from "./envelope.ts";
import type { LaneDepth, LaneQueues, StoredTask, TaskQueue, TaskStore } from "./ports.ts";
import { repairStalledWorkflows, type StalledWorkflows, type WorkflowDeps } from "./run-workflow.ts";
import type { Task } from "./task.ts";
import type { MetricSink } from "./task-ports.ts";

export interface HealthDeps {
  /** The store of the namespace the task runs in: it names every namespace to visit. */
  readonly store: TaskStore;
  /** The store of each namespace. */
  readonly storeIn: (namespace: string) => TaskStore;
  readonly queue: TaskQueue;
  readonly lanes: LaneQueues;
  readonly metrics: MetricSink;
  readonly now: () => Date;
  /** The workflow ports of each namespace, where the worker can repair workflows (catalog `workflowRepair`). */
  readonly workflowsIn?: (namespace: string) => WorkflowDeps;
}

export interface HealthOptions {
  readonly stuckGraceSeconds: number;
  readonly unsentAfterSeconds: number;
  readonly scanLimit: number;
  /** How far back, by submission time, the check looks (it reads the records submitted in that window). */
  readonly scanWindowSeconds: number;
}

export interface RepairGroup {
  readonly found: number;
  /** Ids whose envelope was sent again (at most 50 listed). */
  readonly requeued: readonly string[];
  /** Of those, the ones past their last attempt, which the claim will fail as attempts_exhausted. */
  readonly exhausted: number;
}

export interface HealthReport {
  readonly checkedAt: string;
  readonly healthy: boolean;
  readonly stuckRunning: RepairGroup;
  readonly unsentQueued: RepairGroup;
  readonly overdueRetrying: RepairGroup;
  readonly stalledWorkflows: StalledWorkflows;
  readonly lanes: Readonly<Record<string, LaneDepth>>;
  readonly deadLetters: number;
}

const listedIds = 50;

/** The metrics check_task_health publishes (the CDK health alarm reads the first two). */
export const healthMetricNames = {
  stuckRequeued: "StuckTasksRequeued",
  unsentRequeued: "UnsentTasksRequeued",
  deadLetters: "DeadLetterMessages",
  workflowsRepaired: "StalledWorkflowsRepaired",
} as const;

async function requeue(tasks: readonly Task[], queue: TaskQueue): Promise<RepairGroup> {
  for (const task of tasks) await queue.send(envelopeOf(task));
  return {
    found: tasks.length,
    requeued: tasks.slice(0, listedIds).map((task) => task.id),
    exhausted: tasks.filter((task) => task.attempts >= task.maxAttempts).length,
  };
}

export async function checkTaskHealth(
  options: HealthOptions,
  deps: HealthDeps,
  signal: AbortSignal,
): Promise<HealthReport> {
  const now = deps.now();
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  const windowStart = ago(options.scanWindowSeconds);
  const stuckBefore = ago(options.stuckGraceSeconds).toISOString();
  const unsentBefore = ago(options.unsentAfterSeconds);
  const stuck: Task[] = [];
  const queued: Task[] = [];
  const retrying: Task[] = [];
  const stalled = { checked: 0, repaired: [] as string[], repairedCount: 0 };
  for (const namespace of await deps.store.namespaces()) {
    const store = deps.storeIn(namespace);
    // The message sent again names the task's namespace, also for a record written before namespaces.
    const inNamespace = (task: Task): Task => ({ ...task, namespace });
    const running = await store.findSubmittedBetween("running", windowStart, now, options.scanLimit);
    stuck.push(
      ...running
        .filter((stored: StoredTask) => stored.leaseUntil !== undefined && stored.leaseUntil < stuckBefore)
        .map((stored) => inNamespace(stored.task)),
    );
    signal.throwIfAborted();
    const waiting = await store.findSubmittedBetween(
      "queued",
      new Date(unsentBefore.getTime() - options.scanWindowSeconds * 1000),
      unsentBefore,
      options.scanLimit,
    );
    queued.push(...waiting.map((stored) => inNamespace(stored.task)));
    retrying.push(
      ...(await store.findSubmittedBetween("retrying", windowStart, now, options.scanLimit))
        .map((stored) => stored.task as Task & { nextAttemptAt?: string })
        .filter((task) => task.nextAttemptAt !== undefined && task.nextAttemptAt < unsentBefore.toISOString())
        .map(inNamespace),
    );
    signal.throwIfAborted();
    if (deps.workflowsIn) {
      const found = await repairStalledWorkflows(
        { since: windowStart, quietSince: ago(options.stuckGraceSeconds), limit: options.scanLimit },
        deps.workflowsIn(namespace),
      );
      stalled.checked += found.checked;
      stalled.repaired.push(...found.repaired);
      stalled.repairedCount += found.repairedCount;
      signal.throwIfAborted();
    }
  }

  const stuckRunning = await requeue(stuck, deps.queue);
  const unsentQueued = await requeue(queued, deps.queue);
  const overdueRetrying = await requeue(retrying, deps.queue);

  const depths = await Promise.all(laneNames.map((lane) => deps.lanes.depth(lane)));
  const lanes: Record<string, LaneDepth> = Object.fromEntries(depths.map((depth) => [depth.lane, depth]));
  const deadLetters = Object.values(lanes).reduce((sum, depth) => sum + depth.deadLetters, 0);

  deps.metrics(healthMetricNames.stuckRequeued, stuckRunning.found);
  deps.metrics(healthMetricNames.unsentRequeued, unsentQueued.found + overdueRetrying.found);
  deps.metrics(healthMetricNames.workflowsRepaired, stalled.repairedCount);
  for (const [lane, depth] of Object.entries(lanes))
    deps.metrics(healthMetricNames.deadLetters, depth.deadLetters, { lane });

  return {
    checkedAt: now.toISOString(),
    healthy:
      stuckRunning.found +
        unsentQueued.found +
        overdueRetrying.found +
        stalled.repairedCount +
        deadLetters ===
      0,
    stuckRunning,
    unsentQueued,
    overdueRetrying,
    stalledWorkflows: { ...stalled, repaired: stalled.repaired.slice(0, listedIds) },
    lanes,
    deadLetters,
  };
}

export interface CleanupResult {
  readonly examined: number;
  readonly deleted: number;
  /** Gone meanwhile (TTL or another run) or no longer expired. */
  readonly skipped: number;
  /** True when the batch limit stopped the run with more perhaps left. */
  readonly limitReached: boolean;
}

const cleanupBatch = 100;

export async function cleanupExpiredResults(
  batchLimit: number,
  deps: {
    readonly store: TaskStore;
    readonly storeIn: (namespace: string) => TaskStore;
    readonly now: () => Date;
    readonly metrics: MetricSink;
  },
  signal: AbortSignal,
): Promise<CleanupResult> {
  let examined = 0;
  let deleted = 0;
  // The batch limit holds for the run, across namespaces.
  for (const namespace of await deps.store.namespaces()) {
    const store = deps.storeIn(namespace);
    while (examined < batchLimit) {
      signal.throwIfAborted();
      const now = deps.now();
      const ids = await store.findExpired(now, Math.min(cleanupBatch, batchLimit - examined));
      if (ids.length === 0) break;
      const results = await Promise.all(ids.map((id) => store.deleteExpired(id, now)));
      examined += ids.length;
      const deletedNow = results.filter(Boolean).length;
      deleted += deletedNow;
      // Nothing deleted in a whole batch means the rest are not deletable now; stop rather than spin.
      if (deletedNow === 0) break;
    }
  }
  deps.metrics("ExpiredRecordsDeleted", deleted);
  return { examined, deleted, skipped: examined - deleted, limitReached: examined >= batchLimit };
}
