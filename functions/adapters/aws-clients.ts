/**
 * SDK clients, one per process (module-level singletons are reused across
 * warm invocations). Endpoints come from the SDK's standard
 * AWS_ENDPOINT_URL[_<SERVICE>] variables, so the same code reaches AWS,
 * LocalStack or the embedded emulators.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { awsRequestLogVariable, logAwsRequests } from "./aws-request-log.ts";

const dynamoClient = new DynamoDBClient({});

export const dynamoDocumentClient = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true },
});

export const sqsClient = new SQSClient({});

/** S3 emulators on a plain host:port need path-style addressing (S3_FORCE_PATH_STYLE=true); AWS does not. */
export const s3Client = new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === "true" });

export const schedulerClient = new SchedulerClient({});

export const lambdaClient = new LambdaClient({});

// Benchmark runs only: count every AWS request (see aws-request-log.ts).
const requestLog = process.env[awsRequestLogVariable];
if (requestLog) {
  const source = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "unknown";
  logAwsRequests(dynamoClient.middlewareStack, requestLog, source);
  logAwsRequests(sqsClient.middlewareStack, requestLog, source);
  logAwsRequests(s3Client.middlewareStack, requestLog, source);
  logAwsRequests(schedulerClient.middlewareStack, requestLog, source);
  logAwsRequests(lambdaClient.middlewareStack, requestLog, source);
}
