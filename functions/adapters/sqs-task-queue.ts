/**
 * The lane queues on SQS: one queue per lane and priority (or one per lane
 * that every priority shares), plus the lane's dead-letter queue; URLs come
 * from the environment.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { maxQueueDelaySeconds } from "../core/backoff.ts";
import type { LaneDepth, LaneQueues, TaskQueue } from "../core/ports.ts";
import type { Lane, Priority } from "../tasks/lanes.ts";
import { type LaneQueueUrls, separatePriorities } from "./lane-environment.ts";

function queueUrlOf(urls: LaneQueueUrls, lane: Lane, priority: Priority): string {
  const url = urls.queues[lane]?.[priority];
  if (!url) throw new Error(`no queue URL configured for lane ${lane}, priority ${priority}`);
  return url;
}

export function createSqsTaskQueue(client: SQSClient, urls: LaneQueueUrls): TaskQueue {
  return {
    async send(envelope, delaySeconds = 0) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrlOf(urls, envelope.lane, envelope.priority),
          MessageBody: JSON.stringify(envelope),
          DelaySeconds: Math.min(maxQueueDelaySeconds, Math.max(0, Math.ceil(delaySeconds))),
          MessageAttributes: {
            taskType: { DataType: "String", StringValue: envelope.type },
            priority: { DataType: "String", StringValue: envelope.priority },
          },
        }),
      );
    },
  };
}

const depthAttributes = [
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
] as const;

export function createSqsLaneQueues(client: SQSClient, urls: LaneQueueUrls): LaneQueues {
  async function attributesOf(queueUrl: string) {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...depthAttributes] }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  function queuesOf(lane: Lane): Record<Priority, string> {
    const queues = urls.queues[lane];
    if (!queues) throw new Error(`no queue URLs configured for lane ${lane}`);
    return queues;
  }

  function deadLetterUrlOf(lane: Lane): string {
    const url = urls.deadLetters[lane];
    if (!url) throw new Error(`no dead-letter queue URL configured for lane ${lane}`);
    return url;
  }

  return {
    async depth(lane): Promise<LaneDepth> {
      const [perPriority, deadLetters] = await Promise.all([
        Promise.all(
          separatePriorities(queuesOf(lane)).map(
            async (priority) => [priority, await attributesOf(queueUrlOf(urls, lane, priority))] as const,
          ),
        ),
        attributesOf(deadLetterUrlOf(lane)),
      ]);
      const queues = Object.fromEntries(perPriority);
      const sum = (key: "visible" | "inFlight" | "delayed") =>
        perPriority.reduce((total, [, depth]) => total + depth[key], 0);
      return {
        lane,
        queues,
        visible: sum("visible"),
        inFlight: sum("inFlight"),
        delayed: sum("delayed"),
        deadLetters: deadLetters.visible + deadLetters.inFlight,
      };
    },

    async drainDeadLetters(lane, accept, maxMessages) {
      const queueUrl = deadLetterUrlOf(lane);
      let moved = 0;
      while (moved < maxMessages) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, maxMessages - moved),
            WaitTimeSeconds: 0,
            VisibilityTimeout: 60,
          }),
        );
        if (Messages.length === 0) break;
        const accepted: { Id: string; ReceiptHandle: string }[] = [];
        for (const [index, message] of Messages.entries()) {
          if (await accept(message.Body ?? ""))
            accepted.push({ Id: String(index), ReceiptHandle: message.ReceiptHandle! });
        }
        if (accepted.length > 0) {
          await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: accepted }));
        }
        moved += accepted.length;
        if (accepted.length < Messages.length) break;
      }
      return moved;
    },
  };
}
