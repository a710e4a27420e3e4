/**
 * VectorIndex on Amazon S3 Vectors, for knowledge bases too large for the
 * DynamoDB index's exact scan. One vector index (created with the cosine
 * metric and `text` as non-filterable metadata, see README) holds every
 * base; a vector's key is `<knowledge base>/<document>/<chunk>` and its
 * filterable metadata names the base and document, so a query is filtered
 * to one base. Outside the default namespace the base is `<namespace>#<id>`
 * in both (namespaces.ts `namespacedId`). Document records stay in DynamoDB.
 */
import {
  DeleteVectorsCommand,
  PutVectorsCommand,
  QueryVectorsCommand,
  type S3VectorsClient,
} from "@aws-sdk/client-s3vectors";
import { defaultNamespace, namespacedId } from "../core/namespaces.ts";
import type { ChunkMatch, VectorIndex } from "../core/task-ports.ts";

export interface S3VectorsLocation {
  readonly vectorBucketName: string;
  readonly indexName: string;
}

/** PutVectors and DeleteVectors take at most 500 vectors a call. */
const callLimit = 500;

const vectorKey = (knowledgeBaseId: string, documentId: string, index: number) =>
  `${knowledgeBaseId}/${documentId}/${index}`;

function inGroups<T>(items: readonly T[]): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += callLimit)
    groups.push(items.slice(start, start + callLimit));
  return groups;
}

export function createS3VectorsIndex(
  client: S3VectorsClient,
  location: S3VectorsLocation,
  namespace: string = defaultNamespace,
): VectorIndex {
  const baseOf = (knowledgeBaseId: string) => namespacedId(namespace, knowledgeBaseId);
  return {
    async upsert(chunks) {
      for (const group of inGroups(chunks)) {
        await client.send(
          new PutVectorsCommand({
            ...location,
            vectors: group.map((chunk) => ({
              key: vectorKey(baseOf(chunk.knowledgeBaseId), chunk.documentId, chunk.index),
              data: { float32: [...chunk.vector] },
              metadata: {
                knowledgeBaseId: baseOf(chunk.knowledgeBaseId),
                documentId: chunk.documentId,
                chunkIndex: chunk.index,
                text: chunk.text,
                ...(chunk.metadata ? { attributes: chunk.metadata } : {}),
              },
            })),
          }),
        );
      }
    },
    async remove(knowledgeBaseId, chunks) {
      for (const group of inGroups(chunks)) {
        await client.send(
          new DeleteVectorsCommand({
            ...location,
            keys: group.map((chunk) => vectorKey(baseOf(knowledgeBaseId), chunk.documentId, chunk.index)),
          }),
        );
      }
    },
    async query(knowledgeBaseId, vector, k) {
      const { vectors = [] } = await client.send(
        new QueryVectorsCommand({
          ...location,
          topK: k,
          queryVector: { float32: [...vector] },
          filter: { knowledgeBaseId: { $eq: baseOf(knowledgeBaseId) } },
          returnMetadata: true,
          returnDistance: true,
        }),
      );
      return vectors.map((match): ChunkMatch => {
        const metadata = (match.metadata ?? {}) as {
          documentId?: string;
          chunkIndex?: number;
          text?: string;
          attributes?: Record<string, string>;
        };
        return {
          documentId: metadata.documentId ?? "",
          index: Number(metadata.chunkIndex ?? 0),
          text: metadata.text ?? "",
          // The index uses the cosine metric: distance = 1 - similarity.
          score: 1 - (match.distance ?? 1),
          ...(metadata.attributes ? { metadata: metadata.attributes } : {}),
        };
      });
    },
  };
}
