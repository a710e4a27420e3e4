/**
 * BatchWriteItem in groups of 25 (DynamoDB's limit), sending unprocessed
 * items again with a short backoff until all are written.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

type WriteRequest =
  | { readonly PutRequest: { readonly Item: Record<string, unknown> } }
  | { readonly DeleteRequest: { readonly Key: Record<string, unknown> } };

const batchLimit = 25;
const maxRounds = 8;

export async function batchWrite(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
): Promise<void> {
  for (let start = 0; start < requests.length; start += batchLimit) {
    let pending = requests.slice(start, start + batchLimit) as WriteRequest[];
    for (let round = 0; pending.length > 0; round++) {
      if (round === maxRounds) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed`);
      if (round > 0) await sleep(Math.min(1_000, 50 * 2 ** round));
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }),
      );
      pending = (UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
}
