/**
 * DeliveryLedger in the task table: one item per delivery id,
 * `pk = delivery#<id>`, `sk = delivery`, outside the listing indexes (no
 * shard attributes), expiring by the table's TTL like task records.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DeliveryLedger, DeliveryRecord } from "../core/task-ports.ts";
import { ttlAttribute } from "./dynamodb-task-store.ts";

const deliveryKey = (deliveryId: string) => ({ pk: `delivery#${deliveryId}`, sk: "delivery" });

export function createDynamoDeliveryLedger(
  client: DynamoDBDocumentClient,
  options: { readonly tableName: string; readonly retentionSeconds: number },
): DeliveryLedger {
  const { tableName, retentionSeconds } = options;
  return {
    async begin(deliveryId, taskId, now, leaseUntil) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: deliveryKey(deliveryId),
            UpdateExpression: `SET #state = :sending, leaseUntil = :leaseUntil, taskId = :taskId, ${ttlAttribute} = :expiry`,
            ConditionExpression: "attribute_not_exists(pk) OR (#state = :sending AND leaseUntil < :now)",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: {
              ":sending": "sending",
              ":leaseUntil": leaseUntil.toISOString(),
              ":now": now.toISOString(),
              ":taskId": taskId,
              ":expiry": Math.floor(now.getTime() / 1000) + retentionSeconds,
            },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return { state: "started" };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
        const current = unmarshall(error.Item);
        if (current.state === "delivered") {
          const { deliveryId: id, status, deliveredAt, taskId: by } = current as DeliveryRecord;
          return { state: "delivered", record: { deliveryId: id, status, deliveredAt, taskId: by } };
        }
        return { state: "in_progress", until: current.leaseUntil as string };
      }
    },
    async complete(record) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...deliveryKey(record.deliveryId),
            ...record,
            state: "delivered",
            [ttlAttribute]: Math.floor(Date.parse(record.deliveredAt) / 1000) + retentionSeconds,
          },
        }),
      );
    },
    async release(deliveryId, taskId) {
      await client
        .send(
          new UpdateCommand({
            TableName: tableName,
            Key: deliveryKey(deliveryId),
            UpdateExpression: "SET leaseUntil = :expired",
            ConditionExpression: "#state = :sending AND taskId = :taskId",
            ExpressionAttributeNames: { "#state": "state" },
            ExpressionAttributeValues: {
              ":expired": new Date(0).toISOString(),
              ":sending": "sending",
              ":taskId": taskId,
            },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    },
  };
}
