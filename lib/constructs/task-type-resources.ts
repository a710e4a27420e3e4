/**
 * What the task types reach besides task records and their lane: the
 * conversation and knowledge tables, the document bucket, the two webhook
 * signing secrets (callbacks, notifications), model access, SNS topics and the other lanes' queues.
 * `bindCapabilities` gives a function the environment and the permissions of
 * exactly the capabilities it is given (a lane: the catalog `uses` of its
 * task types), so each worker gets what its types need and no more.
 */
import { RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { TaskCapability } from "../../functions/tasks/catalog.ts";
import type { ModelProviderConfig, StageConfig } from "../stage-config.ts";
import type { LaneResources } from "./lane.ts";
import type { TaskTables } from "./task-tables.ts";

export interface TaskTypeResourcesProps {
  readonly stage: StageConfig;
  readonly tables: TaskTables;
}

/** Reading a table: items and queries, never scans. */
const readActions = ["dynamodb:GetItem", "dynamodb:Query"];
/** Writing conversation messages: no deletion. */
const appendActions = [...readActions, "dynamodb:PutItem", "dynamodb:BatchWriteItem"];
/** Writing and deleting knowledge vectors and document records. */
const knowledgeWriteActions = [...appendActions, "dynamodb:DeleteItem"];

export class TaskTypeResources extends Construct {
  readonly conversationTable: Table;
  readonly knowledgeTable: Table;
  readonly documentBucket: Bucket;
  /** Signs the webhooks API callers submit (`send_notification`). */
  readonly webhookSigningSecret: Secret;
  /** Signs the system's own completion callbacks (`task.*` events); no API caller's webhook carries it. */
  readonly callbackSigningSecret: Secret;
  private readonly stage: StageConfig;
  private readonly tables: TaskTables;

  constructor(scope: Construct, id: string, props: TaskTypeResourcesProps) {
    super(scope, id);
    const { stage } = props;
    this.stage = stage;
    this.tables = props.tables;
    const removalPolicy = stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const tableDefaults = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: stage.retainData,
      removalPolicy,
      partitionKey: { name: "pk", type: AttributeType.STRING },
      sortKey: { name: "sk", type: AttributeType.STRING },
    };
    this.conversationTable = new Table(this, "Conversations", tableDefaults);
    this.knowledgeTable = new Table(this, "Knowledge", tableDefaults);
    this.documentBucket = new Bucket(this, "Documents", {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy,
    });
    // 48 letters and digits are valid base64 (36 bytes): a Standard Webhooks secret as it stands (docs/security.md).
    const standardWebhooksSecret = { passwordLength: 48, excludePunctuation: true };
    this.webhookSigningSecret = new Secret(this, "WebhookSigningSecret", {
      description: `claw-tasks ${stage.stage}: Standard Webhooks key (base64) of the notifications API callers send`,
      generateSecretString: standardWebhooksSecret,
      removalPolicy,
    });
    this.callbackSigningSecret = new Secret(this, "CallbackSigningSecret", {
      description: `claw-tasks ${stage.stage}: Standard Webhooks key (base64) of the system's completion callbacks`,
      generateSecretString: standardWebhooksSecret,
      removalPolicy,
    });
    Validations.of(this.documentBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "Private, IAM-only bucket of documents to vectorize, read only by the knowledge worker; enable CloudTrail S3 data events account-wide if object-level audit is required.",
    });
    for (const secret of [this.webhookSigningSecret, this.callbackSigningSecret]) {
      Validations.of(secret).acknowledge({
        id: "AwsSolutions-SMG4",
        reason:
          "Webhook receivers verify signatures with this key: rotating it automatically would break them. Rotate by hand (put a new value, share it with receivers) as described in docs/operations.md.",
      });
    }
  }

  /** Sets the environment of `uses` on `fn` and grants what they need; `lanes` for `laneQueues`. */
  bindCapabilities(
    fn: LambdaFunction,
    uses: ReadonlySet<TaskCapability>,
    lanes: readonly LaneResources[],
  ): void {
    if (uses.has("chatModel")) this.bindModel(fn, "CHAT", this.stage.models.chat);
    if (uses.has("embeddingModel")) this.bindModel(fn, "EMBEDDING", this.stage.models.embeddings);
    if (uses.has("conversations"))
      this.bindTable(fn, this.conversationTable, "CONVERSATION_TABLE_NAME", appendActions);
    if (uses.has("knowledgeWrite"))
      this.bindKnowledge(fn, knowledgeWriteActions, ["PutVectors", "DeleteVectors"]);
    else if (uses.has("knowledgeRead")) this.bindKnowledge(fn, readActions, []);
    if (uses.has("documentBucket")) {
      fn.addEnvironment("DOCUMENT_BUCKET_NAME", this.documentBucket.bucketName);
      this.documentBucket.grantRead(fn);
    }
    if (uses.has("webhooks")) {
      fn.addEnvironment("WEBHOOK_SIGNING_SECRET_ARN", this.webhookSigningSecret.secretArn);
      this.webhookSigningSecret.grantRead(fn);
      fn.addEnvironment("CALLBACK_SIGNING_SECRET_ARN", this.callbackSigningSecret.secretArn);
      this.callbackSigningSecret.grantRead(fn);
      const allowed = this.stage.webhookAllowedCidrs ?? [];
      if (allowed.length > 0) fn.addEnvironment("WEBHOOK_ALLOWED_CIDRS", allowed.join(","));
      const ports = this.stage.webhookAllowedPorts ?? [];
      if (ports.length > 0) fn.addEnvironment("WEBHOOK_ALLOWED_PORTS", ports.join(","));
      fn.addEnvironment("WEBHOOK_ALLOW_HTTP", this.stage.webhookAllowHttp ? "on" : "off");
    }
    if (uses.has("notificationTopics")) {
      const topics = this.stage.notificationTopicArns ?? [];
      if (topics.length > 0) {
        fn.addToRolePolicy(new PolicyStatement({ actions: ["sns:Publish"], resources: [...topics] }));
      }
    }
    if (uses.has("taskRecordDeletion")) this.tables.bindTaskRecordDeletion(fn);
    if (uses.has("workflowRepair")) this.tables.bindWorkflowRecords(fn);
    if (uses.has("laneQueues")) {
      for (const lane of lanes) {
        lane.bindSender(fn);
        lane.bindInspector(fn);
      }
    }
  }

  /** Read access for the API: conversation history, knowledge search (with the embedding model). */
  bindReaders(fn: LambdaFunction): void {
    this.bindTable(fn, this.conversationTable, "CONVERSATION_TABLE_NAME", readActions);
    this.bindKnowledge(fn, readActions, []);
    this.bindModel(fn, "EMBEDDING", this.stage.models.embeddings);
  }

  private bindTable(fn: LambdaFunction, table: Table, variable: string, actions: readonly string[]): void {
    fn.addEnvironment(variable, table.tableName);
    table.grant(fn, ...actions);
  }

  private bindKnowledge(
    fn: LambdaFunction,
    tableActions: readonly string[],
    vectorWrites: readonly string[],
  ) {
    this.bindTable(fn, this.knowledgeTable, "KNOWLEDGE_TABLE_NAME", tableActions);
    const index = this.stage.vectorIndex;
    fn.addEnvironment("VECTOR_INDEX", index.kind);
    if (index.kind !== "s3vectors") return;
    fn.addEnvironment("S3_VECTORS_BUCKET", index.vectorBucketName);
    fn.addEnvironment("S3_VECTORS_INDEX", index.indexName);
    const { region, account } = Stack.of(this);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["QueryVectors", "GetVectors", ...vectorWrites].map((action) => `s3vectors:${action}`),
        resources: [
          `arn:aws:s3vectors:${region}:${account}:bucket/${index.vectorBucketName}/index/${index.indexName}`,
        ],
      }),
    );
  }

  private bindModel(
    fn: LambdaFunction,
    prefix: "CHAT" | "EMBEDDING",
    config: ModelProviderConfig & { dimensions?: number },
  ) {
    fn.addEnvironment(`${prefix}_PROVIDER`, config.provider);
    if (config.dimensions !== undefined) fn.addEnvironment(`${prefix}_DIMENSIONS`, String(config.dimensions));
    if (config.provider === "bedrock") {
      fn.addEnvironment(`${prefix}_MODEL`, config.modelId);
      const { region, account } = Stack.of(this);
      // A cross-region inference profile id (us.amazon.nova-lite-v1:0) runs the base model in several regions.
      const profile = /^(us|eu|apac|global)\.(.+)$/.exec(config.modelId);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ["bedrock:InvokeModel"],
          resources: profile
            ? [
                `arn:aws:bedrock:${region}:${account}:inference-profile/${config.modelId}`,
                `arn:aws:bedrock:*::foundation-model/${profile[2]}`,
              ]
            : [`arn:aws:bedrock:${region}::foundation-model/${config.modelId}`],
        }),
      );
    } else if (config.provider === "openai") {
      fn.addEnvironment(`${prefix}_MODEL`, config.model);
      fn.addEnvironment(`${prefix}_BASE_URL`, config.baseUrl);
      if (config.apiKeySecretName) {
        fn.addEnvironment(`${prefix}_API_KEY_SECRET`, config.apiKeySecretName);
        Secret.fromSecretNameV2(this, `${prefix}ApiKey${fn.node.addr}`, config.apiKeySecretName).grantRead(
          fn,
        );
      }
    }
  }
}
