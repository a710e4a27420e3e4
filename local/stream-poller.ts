/**
 * A local stand-in for a Lambda DynamoDB-stream event-source mapping: reads
 * every shard of the table's stream (DynamoDB Local serves the Streams API on
 * its own endpoint), gathers records for up to the batching window or the
 * batch size, drops those the mapping's filter criteria reject, and invokes
 * the function with a DynamoDB stream event. A failed invocation is retried
 * with the same batch (up to MaximumRetryAttempts), as on AWS; then the batch
 * is skipped and said so.
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";
import type { LocalFunction } from "./function-host.ts";

export interface StreamMappingSpec {
  readonly logicalId: string;
  readonly streamArn: string;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  /** `TRIM_HORIZON` reads what the stream holds; `LATEST` only what comes after the start. */
  readonly startingPosition: "TRIM_HORIZON" | "LATEST";
  /** The mapping's filter patterns (JSON); a record passes when it matches one. None: every record. */
  readonly filterPatterns: readonly string[];
  /** -1: until it succeeds. */
  readonly maxRetryAttempts: number;
  readonly region: string;
}

/** How often an idle shard is read, and how often the stream is asked for new shards. */
const idlePollMs = 100;
const shardDiscoveryMs = 5_000;

type Pattern = { readonly [key: string]: Pattern | readonly unknown[] };

/**
 * Whether `value` matches an event-filter pattern. Supported: nested objects,
 * and at the leaves lists of exact values, `{prefix}` and `{exists}`; any other operator is
 * refused when the mapping starts, so a filter never silently passes locally.
 */
function matches(pattern: Pattern, value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = record[key];
    if (!Array.isArray(expected)) return matches(expected as Pattern, actual);
    return expected.some((option) => {
      if (option !== null && typeof option === "object") {
        if ("exists" in option) return (actual !== undefined) === (option as { exists: unknown }).exists;
        const prefix = (option as { prefix?: unknown }).prefix;
        return typeof prefix === "string" && typeof actual === "string" && actual.startsWith(prefix);
      }
      return option === actual;
    });
  });
}

function checkSupported(pattern: unknown, where: string): void {
  if (Array.isArray(pattern)) {
    for (const option of pattern) {
      if (option === null || typeof option !== "object") continue;
      const keys = Object.keys(option);
      if (keys.length !== 1 || (keys[0] !== "prefix" && keys[0] !== "exists"))
        throw new Error(
          `${where}: the local runtime supports exact values, {prefix} and {exists} in filter patterns only`,
        );
    }
    return;
  }
  if (pattern === null || typeof pattern !== "object") throw new Error(`${where}: malformed filter pattern`);
  for (const [key, value] of Object.entries(pattern)) checkSupported(value, `${where}.${key}`);
}

/** A stream record as Lambda hands it to a function (times in epoch seconds). */
function toLambdaRecord(record: StreamRecord, spec: StreamMappingSpec): DynamoDBRecord {
  const { dynamodb, ...rest } = record;
  const created = dynamodb?.ApproximateCreationDateTime;
  return {
    ...rest,
    eventSourceARN: spec.streamArn,
    awsRegion: spec.region,
    dynamodb: {
      ...dynamodb,
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
    },
  } as DynamoDBRecord;
}

export class StreamPoller {
  readonly spec: StreamMappingSpec;
  private readonly target: LocalFunction;
  private readonly streams: DynamoDBStreamsClient;
  private readonly log: (message: string) => void;
  private readonly patterns: Pattern[];
  private readonly stopController = new AbortController();
  private readonly shardLoops = new Map<string, Promise<void>>();
  private discovery: Promise<void> | undefined;

  constructor(
    spec: StreamMappingSpec,
    target: LocalFunction,
    streams: DynamoDBStreamsClient,
    log: (message: string) => void,
  ) {
    this.spec = spec;
    this.target = target;
    this.streams = streams;
    this.log = log;
    this.patterns = spec.filterPatterns.map((text, index) => {
      const pattern = JSON.parse(text) as Pattern;
      checkSupported(pattern, `${spec.logicalId} filter ${index}`);
      return pattern;
    });
  }

  start(): void {
    this.discovery = this.discoverLoop();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.discovery;
    await Promise.all(this.shardLoops.values());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopController.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async discoverLoop(): Promise<void> {
    while (!this.stopController.signal.aborted) {
      try {
        const { StreamDescription } = await this.streams.send(
          new DescribeStreamCommand({ StreamArn: this.spec.streamArn }),
        );
        for (const shard of StreamDescription?.Shards ?? []) {
          const shardId = shard.ShardId;
          if (shardId && !this.shardLoops.has(shardId)) this.shardLoops.set(shardId, this.shardLoop(shardId));
        }
      } catch (error) {
        if (!this.stopController.signal.aborted)
          this.log(`${this.spec.logicalId}: ${(error as Error).message}`);
      }
      await this.sleep(shardDiscoveryMs);
    }
  }

  /** An iterator after the last record read, or at the start position when none was read. */
  private async iteratorOf(shardId: string, afterSequence: string | undefined): Promise<string | undefined> {
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.spec.streamArn,
        ShardId: shardId,
        ...(afterSequence
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: afterSequence }
          : { ShardIteratorType: this.spec.startingPosition }),
      }),
    );
    return ShardIterator;
  }

  private async shardLoop(shardId: string): Promise<void> {
    const signal = this.stopController.signal;
    let iterator: string | undefined;
    let lastSequence: string | undefined;
    const pending: DynamoDBRecord[] = [];
    let firstPendingAt = 0;
    let open = true;
    while (open && !signal.aborted) {
      let records: StreamRecord[] = [];
      try {
        iterator ??= await this.iteratorOf(shardId, lastSequence);
        if (!iterator) break;
        const page = await this.streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(1000, this.spec.batchSize) }),
        );
        records = page.Records ?? [];
        iterator = page.NextShardIterator;
        open = iterator !== undefined;
      } catch (error) {
        if (signal.aborted) break;
        // DynamoDB Local answers an iterator of an empty shard with TrimmedDataAccessException:
        // ask again for one after the last record read.
        if ((error as Error).name !== "TrimmedDataAccessException")
          this.log(`${this.spec.logicalId}: shard ${shardId}: ${(error as Error).message}`);
        iterator = undefined;
        await this.sleep(idlePollMs);
        continue;
      }
      for (const record of records) {
        lastSequence = record.dynamodb?.SequenceNumber ?? lastSequence;
        const lambdaRecord = toLambdaRecord(record, this.spec);
        if (this.patterns.length > 0 && !this.patterns.some((pattern) => matches(pattern, lambdaRecord)))
          continue;
        if (pending.length === 0) firstPendingAt = Date.now();
        pending.push(lambdaRecord);
      }
      const due =
        pending.length >= this.spec.batchSize ||
        (pending.length > 0 && (Date.now() - firstPendingAt >= this.spec.batchingWindowMs || !open));
      if (due) {
        await this.deliver(pending.splice(0, this.spec.batchSize));
        continue;
      }
      if (records.length === 0) await this.sleep(idlePollMs);
    }
    if (pending.length > 0 && !signal.aborted) await this.deliver(pending);
  }

  private async deliver(records: DynamoDBRecord[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const invocation = await this.target.invoke({ Records: records });
      if (invocation.ok) return;
      const { errorType, errorMessage } = invocation.error;
      if (this.stopController.signal.aborted) return;
      if (this.spec.maxRetryAttempts >= 0 && attempt >= this.spec.maxRetryAttempts) {
        this.log(
          `${this.spec.logicalId}: batch of ${records.length} skipped after ${attempt + 1} failures: ${errorType}: ${errorMessage}`,
        );
        return;
      }
      this.log(
        `${this.spec.logicalId}: invocation failed (${errorType}: ${errorMessage}); retrying the batch`,
      );
      await this.sleep(Math.min(10_000, 200 * 2 ** attempt));
    }
  }
}
