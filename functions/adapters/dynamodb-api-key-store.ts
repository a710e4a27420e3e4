/**
 * ApiKeyStore on DynamoDB: one item per key, keyed by the key's SHA-256.
 * The key itself is never stored.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ApiKeyRecord, ApiKeyStore } from "../core/ports.ts";

/** The key table's partition key; the CDK construct reads it from here. */
export const apiKeyPartitionKey = "keyHash";

export interface WritableApiKeyStore extends ApiKeyStore {
  put(record: ApiKeyRecord): Promise<void>;
}

export function createDynamoApiKeyStore(
  client: DynamoDBDocumentClient,
  tableName: string,
): WritableApiKeyStore {
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
  };
}
