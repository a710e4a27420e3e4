/**
 * PayloadStore on S3: one object per large input or result.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { PayloadStore } from "../core/ports.ts";

export function createS3PayloadStore(client: S3Client, bucket: string): PayloadStore {
  return {
    async put(key, json) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: json, ContentType: "application/json" }),
      );
    },
    async get(key) {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!Body) throw new Error(`payload ${key} is empty`);
      return Body.transformToString("utf8");
    },
  };
}
