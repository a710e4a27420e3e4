/**
 * Sequential AWS round trips per invocation, counted from the request log
 * (functions/adapters/aws-request-log.ts): each record says when its request
 * started and ended and which invocation sent it. Requests of one invocation
 * that overlap in time went out together and cost one round trip between
 * them; the round trips an invocation waited for in a row are the longest
 * chain of its requests in which each starts after the previous one ended
 * (found greedily by earliest end, which is optimal for interval chains).
 */
import type { AwsRequestRecord } from "../functions/adapters/aws-request-log.ts";

/** The number of requests in the longest chain of pairwise non-overlapping requests. */
export function longestSequentialChain(
  requests: readonly Pick<AwsRequestRecord, "startedAt" | "endedAt">[],
): number {
  const byEnd = [...requests].sort((a, b) => a.endedAt - b.endedAt);
  let chain = 0;
  let free = Number.NEGATIVE_INFINITY;
  for (const request of byEnd) {
    if (request.startedAt >= free) {
      chain++;
      free = request.endedAt;
    }
  }
  return chain;
}

export interface SequentialRoundTrips {
  /** Invocations of the function seen in the log. */
  readonly invocations: number;
  /** How many invocations had each chain length (`"1": 298` ...). */
  readonly histogram: Record<string, number>;
  readonly median: number;
  readonly max: number;
  /** AWS requests per invocation, by operation (mean). */
  readonly requestsPerInvocation: Record<string, number>;
}

/**
 * The sequential round trips of each invocation of `source` in `records`.
 * Records without an invocation id (a log written before ids existed) make it throw,
 * so a count is never silently made from nothing.
 */
export function sequentialRoundTrips(
  records: readonly AwsRequestRecord[],
  source: string,
): SequentialRoundTrips {
  const byInvocation = new Map<string, AwsRequestRecord[]>();
  for (const record of records) {
    if (record.source !== source) continue;
    if (!record.invocation)
      throw new Error(`request log: a ${record.operation} request of ${source} has no invocation id`);
    const list = byInvocation.get(record.invocation) ?? [];
    list.push(record);
    byInvocation.set(record.invocation, list);
  }
  const chains = [...byInvocation.values()].map(longestSequentialChain).sort((a, b) => a - b);
  const histogram: Record<string, number> = {};
  for (const chain of chains) histogram[chain] = (histogram[chain] ?? 0) + 1;
  const operations: Record<string, number> = {};
  for (const list of byInvocation.values())
    for (const record of list) operations[record.operation] = (operations[record.operation] ?? 0) + 1;
  return {
    invocations: chains.length,
    histogram,
    median: chains.length === 0 ? Number.NaN : chains[Math.ceil(chains.length / 2) - 1]!,
    max: chains.at(-1) ?? Number.NaN,
    requestsPerInvocation: Object.fromEntries(
      Object.entries(operations).map(([operation, count]) => [operation, count / chains.length]),
    ),
  };
}
