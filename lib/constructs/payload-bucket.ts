/**
 * The payload bucket: task inputs and results too large to keep inline
 * (functions/core/payload.ts). Private, encrypted, TLS only; objects expire
 * by lifecycle rules (inputs outlive the longest delay, results the records).
 */
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import type { IGrantable } from "aws-cdk-lib/aws-iam";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { maxDelaySeconds } from "../../functions/core/submission.ts";

export interface PayloadBucketProps {
  readonly retainData: boolean;
  /** Results are kept as long as the task records that point at them. */
  readonly resultTtlDays: number;
}

export class PayloadBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: PayloadBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, "Bucket", {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      lifecycleRules: [
        // An input must outlive the longest delay plus its attempts and a retention period.
        {
          prefix: "inputs/",
          expiration: Duration.days(Math.ceil(maxDelaySeconds / 86_400) + props.resultTtlDays + 1),
        },
        { prefix: "results/", expiration: Duration.days(props.resultTtlDays + 1) },
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "Private, IAM-only bucket written and read only by the stack's own functions; every object access is a task read or write already logged by those functions. Enable CloudTrail S3 data events account-wide if object-level audit is required.",
    });
  }

  /**
   * Gives `fn` the bucket's name (PAYLOAD_BUCKET_NAME), read access, and the
   * right to write under the given prefixes only.
   */
  bindPayloads(
    fn: IGrantable & { addEnvironment(key: string, value: string): unknown },
    writablePrefixes: readonly ("inputs/" | "results/")[],
  ): void {
    fn.addEnvironment("PAYLOAD_BUCKET_NAME", this.bucket.bucketName);
    this.bucket.grantRead(fn);
    for (const prefix of writablePrefixes) this.bucket.grantPut(fn, `${prefix}*`);
  }
}
