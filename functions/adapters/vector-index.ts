/**
 * The vector index the stage chose (VECTOR_INDEX: `dynamodb`, the default
 * table, or `s3vectors` with S3_VECTORS_BUCKET and S3_VECTORS_INDEX). The
 * settings are read at once (a missing one fails the cold start); the
 * adapter and its SDK client load on the first call.
 */
import { defaultNamespace } from "../core/namespaces.ts";
import type { VectorIndex } from "../core/task-ports.ts";
import { dynamoDocumentClient, s3VectorsClient } from "./aws-clients.ts";
import { requireEnv } from "./environment.ts";
import { lazyPort } from "./lazy-port.ts";

/** Reads the settings now; `inNamespace` gives the index of one namespace (its adapter loads on first use). */
export function vectorIndexFromEnv(): { inNamespace(namespace?: string): VectorIndex } {
  const kind = requireEnv("VECTOR_INDEX");
  if (kind === "dynamodb") {
    const tableName = requireEnv("KNOWLEDGE_TABLE_NAME");
    return {
      inNamespace: (namespace = defaultNamespace) =>
        lazyPort(async () => {
          const { createDynamoVectorIndex } = await import("./dynamodb-knowledge-store.ts");
          return createDynamoVectorIndex(await dynamoDocumentClient(), tableName, namespace);
        }),
    };
  }
  if (kind === "s3vectors") {
    const location = {
      vectorBucketName: requireEnv("S3_VECTORS_BUCKET"),
      indexName: requireEnv("S3_VECTORS_INDEX"),
    };
    return {
      inNamespace: (namespace = defaultNamespace) =>
        lazyPort(async () => {
          const { createS3VectorsIndex } = await import("./s3-vectors-index.ts");
          return createS3VectorsIndex(await s3VectorsClient(), location, namespace);
        }),
    };
  }
  throw new Error(`VECTOR_INDEX must be dynamodb or s3vectors, got ${kind}`);
}
