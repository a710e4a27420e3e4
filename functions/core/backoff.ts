import type { RetryPolicy } from "../tasks/catalog.ts";

/** SQS cannot delay a message longer than this. */
export const maxQueueDelaySeconds = 900;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff and Jitter"): a uniform delay in [0, min(cap, base * 2^(attempt-1))].
 * `random` returns a number in [0, 1).
 */
export function retryDelaySeconds(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(
    policy.backoffCapSeconds,
    policy.backoffBaseSeconds * 2 ** Math.max(0, attempt - 1),
  );
  return Math.min(maxQueueDelaySeconds, Math.round(random() * ceiling));
}
