/**
 * Knowledge bases on DynamoDB: the document records (KnowledgeDocuments) and,
 * by default, the vectors (VectorIndex), in the knowledge table.
 *
 * Item layout (keys `pk`, `sk`): a knowledge base is one partition,
 * `pk = kb#<id>` (`kb#<namespace>#<id>` outside the default namespace: each
 * store is bound to one, namespaces.ts `namespacedId`); a document record is `sk = doc#<documentId>`, a chunk
 * `sk = chunk#<documentId>#<index, 6 digits>` with its text and its vector as
 * little-endian float32 bytes. Search reads the base's chunks and ranks them
 * by cosine similarity: exact, and fine up to some ten thousand chunks per
 * base; larger bases belong in the S3 Vectors index.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import { cosineSimilarity } from "../core/knowledge.ts";
import { defaultNamespace, namespacedId } from "../core/namespaces.ts";
import type { ChunkMatch, KnowledgeDocument, KnowledgeDocuments, VectorIndex } from "../core/task-ports.ts";
import { batchWrite } from "./dynamodb-batch.ts";

const partitionIn = (namespace: string) => (knowledgeBaseId: string) =>
  `kb#${namespacedId(namespace, knowledgeBaseId)}`;
const documentSort = (documentId: string) => `doc#${documentId}`;
const chunkSort = (documentId: string, index: number) =>
  `chunk#${documentId}#${String(index).padStart(6, "0")}`;

function toBytes(vector: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(vector).buffer);
}

function fromBytes(bytes: Uint8Array): Float32Array {
  // Copy: the SDK's buffer may be a view at an offset that is not 4-byte aligned.
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

/** Every item of a query, page after page. */
async function queryAll(
  client: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof QueryCommand>[0],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

function toDocument(item: Record<string, unknown>): KnowledgeDocument {
  const { pk: _pk, sk: _sk, ...document } = item;
  return document as unknown as KnowledgeDocument;
}

export function createDynamoKnowledgeDocuments(
  client: DynamoDBDocumentClient,
  tableName: string,
  namespace: string = defaultNamespace,
): KnowledgeDocuments {
  const basePartition = partitionIn(namespace);
  return {
    async get(knowledgeBaseId, documentId) {
      const { Item } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: basePartition(knowledgeBaseId), sk: documentSort(documentId) },
          ConsistentRead: true,
        }),
      );
      return Item ? toDocument(Item) : undefined;
    },
    async list(knowledgeBaseId) {
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": basePartition(knowledgeBaseId), ":prefix": "doc#" },
        ConsistentRead: true,
      });
      return items.map(toDocument);
    },
    async put(document) {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: basePartition(document.knowledgeBaseId),
            sk: documentSort(document.documentId),
            ...document,
          },
        }),
      );
    },
    async delete(knowledgeBaseId, documentId) {
      await client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: { pk: basePartition(knowledgeBaseId), sk: documentSort(documentId) },
        }),
      );
    },
  };
}

export function createDynamoVectorIndex(
  client: DynamoDBDocumentClient,
  tableName: string,
  namespace: string = defaultNamespace,
): VectorIndex {
  const basePartition = partitionIn(namespace);
  return {
    async upsert(chunks) {
      await batchWrite(
        client,
        tableName,
        chunks.map((chunk) => ({
          PutRequest: {
            Item: {
              pk: basePartition(chunk.knowledgeBaseId),
              sk: chunkSort(chunk.documentId, chunk.index),
              documentId: chunk.documentId,
              chunkIndex: chunk.index,
              text: chunk.text,
              vector: toBytes(chunk.vector),
              ...(chunk.metadata ? { metadata: chunk.metadata } : {}),
            },
          },
        })),
      );
    },
    async remove(knowledgeBaseId, chunks) {
      await batchWrite(
        client,
        tableName,
        chunks.map((chunk) => ({
          DeleteRequest: {
            Key: { pk: basePartition(knowledgeBaseId), sk: chunkSort(chunk.documentId, chunk.index) },
          },
        })),
      );
    },
    async query(knowledgeBaseId, vector, k) {
      const items = await queryAll(client, {
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": basePartition(knowledgeBaseId), ":prefix": "chunk#" },
      });
      const scored: ChunkMatch[] = items.map((item) => ({
        documentId: item.documentId as string,
        index: item.chunkIndex as number,
        text: item.text as string,
        score: cosineSimilarity(vector, fromBytes(item.vector as Uint8Array)),
        ...(item.metadata ? { metadata: item.metadata as Record<string, string> } : {}),
      }));
      return scored.sort((a, b) => b.score - a.score).slice(0, k);
    },
  };
}
