/**
 * ApiKeyStore on DynamoDB: one item per key, keyed by the key's SHA-256.
 * The key itself is never stored.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ApiKeyRecord, ApiKeyStore } from "../core/ports.ts";

/** The key table's partition key; the CDK construct reads it from here. */
export const apiKeyPartitionKey = "keyHash";

export function createDynamoApiKeyStore(client: DynamoDBDocumentClient, tableName: string): ApiKeyStore {
  return {
    async findByHash(keyHash) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { [apiKeyPartitionKey]: keyHash } }),
      );
      return Item as ApiKeyRecord | undefined;
    },
    async put(record) {
      await client.send(new PutCommand({ TableName: tableName, Item: { ...record } }));
    },
    async list() {
      // The key table holds a handful of items: a scan is the plain way to list them.
      const records: ApiKeyRecord[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
        records.push(...((page.Items ?? []) as ApiKeyRecord[]));
        start = page.LastEvaluatedKey;
      } while (start);
      return records;
    },
    async revoke(keyHash, at) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [apiKeyPartitionKey]: keyHash },
            UpdateExpression: "SET revokedAt = if_not_exists(revokedAt, :at)",
            ConditionExpression: "attribute_exists(keyHash)",
            ExpressionAttributeValues: { ":at": at },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}
