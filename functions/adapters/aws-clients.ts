/**
 * SDK clients, one per process, each created on its first use: a client's
 * module (its chunk of the bundle) is imported then, not at module init, so
 * a function loads only the clients its requests touch. Endpoints come from
 * the SDK's standard AWS_ENDPOINT_URL[_<SERVICE>] variables, so the same code
 * reaches AWS, LocalStack or the embedded emulators.
 *
 * The adapters that call a client are loaded lazily too (lazy-port.ts): a
 * static import of an adapter would pull its SDK package in at init.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { MiddlewareStack } from "@smithy/types";
import { awsRequestLogVariable, logAwsRequests } from "./aws-request-log.ts";
import { onFirstUse } from "./lazy-port.ts";

/** Benchmark runs only: count every AWS request (see aws-request-log.ts). */
function withRequestLog<C extends { middlewareStack: unknown }>(client: C): C {
  const requestLog = process.env[awsRequestLogVariable];
  if (requestLog) {
    const source = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "unknown";
    // biome-ignore lint/suspicious/noExplicitAny: every SDK client's stack takes any input and output.
    logAwsRequests(client.middlewareStack as MiddlewareStack<any, any>, requestLog, source);
  }
  return client;
}

export const dynamoDocumentClient: () => Promise<DynamoDBDocumentClient> = onFirstUse(async () => {
  const [{ DynamoDBClient }, { DynamoDBDocumentClient }] = await Promise.all([
    import("@aws-sdk/client-dynamodb"),
    import("@aws-sdk/lib-dynamodb"),
  ]);
  return DynamoDBDocumentClient.from(withRequestLog(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
});

export const sqsClient = onFirstUse(async () => {
  const { SQSClient } = await import("@aws-sdk/client-sqs");
  return withRequestLog(new SQSClient({}));
});

/** S3 emulators on a plain host:port need path-style addressing (S3_FORCE_PATH_STYLE=true); AWS does not. */
export const s3Client = onFirstUse(async () => {
  const { S3Client } = await import("@aws-sdk/client-s3");
  return withRequestLog(new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === "true" }));
});

export const schedulerClient = onFirstUse(async () => {
  const { SchedulerClient } = await import("@aws-sdk/client-scheduler");
  return withRequestLog(new SchedulerClient({}));
});

export const lambdaClient = onFirstUse(async () => {
  const { LambdaClient } = await import("@aws-sdk/client-lambda");
  return withRequestLog(new LambdaClient({}));
});

export const snsClient = onFirstUse(async () => {
  const { SNSClient } = await import("@aws-sdk/client-sns");
  return withRequestLog(new SNSClient({}));
});

export const bedrockRuntimeClient = onFirstUse(async () => {
  const { BedrockRuntimeClient } = await import("@aws-sdk/client-bedrock-runtime");
  return withRequestLog(new BedrockRuntimeClient({}));
});

export const s3VectorsClient = onFirstUse(async () => {
  const { S3VectorsClient } = await import("@aws-sdk/client-s3vectors");
  return withRequestLog(new S3VectorsClient({}));
});

export const secretsManagerClient = onFirstUse(async () => {
  const { SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
  return withRequestLog(new SecretsManagerClient({}));
});
