/**
 * LaneActivity on the task table: one item per lane (`pk = lane#<lane>`,
 * `sk = activity`) holding when its worker last took a batch. Each worker
 * process writes at most once per `minIntervalMs`, so a busy lane costs a
 * handful of writes a minute, not one per batch (no hot key).
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { LaneActivity } from "../core/ports.ts";
import type { Lane } from "../tasks/lanes.ts";

const activityKey = (lane: Lane) => ({ pk: `lane#${lane}`, sk: "activity" });

export function createDynamoLaneActivity(
  client: DynamoDBDocumentClient,
  options: { readonly tableName: string; readonly minIntervalMs: number },
): LaneActivity {
  const { tableName, minIntervalMs } = options;
  const lastWritten = new Map<Lane, number>();
  return {
    async record(lane, at) {
      if (at.getTime() - (lastWritten.get(lane) ?? 0) < minIntervalMs) return;
      lastWritten.set(lane, at.getTime());
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: activityKey(lane),
            UpdateExpression: "SET lastActivityAt = :at",
            // Concurrent workers: keep the latest time.
            ConditionExpression: "attribute_not_exists(lastActivityAt) OR lastActivityAt < :at",
            ExpressionAttributeValues: { ":at": at.toISOString() },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
    async lastActivity(lane) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: activityKey(lane) }));
      return Item?.lastActivityAt as string | undefined;
    },
  };
}
