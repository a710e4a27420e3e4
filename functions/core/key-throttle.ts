/**
 * Per-key request throttling: a token bucket per API key, in the memory of
 * one API instance (API Gateway's stage throttling caps the total). A key
 * over its rate gets `429` with Retry-After instead of queueing work.
 */
import { ApiError } from "./api-error.ts";

export interface KeyThrottleOptions {
  /** The default rate; a key may carry its own. */
  readonly ratePerSecond: number;
  readonly burst: number;
}

export function createKeyThrottle(options: KeyThrottleOptions, nowMs: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes one request's token for `key` (at its own `ratePerSecond` if it has one), or throws a 429. */
    take(key: string, ratePerSecond = options.ratePerSecond): void {
      const burst = ratePerSecond === options.ratePerSecond ? options.burst : Math.max(1, ratePerSecond * 2);
      const now = nowMs();
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
      bucket.at = now;
      if (buckets.size >= 10_000 && !buckets.has(key)) buckets.clear();
      buckets.set(key, bucket);
      if (bucket.tokens < 1) {
        const retryAfterSeconds = Math.ceil((1 - bucket.tokens) / ratePerSecond);
        const message = `too many requests for this API key; retry in ${retryAfterSeconds} s`;
        throw new ApiError(429, "throttled", message, { retryAfterSeconds });
      }
      bucket.tokens -= 1;
    },
  };
}
