/**
 * Creates the template's tables, queues, buckets and secrets on the emulators (or any
 * AWS-compatible endpoint), through the AWS SDK, and records what each
 * resource answers to Ref and GetAtt. Nothing here lists resources: the
 * template does.
 */

import { randomBytes } from "node:crypto";
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ResourceInUseException,
  type StreamViewType,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { BucketAlreadyOwnedByYou, CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  type ResolveContext,
  type ResolvedResource,
  resolveValue,
  resourcesOfType,
  type Template,
} from "./template.ts";

export interface ProvisionClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  /** Every queue's visibility timeout instead of the template's (tests shorten crash recovery with it). */
  readonly visibilityTimeoutSeconds?: number;
  /** The SQS endpoint the functions use; queue URLs are put on its origin. */
  readonly sqsEndpoint: string;
  readonly secretsManager: SecretsManagerClient;
}

/** A resource's physical name: the template's own, or `<stack>-<logicalId>` as CloudFormation would generate. */
function physicalName(explicit: unknown, stackName: string, logicalId: string, maxLength: number): string {
  if (typeof explicit === "string") return explicit;
  return `${stackName}-${logicalId}`.slice(0, maxLength);
}

async function provisionTable(
  logicalId: string,
  properties: Record<string, unknown>,
  context: ResolveContext,
  client: DynamoDBClient,
): Promise<ResolvedResource> {
  const tableName = physicalName(properties.TableName, context.stackName, logicalId, 255);
  const indexes = (properties.GlobalSecondaryIndexes ?? []) as GlobalSecondaryIndex[];
  const stream = properties.StreamSpecification as { StreamViewType?: StreamViewType } | undefined;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: properties.KeySchema as KeySchemaElement[],
        AttributeDefinitions: properties.AttributeDefinitions as AttributeDefinition[],
        BillingMode: "PAY_PER_REQUEST",
        ...(stream?.StreamViewType
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } }
          : {}),
        ...(indexes.length > 0
          ? {
              GlobalSecondaryIndexes: indexes.map(({ IndexName, KeySchema, Projection }) => ({
                IndexName,
                KeySchema,
                Projection,
              })),
            }
          : {}),
      }),
    );
  } catch (error) {
    // An endpoint that outlives the runtime (LocalStack) keeps its tables.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const ttl = properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (ttl?.Enabled && ttl.AttributeName) {
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
        }),
      )
      .catch((error: Error) => {
        // Enabling TTL twice is an error on AWS-like endpoints; once is enough.
        if (!/already enabled|TimeToLive is already/i.test(error.message)) throw error;
      });
  }
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return {
    ref: tableName,
    attributes: {
      Arn: Table?.TableArn ?? `arn:aws:dynamodb:${context.region}:${context.accountId}:table/${tableName}`,
      ...(Table?.LatestStreamArn ? { StreamArn: Table.LatestStreamArn } : {}),
    },
  };
}

/** Queue attributes the template may set that the SQS API takes as they are. */
const passThroughQueueAttributes = [
  "DelaySeconds",
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "ReceiveMessageWaitTimeSeconds",
  "VisibilityTimeout",
] as const;

async function provisionQueue(
  logicalId: string,
  properties: Record<string, unknown>,
  context: ResolveContext,
  client: SQSClient,
  endpoint: string,
  visibilityTimeoutSeconds: number | undefined,
): Promise<ResolvedResource> {
  const queueName = physicalName(properties.QueueName, context.stackName, logicalId, 80);
  const attributes: Record<string, string> = {};
  for (const name of passThroughQueueAttributes) {
    if (properties[name] !== undefined) attributes[name] = String(properties[name]);
  }
  if (visibilityTimeoutSeconds !== undefined) attributes.VisibilityTimeout = String(visibilityTimeoutSeconds);
  const created = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
  // Emulators answer with URLs on hosts such as sqs.<region>.localhost, which need not resolve here;
  // the same path on the endpoint's own origin reaches the same queue.
  const QueueUrl = new URL(new URL(created.QueueUrl!).pathname, endpoint).href;
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  return {
    ref: QueueUrl!,
    attributes: { Arn: Attributes!.QueueArn!, QueueName: queueName, QueueUrl: QueueUrl! },
  };
}

async function provisionBucket(
  logicalId: string,
  properties: Record<string, unknown>,
  context: ResolveContext,
  client: S3Client,
): Promise<ResolvedResource> {
  // Bucket names are lower case, 3-63 characters.
  const bucketName = physicalName(properties.BucketName, context.stackName, logicalId, 63).toLowerCase();
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucketName }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
  }
  return {
    ref: bucketName,
    attributes: { Arn: `arn:aws:s3:::${bucketName}`, DomainName: `${bucketName}.s3.amazonaws.com` },
  };
}

/** A value as CloudFormation's GenerateSecretString would make it (length and punctuation honoured). */
function generatedSecret(spec: Record<string, unknown> | undefined): string {
  const length = Number(spec?.PasswordLength ?? 32);
  const alphabet = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${spec?.ExcludePunctuation ? "" : "!#$%&()*+,-.:;<=>?@[]^_{|}~"}`;
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join("");
}

async function provisionSecret(
  logicalId: string,
  properties: Record<string, unknown>,
  context: ResolveContext,
  client: SecretsManagerClient,
): Promise<ResolvedResource> {
  const name = physicalName(properties.Name, context.stackName, logicalId, 512);
  const value =
    typeof properties.SecretString === "string"
      ? properties.SecretString
      : generatedSecret(properties.GenerateSecretString as Record<string, unknown> | undefined);
  const arn = await client
    .send(new CreateSecretCommand({ Name: name, SecretString: value }))
    .then((created) => created.ARN!)
    .catch(async (error: Error) => {
      // An endpoint that outlives the runtime (LocalStack) keeps its secrets.
      if (error.name !== "ResourceExistsException") throw error;
      return (await client.send(new GetSecretValueCommand({ SecretId: name }))).ARN!;
    });
  return { ref: arn, attributes: { Id: arn } };
}

/**
 * Provisions tables, queues, buckets and secrets, then sets redrive policies (a queue's DLQ
 * must exist first). Adds each to `resources`, keyed by logical id.
 */
export async function provisionStorage(
  template: Template,
  context: ResolveContext & { readonly resources: Map<string, ResolvedResource> },
  clients: ProvisionClients,
): Promise<void> {
  const tables = resourcesOfType(template, "AWS::DynamoDB::Table");
  const queues = resourcesOfType(template, "AWS::SQS::Queue");
  const buckets = resourcesOfType(template, "AWS::S3::Bucket");
  const secrets = resourcesOfType(template, "AWS::SecretsManager::Secret");
  const provisioned = await Promise.all([
    ...buckets.map(
      async ([id, resource]) =>
        [id, await provisionBucket(id, resource.Properties ?? {}, context, clients.s3)] as const,
    ),
    ...secrets.map(
      async ([id, resource]) =>
        [id, await provisionSecret(id, resource.Properties ?? {}, context, clients.secretsManager)] as const,
    ),
    ...tables.map(
      async ([id, resource]) =>
        [id, await provisionTable(id, resource.Properties ?? {}, context, clients.dynamodb)] as const,
    ),
    ...queues.map(
      async ([id, resource]) =>
        [
          id,
          await provisionQueue(
            id,
            resource.Properties ?? {},
            context,
            clients.sqs,
            clients.sqsEndpoint,
            clients.visibilityTimeoutSeconds,
          ),
        ] as const,
    ),
  ]);
  for (const [id, resource] of provisioned) context.resources.set(id, resource);

  for (const [id, resource] of queues) {
    const redrive = resource.Properties?.RedrivePolicy;
    if (redrive === undefined) continue;
    await clients.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: context.resources.get(id)!.ref,
        Attributes: { RedrivePolicy: JSON.stringify(resolveValue(redrive, context)) },
      }),
    );
  }
}
