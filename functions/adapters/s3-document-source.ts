/**
 * DocumentSource on S3: reads an object as UTF-8 text, refusing objects
 * larger than the limit (before downloading them) and ones that are not
 * valid UTF-8. Failures name no bucket or key in their message (the task
 * record is every `read` key's to see); the location is in their detail,
 * which the worker logs.
 */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { permanentFailure, TaskFailure } from "../core/task-failure.ts";
import type { DocumentSource } from "../core/task-ports.ts";

export const maxDocumentBytes = 5 * 1024 * 1024;

export function createS3DocumentSource(client: S3Client, defaultBucket: string | undefined): DocumentSource {
  return {
    async readText(location, signal) {
      const bucket = location.bucket ?? defaultBucket;
      if (!bucket)
        throw permanentFailure("validation_error", "s3.bucket: required (no document bucket configured)");
      const where = `s3://${bucket}/${location.key}`;
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: location.key }), {
          abortSignal: signal,
        });
        if ((head.ContentLength ?? 0) > maxDocumentBytes) {
          throw permanentFailure(
            "document_too_large",
            `the document is ${head.ContentLength} bytes; the limit is ${maxDocumentBytes}`,
            where,
          );
        }
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: location.key }), {
          abortSignal: signal,
        });
        const bytes = await object.Body!.transformToByteArray();
        try {
          return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
          throw permanentFailure("document_not_text", "the document is not UTF-8 text", where);
        }
      } catch (error) {
        if (error instanceof TaskFailure || signal.aborted) throw error;
        const name = (error as { name?: string }).name ?? "";
        if (["NoSuchKey", "NotFound", "NoSuchBucket", "AccessDenied", "Forbidden"].includes(name)) {
          throw permanentFailure("document_unavailable", `the document could not be read (${name})`, where);
        }
        throw new TaskFailure("document_unavailable", "the document could not be read; retrying", {
          retryable: true,
          cause: error,
          detail: `${where}: ${(error as Error).message}`,
        });
      }
    },
  };
}
