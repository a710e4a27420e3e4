/**
 * What an AWS SDK request asks IAM for: the `service:Action` on each resource
 * ARN that AWS authorizes before serving it, read from the request itself
 * (the JSON protocols' X-Amz-Target and body, the query protocol's form,
 * S3's and the REST services' method and path). Batch and transaction
 * operations are authorized per table and per item action, as AWS does.
 *
 * A request this module cannot map is reported, not guessed: the local IAM
 * check then denies it, naming the request, so a new SDK call shows up here
 * rather than passing unchecked.
 */
import type { AuthorizationRequest } from "./iam-policy.ts";
import { type ResolvedResource, resourcesOfType, type Template } from "./template.ts";

export interface SdkRequest {
  /** The SigV4 signing name: sqs, dynamodb, s3, sns, secretsmanager, scheduler, lambda, bedrock, s3vectors. */
  readonly service: string;
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  readonly target: string | undefined;
  readonly contentType: string;
  readonly body: Buffer;
}

/** Resource ARNs as the local runtime knows them (emulators choose their own account and region). */
export interface ResourceArns {
  readonly region: string;
  readonly accountId: string;
  table(name: string): string;
  queueFromUrl(url: string): string;
  queueFromName(name: string): string;
  secret(id: string): string;
}

export type MappedRequest =
  | { readonly ok: true; readonly operation: string; readonly checks: readonly AuthorizationRequest[] }
  | { readonly ok: false; readonly reason: string };

type Json = Record<string, unknown>;

const unmapped = (reason: string): MappedRequest => ({ ok: false, reason });
const mapped = (operation: string, checks: AuthorizationRequest[]): MappedRequest => ({
  ok: true,
  operation,
  checks,
});

function jsonBody(body: Buffer): Json {
  if (body.length === 0) return {};
  return JSON.parse(body.toString("utf8")) as Json;
}

/** The operation and parameters of a JSON-protocol (X-Amz-Target) or query-protocol (form) request. */
function rpcCall(request: SdkRequest): { operation: string; params: Json } | undefined {
  if (request.target) {
    return {
      operation: request.target.slice(request.target.lastIndexOf(".") + 1),
      params: jsonBody(request.body),
    };
  }
  if (request.contentType.startsWith("application/x-www-form-urlencoded")) {
    const form = new URLSearchParams(request.body.toString("utf8"));
    const operation = form.get("Action");
    if (operation) return { operation, params: Object.fromEntries(form) };
  }
  return undefined;
}

const dynamoItemActions: Record<string, string> = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
  Get: "GetItem",
};

function dynamodb(request: SdkRequest, arns: ResourceArns): MappedRequest {
  const call = rpcCall(request);
  if (!call) return unmapped("a DynamoDB request without X-Amz-Target");
  const { operation, params } = call;
  const action = (name: string) => `dynamodb:${name}`;
  switch (operation) {
    case "BatchGetItem":
    case "BatchWriteItem":
      return mapped(
        operation,
        Object.keys((params.RequestItems ?? {}) as Json).map((table) => ({
          action: action(operation),
          resource: arns.table(table),
        })),
      );
    case "TransactWriteItems":
    case "TransactGetItems":
      return mapped(
        operation,
        ((params.TransactItems ?? []) as Json[]).flatMap((item) =>
          Object.entries(item).map(([kind, detail]) => ({
            action: action(dynamoItemActions[kind] ?? kind),
            resource: arns.table(String((detail as Json).TableName)),
          })),
        ),
      );
    case "ListTables":
    case "DescribeEndpoints":
    case "DescribeLimits":
      return mapped(operation, [{ action: action(operation), resource: "*" }]);
    default: {
      if (typeof params.TableName !== "string")
        return unmapped(`DynamoDB ${operation} without a TableName (PartiQL is not mapped)`);
      const table = arns.table(params.TableName);
      const index = typeof params.IndexName === "string" ? `/index/${params.IndexName}` : "";
      return mapped(operation, [{ action: action(operation), resource: `${table}${index}` }]);
    }
  }
}

/** Batch operations are authorized as their single-message action. */
const sqsBatchActions: Record<string, string> = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

function sqs(request: SdkRequest, arns: ResourceArns): MappedRequest {
  const call = rpcCall(request);
  if (!call) return unmapped("an SQS request that is neither JSON nor query protocol");
  const { operation, params } = call;
  const action = `sqs:${sqsBatchActions[operation] ?? operation}`;
  if (operation === "ListQueues") return mapped(operation, [{ action, resource: "*" }]);
  if (operation === "GetQueueUrl" || operation === "CreateQueue")
    return mapped(operation, [{ action, resource: arns.queueFromName(String(params.QueueName)) }]);
  if (typeof params.QueueUrl !== "string") return unmapped(`SQS ${operation} without a QueueUrl`);
  return mapped(operation, [{ action, resource: arns.queueFromUrl(params.QueueUrl) }]);
}

function sns(request: SdkRequest): MappedRequest {
  const call = rpcCall(request);
  if (!call) return unmapped("an SNS request that is neither JSON nor query protocol");
  const { operation, params } = call;
  const topic = params.TopicArn ?? params.TargetArn;
  if (typeof topic !== "string") return unmapped(`SNS ${operation} without a TopicArn`);
  return mapped(operation, [
    { action: `sns:${operation === "PublishBatch" ? "Publish" : operation}`, resource: topic },
  ]);
}

function secretsManager(request: SdkRequest, arns: ResourceArns): MappedRequest {
  const call = rpcCall(request);
  if (!call) return unmapped("a Secrets Manager request without X-Amz-Target");
  const { operation, params } = call;
  const id = params.SecretId ?? params.Name;
  if (typeof id !== "string") return unmapped(`Secrets Manager ${operation} without a SecretId`);
  return mapped(operation, [{ action: `secretsmanager:${operation}`, resource: arns.secret(id) }]);
}

/** S3 REST, path-style (the local runtime forces it): the action follows the method, key and subresource. */
function s3(request: SdkRequest): MappedRequest {
  const url = new URL(request.url, "http://local");
  const [bucket, ...keyParts] = url.pathname.slice(1).split("/");
  if (!bucket) return mapped("ListBuckets", [{ action: "s3:ListAllMyBuckets", resource: "*" }]);
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const query = url.searchParams;
  const method = request.method;
  if (keyParts.length === 0 || (keyParts.length === 1 && keyParts[0] === "")) {
    const on = (action: string) => mapped(action, [{ action: `s3:${action}`, resource: bucketArn }]);
    if (method === "POST" && query.has("delete")) {
      const keys = [...request.body.toString("utf8").matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) =>
        match[1]!.replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">"),
      );
      return mapped(
        "DeleteObjects",
        keys.map((key) => ({ action: "s3:DeleteObject", resource: `${bucketArn}/${key}` })),
      );
    }
    if (method === "GET" && query.has("location")) return on("GetBucketLocation");
    if (method === "GET" && query.has("uploads")) return on("ListBucketMultipartUploads");
    if (method === "GET" || method === "HEAD") return on("ListBucket");
    if (method === "PUT" && [...query.keys()].length === 0) return on("CreateBucket");
    if (method === "DELETE" && [...query.keys()].length === 0) return on("DeleteBucket");
    return unmapped(`S3 ${method} on bucket ${bucket} with ?${query}`);
  }
  const objectArn = `${bucketArn}/${decodeURIComponent(keyParts.join("/"))}`;
  const on = (operation: string, action: string, extra: AuthorizationRequest[] = []) =>
    mapped(operation, [{ action: `s3:${action}`, resource: objectArn }, ...extra]);
  if (query.has("tagging")) {
    if (method === "GET") return on("GetObjectTagging", "GetObjectTagging");
    if (method === "PUT") return on("PutObjectTagging", "PutObjectTagging");
    if (method === "DELETE") return on("DeleteObjectTagging", "DeleteObjectTagging");
  }
  if (method === "GET" && query.has("uploadId")) return on("ListParts", "ListMultipartUploadParts");
  if (method === "DELETE" && query.has("uploadId")) return on("AbortMultipartUpload", "AbortMultipartUpload");
  if (method === "GET" || method === "HEAD")
    return on(method === "GET" ? "GetObject" : "HeadObject", "GetObject");
  if (method === "POST")
    return on(query.has("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload", "PutObject");
  if (method === "DELETE") return on("DeleteObject", "DeleteObject");
  // CopyObject (x-amz-copy-source) would also need GetObject on the source; no function copies.
  if (method === "PUT") return on(query.has("partNumber") ? "UploadPart" : "PutObject", "PutObject");
  return unmapped(`S3 ${method} ${url.pathname}`);
}

/** EventBridge Scheduler (REST): schedules under `/schedules/{name}`, groups under `/schedule-groups/{name}`. */
function scheduler(request: SdkRequest, arns: ResourceArns): MappedRequest {
  const url = new URL(request.url, "http://local");
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const base = `arn:aws:scheduler:${arns.region}:${arns.accountId}`;
  const verb = ({ GET: "Get", POST: "Create", PUT: "Update", DELETE: "Delete" } as const)[
    request.method as "GET" | "POST" | "PUT" | "DELETE"
  ];
  if (parts[0] === "schedules") {
    if (parts.length === 1)
      return mapped("ListSchedules", [{ action: "scheduler:ListSchedules", resource: "*" }]);
    if (!verb) return unmapped(`Scheduler ${request.method} ${url.pathname}`);
    const body = request.method === "POST" || request.method === "PUT" ? jsonBody(request.body) : {};
    const group = String(body.GroupName ?? url.searchParams.get("groupName") ?? "default");
    const operation = `${verb}Schedule`;
    const checks: AuthorizationRequest[] = [
      { action: `scheduler:${operation}`, resource: `${base}:schedule/${group}/${parts[1]}` },
    ];
    // Creating or changing a schedule passes its target role to the Scheduler.
    const roleArn = (body.Target as Json | undefined)?.RoleArn;
    if (typeof roleArn === "string") {
      checks.push({
        action: "iam:PassRole",
        resource: roleArn,
        context: { "iam:PassedToService": "scheduler.amazonaws.com" },
      });
    }
    return mapped(operation, checks);
  }
  if (parts[0] === "schedule-groups") {
    if (parts.length === 1)
      return mapped("ListScheduleGroups", [{ action: "scheduler:ListScheduleGroups", resource: "*" }]);
    if (!verb || verb === "Update") return unmapped(`Scheduler ${request.method} ${url.pathname}`);
    const operation = `${verb}ScheduleGroup`;
    return mapped(operation, [
      { action: `scheduler:${operation}`, resource: `${base}:schedule-group/${parts[1]}` },
    ]);
  }
  return unmapped(`Scheduler ${request.method} ${url.pathname}`);
}

/** Lambda (REST): the event-source mapping operations, invocations and account settings. */
function lambda(request: SdkRequest, arns: ResourceArns): MappedRequest {
  const url = new URL(request.url, "http://local");
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const base = `arn:aws:lambda:${arns.region}:${arns.accountId}`;
  const on = (operation: string, resource: string) =>
    mapped(operation, [{ action: `lambda:${operation}`, resource }]);
  if (parts[1] === "event-source-mappings") {
    if (parts.length === 2) {
      if (request.method === "GET") return on("ListEventSourceMappings", "*");
      if (request.method === "POST") return on("CreateEventSourceMapping", "*");
    }
    const mapping = `${base}:event-source-mapping:${parts[2]}`;
    if (request.method === "GET") return on("GetEventSourceMapping", mapping);
    if (request.method === "PUT") return on("UpdateEventSourceMapping", mapping);
    if (request.method === "DELETE") return on("DeleteEventSourceMapping", mapping);
  }
  if (parts[1] === "functions" && parts[3] === "invocations" && parts[2]) {
    const name = parts[2];
    return on("InvokeFunction", name.startsWith("arn:") ? name : `${base}:function:${name}`);
  }
  if (parts[1] === "account-settings") return on("GetAccountSettings", "*");
  return unmapped(`Lambda ${request.method} ${url.pathname}`);
}

/** Bedrock runtime: `/model/{id}/invoke|converse[-stream]|invoke-with-response-stream`. */
function bedrock(request: SdkRequest, arns: ResourceArns): MappedRequest {
  const url = new URL(request.url, "http://local");
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== "model" || !parts[1]) return unmapped(`Bedrock ${request.method} ${url.pathname}`);
  const model = parts[1];
  const resource = model.startsWith("arn:")
    ? model
    : `arn:aws:bedrock:${arns.region}::foundation-model/${model}`;
  const streaming = parts[2]?.endsWith("stream");
  return mapped(parts[2] ?? "invoke", [
    { action: streaming ? "bedrock:InvokeModelWithResponseStream" : "bedrock:InvokeModel", resource },
  ]);
}

/** S3 Vectors: `POST /{Operation}` with the bucket and index named in the body. */
function s3Vectors(request: SdkRequest, arns: ResourceArns): MappedRequest {
  const url = new URL(request.url, "http://local");
  const operation = url.pathname.split("/").filter(Boolean)[0];
  if (!operation) return unmapped(`S3 Vectors ${request.method} ${url.pathname}`);
  const body = jsonBody(request.body);
  const bucket = `arn:aws:s3vectors:${arns.region}:${arns.accountId}:bucket/${String(body.vectorBucketName)}`;
  const resource =
    typeof body.indexArn === "string"
      ? body.indexArn
      : typeof body.indexName === "string"
        ? `${bucket}/index/${body.indexName}`
        : bucket;
  return mapped(operation, [{ action: `s3vectors:${operation}`, resource }]);
}

/** The IAM checks AWS makes before serving `request`. */
export function authorizationOf(request: SdkRequest, arns: ResourceArns): MappedRequest {
  try {
    switch (request.service) {
      case "dynamodb":
        return dynamodb(request, arns);
      case "sqs":
        return sqs(request, arns);
      case "sns":
        return sns(request);
      case "secretsmanager":
        return secretsManager(request, arns);
      case "s3":
        return s3(request);
      case "scheduler":
        return scheduler(request, arns);
      case "lambda":
        return lambda(request, arns);
      case "bedrock":
        return bedrock(request, arns);
      case "s3vectors":
        return s3Vectors(request, arns);
      default:
        return unmapped(`a request to service ${request.service}`);
    }
  } catch (error) {
    return unmapped(`a ${request.service} request the check could not read (${(error as Error).message})`);
  }
}

/** The ARNs of the resources the runtime provisioned, by the names requests carry; others as AWS would form them. */
export function localResourceArns(
  template: Template,
  resources: ReadonlyMap<string, ResolvedResource>,
  region: string,
  accountId: string,
): ResourceArns {
  const provisioned = (type: string) =>
    resourcesOfType(template, type)
      .map(([logicalId]) => resources.get(logicalId))
      .filter((resource): resource is ResolvedResource => resource !== undefined);
  const tables = new Map(
    provisioned("AWS::DynamoDB::Table").map((table) => [table.ref, table.attributes.Arn!]),
  );
  const queues = provisioned("AWS::SQS::Queue");
  const queuesByPath = new Map(queues.map((queue) => [new URL(queue.ref).pathname, queue.attributes.Arn!]));
  const queuesByName = new Map(queues.map((queue) => [queue.attributes.QueueName!, queue.attributes.Arn!]));
  const secrets = provisioned("AWS::SecretsManager::Secret").map((secret) => secret.ref);
  return {
    region,
    accountId,
    table: (name) => tables.get(name) ?? `arn:aws:dynamodb:${region}:${accountId}:table/${name}`,
    queueFromUrl(url) {
      const path = new URL(url).pathname;
      const [account, name] = path.split("/").filter(Boolean).slice(-2);
      return queuesByPath.get(path) ?? `arn:aws:sqs:${region}:${account ?? accountId}:${name}`;
    },
    queueFromName: (name) => queuesByName.get(name) ?? `arn:aws:sqs:${region}:${accountId}:${name}`,
    secret(id) {
      if (id.startsWith("arn:")) return id;
      // Secret ARNs end in -<6 random characters> after the name.
      return (
        secrets.find(
          (arn) => arn.slice(arn.indexOf(":secret:") + 8).replace(/-[A-Za-z0-9]{6}$/, "") === id,
        ) ?? `arn:aws:secretsmanager:${region}:${accountId}:secret:${id}`
      );
    },
  };
}
