/**
 * The vector index the stage chose (VECTOR_INDEX: `dynamodb`, the default
 * table, or `s3vectors` with S3_VECTORS_BUCKET and S3_VECTORS_INDEX).
 */
import { S3VectorsClient } from "@aws-sdk/client-s3vectors";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { VectorIndex } from "../core/task-ports.ts";
import { createDynamoVectorIndex } from "./dynamodb-knowledge-store.ts";
import { requireEnv } from "./environment.ts";
import { createS3VectorsIndex } from "./s3-vectors-index.ts";

export function vectorIndexFromEnv(dynamo: DynamoDBDocumentClient): VectorIndex {
  const kind = requireEnv("VECTOR_INDEX");
  if (kind === "dynamodb") return createDynamoVectorIndex(dynamo, requireEnv("KNOWLEDGE_TABLE_NAME"));
  if (kind === "s3vectors") {
    return createS3VectorsIndex(new S3VectorsClient({}), {
      vectorBucketName: requireEnv("S3_VECTORS_BUCKET"),
      indexName: requireEnv("S3_VECTORS_INDEX"),
    });
  }
  throw new Error(`VECTOR_INDEX must be dynamodb or s3vectors, got ${kind}`);
}
