/**
 * Times measured from a task record: the wait from due to start. Pure and
 * small: the worker (run-task.ts) and the counters function, which measures
 * from the table's stream (adapters/task-metrics.ts), both use it.
 */
import type { Task } from "./task.ts";

/**
 * How long a just-started task waited to start: from when it became due
 * (queued, or its runAt) to `startedAt`. Undefined for retries and for
 * crashed attempts claimed again, whose wait is mostly their chosen backoff
 * or lease. `claimed.history` needs only the entries from the one before the
 * start onwards.
 */
export function queueWaitMs(
  claimed: Pick<Task, "history" | "createdAt" | "runAt">,
  startedAt: Date,
): number | undefined {
  // The attempt's start is the last `running` entry (an attempt recorded in one write has its end after it).
  const start = claimed.history.findLastIndex((entry) => entry.status === "running");
  const previous = start > 0 ? claimed.history[start - 1] : undefined;
  if (!previous || (previous.status !== "queued" && previous.status !== "scheduled")) {
    // A record the claim itself created (its submit write was lost) waited since it was created.
    return start === 0 ? Math.max(0, startedAt.getTime() - dueOf(claimed, claimed.createdAt)) : undefined;
  }
  return Math.max(0, startedAt.getTime() - dueOf(claimed, previous.at));
}

const dueOf = (task: Pick<Task, "runAt">, waitingSince: string) =>
  Math.max(Date.parse(waitingSince), task.runAt ? Date.parse(task.runAt) : 0);
