/**
 * TopicPublisher on Amazon SNS.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { TopicPublisher } from "../core/task-ports.ts";

export function createSnsTopicPublisher(client: SNSClient): TopicPublisher {
  return {
    async publish(topicArn, message, attributes) {
      const { MessageId } = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: message,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [
              name,
              { DataType: "String", StringValue: value },
            ]),
          ),
        }),
      );
      return { messageId: MessageId ?? "" };
    },
  };
}
