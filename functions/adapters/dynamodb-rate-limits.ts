/**
 * Global rate limits on DynamoDB, in the task table.
 *
 * A limit of N per minute is N slots (`rate#<type>` / `slot#<i>`), each
 * holding when it was last taken. A start takes a slot not taken in the last
 * 60 s, with a conditional write; so no 60-second window ever holds more
 * than N starts, whichever workers make them. Only rate-limited types pay
 * for this (one Query and one UpdateItem per start).
 *
 * A namespace's share of a type's limit (RATE_LIMIT_NAMESPACE_SHARE) is
 * counted the same way in slots of its own, `rate#<type>#<namespace>`.
 *
 * Run-time overrides live at `config` / `rate#<type>`.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { RateDecision, RateLimiter, RateLimitSettings } from "../core/ports.ts";
import type { TaskType } from "../tasks/catalog.ts";

const windowMs = 60_000;

/** The slots' partition: the type's, or one namespace's share of it. */
const slotPartition = (type: TaskType, namespace?: string) =>
  namespace === undefined ? `rate#${type}` : `rate#${type}#${namespace}`;

export function createDynamoRateLimiter(client: DynamoDBDocumentClient, tableName: string): RateLimiter {
  async function takenSlots(partition: string): Promise<Map<number, number>> {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": partition },
        ConsistentRead: true,
      }),
    );
    return new Map(
      Items.map((item) => [Number((item.sk as string).slice("slot#".length)), item.takenAt as number]),
    );
  }

  async function take(partition: string, slot: number, nowMs: number): Promise<boolean> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: partition, sk: `slot#${slot}` },
          UpdateExpression: "SET takenAt = :now",
          ConditionExpression: "attribute_not_exists(takenAt) OR takenAt <= :cutoff",
          ExpressionAttributeValues: { ":now": nowMs, ":cutoff": nowMs - windowMs },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  return {
    async acquire(type, perMinute, now, namespace): Promise<RateDecision> {
      const partition = slotPartition(type, namespace);
      const nowMs = now.getTime();
      const slots = Array.from({ length: perMinute }, (_, slot) => slot);
      for (let round = 0; round < 2; round++) {
        const taken = await takenSlots(partition);
        const free = slots.filter((slot) => (taken.get(slot) ?? 0) <= nowMs - windowMs);
        // Random order, so concurrent workers seldom race for the same slot.
        for (let tries = 0; tries < 3 && free.length > 0; tries++) {
          const [slot] = free.splice(Math.floor(Math.random() * free.length), 1);
          if (await take(partition, slot!, nowMs)) return { granted: true };
        }
        if (free.length === 0) {
          const oldest = Math.min(...slots.map((slot) => taken.get(slot) ?? 0));
          return {
            granted: false,
            retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - nowMs) / 1000)),
          };
        }
      }
      return { granted: false, retryAfterSeconds: 1 };
    },
  };
}

export function createDynamoRateLimitSettings(
  client: DynamoDBDocumentClient,
  tableName: string,
): RateLimitSettings {
  return {
    async overrides() {
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": "config", ":prefix": "rate#" },
        }),
      );
      const overrides: Partial<Record<TaskType, number | null>> = {};
      for (const item of Items) {
        if (item.override === true)
          overrides[(item.sk as string).slice("rate#".length) as TaskType] = item.perMinute as number | null;
      }
      return overrides;
    },
    async set(type, perMinute) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: "config",
            sk: `rate#${type}`,
            override: perMinute !== undefined,
            perMinute: perMinute ?? null,
          },
        }),
      );
    },
  };
}
