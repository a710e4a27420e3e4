/**
 * ConversationStore on DynamoDB, bound to one namespace: one partition per
 * conversation, `pk = conversation#<id>` (`conversation#<namespace>#<id>`
 * outside the default namespace, namespaces.ts `namespacedId`), one item per message,
 * `sk = turn#<task submitted at>#<task id>#<position>`, so messages sort in
 * the order their tasks were submitted, user before assistant, and a task
 * run again overwrites its own messages.
 */
import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { validationError } from "../core/api-error.ts";
import { defaultNamespace, namespacedId } from "../core/namespaces.ts";
import type { ConversationMessage, ConversationStore } from "../core/task-ports.ts";
import { batchWrite } from "./dynamodb-batch.ts";

const partitionIn = (namespace: string) => (conversationId: string) =>
  `conversation#${namespacedId(namespace, conversationId)}`;

function toMessage(item: Record<string, unknown>): ConversationMessage {
  const { pk: _pk, sk: _sk, ...message } = item;
  return message as unknown as ConversationMessage;
}

function decodeCursor(
  cursor: string,
  conversationId: string,
  partition: (conversationId: string) => string,
): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
    if (key.pk === partition(conversationId) && typeof key.sk === "string") return { pk: key.pk, sk: key.sk };
  } catch {
    // Reported below.
  }
  throw validationError([{ path: "cursor", message: "not a cursor of this conversation" }]);
}

export function createDynamoConversationStore(
  client: DynamoDBDocumentClient,
  tableName: string,
  namespace: string = defaultNamespace,
): ConversationStore {
  const partition = partitionIn(namespace);
  return {
    async recent(conversationId, limit) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": partition(conversationId) },
          ScanIndexForward: false,
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      return (Items ?? []).map(toMessage);
    },
    async append(messages) {
      await batchWrite(
        client,
        tableName,
        messages.map((message) => ({
          PutRequest: {
            Item: {
              pk: partition(message.conversationId),
              sk: `turn#${message.turnAt}#${message.taskId}#${message.position}`,
              ...message,
            },
          },
        })),
      );
    },
    async page(conversationId, limit, cursor) {
      const { Items, LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": partition(conversationId) },
          Limit: limit,
          ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, conversationId, partition) } : {}),
        }),
      );
      return {
        items: (Items ?? []).map(toMessage),
        nextCursor: LastEvaluatedKey
          ? Buffer.from(JSON.stringify(LastEvaluatedKey), "utf8").toString("base64url")
          : null,
      };
    },
  };
}
