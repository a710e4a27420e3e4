/**
 * A local stand-in for a Lambda SQS event-source mapping: up to
 * MaximumConcurrency concurrent pollers, each receiving a batch of up to
 * BatchSize messages, invoking the function with an SQS event, and deleting
 * what succeeded. With ReportBatchItemFailures only the listed records stay;
 * a failed or timed-out invocation leaves the whole batch to reappear after
 * the visibility timeout, and the queue's redrive policy moves messages past
 * maxReceiveCount to the DLQ, as on AWS. It can be paused, resumed and
 * resized while running (the local Lambda control plane drives that).
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { LocalFunction } from "./function-host.ts";

export interface EventSourceMappingSpec {
  readonly logicalId: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly batchSize: number;
  /** MaximumConcurrency at start; UpdateEventSourceMapping changes it at run time. */
  readonly maxConcurrency: number;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
  readonly region: string;
}

/** Long-poll wait per receive; short enough to notice a stop promptly. */
const waitTimeSeconds = 2;

function toRecord(message: Message, spec: EventSourceMappingSpec): SQSRecord {
  const system = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? "1",
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? "String",
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
          ...(value.BinaryValue === undefined
            ? {}
            : { binaryValue: Buffer.from(value.BinaryValue).toString("base64") }),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: spec.queueArn,
    awsRegion: spec.region,
  };
}

/** The message ids to keep, from a function's answer, or undefined when the whole batch failed. */
function failedIds(
  records: readonly SQSRecord[],
  result: unknown,
  reportsFailures: boolean,
): Set<string> | undefined {
  if (!reportsFailures) return new Set();
  const failures = (result as Partial<SQSBatchResponse> | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  const known = new Set(records.map((record) => record.messageId));
  const ids = new Set<string>();
  for (const failure of failures) {
    // An unknown or empty identifier makes Lambda treat the whole batch as failed.
    if (!failure?.itemIdentifier || !known.has(failure.itemIdentifier)) return undefined;
    ids.add(failure.itemIdentifier);
  }
  return ids;
}

/** Lambda's names for a mapping's state, as far as the local poller has them. */
export type MappingState = "Enabled" | "Disabling" | "Disabled";

export class EventSourcePoller {
  readonly spec: EventSourceMappingSpec;
  private readonly target: LocalFunction;
  private readonly sqs: SQSClient;
  private readonly onError: (message: string) => void;
  private readonly stopController = new AbortController();
  /** Running poll loops by index; a loop whose index is not below the concurrency ends after its current batch. */
  private readonly loops = new Map<number, Promise<void>>();
  private started = false;
  private enabled: boolean;
  private requestedConcurrency: number;
  private activeBatches = 0;
  private lastActivity: Date | undefined;

  constructor(
    spec: EventSourceMappingSpec,
    target: LocalFunction,
    sqs: SQSClient,
    onError: (message: string) => void,
  ) {
    this.spec = spec;
    this.target = target;
    this.sqs = sqs;
    this.onError = onError;
    this.enabled = spec.enabled;
    this.requestedConcurrency = spec.maxConcurrency;
  }

  /** Invocations running now. */
  get inFlight(): number {
    return this.activeBatches;
  }

  get lastInvokedAt(): Date | undefined {
    return this.lastActivity;
  }

  /** The MaximumConcurrency asked for (the function's own concurrency may cap it further). */
  get maxConcurrency(): number {
    return this.requestedConcurrency;
  }

  /** Disabling while a poll or batch is still running; those finish, as on Lambda. */
  get state(): MappingState {
    if (this.enabled) return "Enabled";
    return this.loops.size > 0 ? "Disabling" : "Disabled";
  }

  /** Concurrent pollers: the mapping's MaximumConcurrency within the function's concurrency. */
  private get pollers(): number {
    return this.enabled ? Math.min(this.requestedConcurrency, this.target.spec.maxConcurrency) : 0;
  }

  start(): void {
    this.started = true;
    this.reconcile();
  }

  /**
   * Applies an UpdateEventSourceMapping at once: pausing stops taking new
   * batches (running ones finish), resuming and raising the concurrency start
   * pollers, lowering it ends the surplus pollers after their current batch.
   */
  update(change: { enabled?: boolean; maxConcurrency?: number }): void {
    if (change.enabled !== undefined) this.enabled = change.enabled;
    if (change.maxConcurrency !== undefined) this.requestedConcurrency = change.maxConcurrency;
    this.reconcile();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await Promise.all(this.loops.values());
  }

  private reconcile(): void {
    if (!this.started || this.stopController.signal.aborted) return;
    for (let index = 0; index < this.pollers; index++) {
      if (!this.loops.has(index)) this.loops.set(index, this.pollLoop(index));
    }
  }

  /** Checked synchronously before each receive, so a loop ends or goes on in the same tick it is told to. */
  private keepsPolling(index: number): boolean {
    if (!this.stopController.signal.aborted && index < this.pollers) return true;
    this.loops.delete(index);
    return false;
  }

  private async pollLoop(index: number): Promise<void> {
    // Let the caller record this loop before it first checks whether it may run.
    await Promise.resolve();
    const signal = this.stopController.signal;
    while (this.keepsPolling(index)) {
      try {
        const { Messages } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.spec.queueUrl,
            MaxNumberOfMessages: Math.min(10, this.spec.batchSize),
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: signal },
        );
        if (!Messages?.length) continue;
        await this.deliver(Messages);
      } catch (error) {
        if (signal.aborted) continue;
        this.onError(`${this.spec.logicalId}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async deliver(messages: Message[]): Promise<void> {
    const records = messages.map((message) => toRecord(message, this.spec));
    const event: SQSEvent = { Records: records };
    this.activeBatches++;
    this.lastActivity = new Date();
    let keep: Set<string> | undefined;
    try {
      const invocation = await this.target.invoke(event);
      keep = invocation.ok
        ? failedIds(records, invocation.result, this.spec.reportBatchItemFailures)
        : undefined;
      if (!invocation.ok)
        this.onError(
          `${this.spec.logicalId}: invocation failed: ${invocation.error.errorType}: ${invocation.error.errorMessage}`,
        );
    } finally {
      this.activeBatches--;
    }
    if (!keep) return;
    const done = records.filter((record) => !keep.has(record.messageId));
    if (done.length === 0) return;
    await this.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.spec.queueUrl,
        Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
  }
}
