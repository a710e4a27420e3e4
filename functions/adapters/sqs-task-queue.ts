/**
 * TaskQueue on SQS: one queue per lane, URLs from the environment.
 */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { maxQueueDelaySeconds } from "../core/backoff.ts";
import type { TaskQueue } from "../core/ports.ts";
import { type Lane, laneQueueUrlVariable } from "../tasks/lanes.ts";
import { requireEnv } from "./environment.ts";

export type LaneQueueUrls = Partial<Record<Lane, string>>;

/** Reads the queue URL of each given lane from its environment variable; throws when one is missing. */
export function laneQueueUrlsFromEnv(lanesUsed: readonly Lane[]): LaneQueueUrls {
  return Object.fromEntries(lanesUsed.map((lane) => [lane, requireEnv(laneQueueUrlVariable(lane))]));
}

export function createSqsTaskQueue(client: SQSClient, queueUrls: LaneQueueUrls): TaskQueue {
  return {
    async send(envelope, delaySeconds = 0) {
      const queueUrl = queueUrls[envelope.lane];
      if (!queueUrl) throw new Error(`no queue URL configured for lane ${envelope.lane}`);
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(envelope),
          DelaySeconds: Math.min(maxQueueDelaySeconds, Math.max(0, Math.round(delaySeconds))),
          MessageAttributes: {
            taskType: { DataType: "String", StringValue: envelope.type },
            priority: { DataType: "String", StringValue: envelope.priority },
          },
        }),
      );
    },
  };
}
