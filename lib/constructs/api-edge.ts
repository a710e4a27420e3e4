/**
 * A per-IP rate limit in front of the HTTP API. AWS WAF cannot be attached
 * to an API Gateway HTTP API (only REST APIs, CloudFront, ALBs and a few
 * others), so this puts a CloudFront distribution in front of it with a WAF
 * web ACL whose one rule blocks a client IP over the stage's rate. Nothing
 * is cached (every request reaches the API as sent, headers and query
 * included, Host aside). CloudFront adds a secret header to what it
 * forwards, and the API function refuses requests without it
 * (functions/api/origin-verify.ts), so calling the `execute-api` URL
 * directly cannot skip the rule.
 *
 * CloudFront's web ACLs live in us-east-1: a stack with this construct
 * deploys there only (a CloudFormation rule refuses other regions, saying
 * why). See docs/security.md.
 */
import { Aws, CfnRule, Fn, type RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { CfnWebACL } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { originVerifyHeader, originVerifySecretVariable } from "../../functions/api/origin-verify.ts";
import type { StageConfig } from "../stage-config.ts";

export interface ApiEdgeProps {
  readonly stage: StageConfig;
  readonly rateLimit: NonNullable<StageConfig["edgeRateLimit"]>;
  readonly httpApi: HttpApi;
  /** The API function: it gets the secret's ARN and may read it. */
  readonly handler: LambdaFunction;
  readonly removalPolicy: RemovalPolicy;
}

/** CloudFront's web ACLs must be created here (AWS WAF's rule for the CLOUDFRONT scope). */
export const edgeRegion = "us-east-1";

export class ApiEdge extends Construct {
  readonly distribution: Distribution;
  readonly webAcl: CfnWebACL;
  readonly originSecret: Secret;
  /** The API's base URL through the edge. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiEdgeProps) {
    super(scope, id);
    const { stage, rateLimit, httpApi, handler } = props;

    // Refused at deploy time, before anything is created, rather than failing half-way on the web ACL.
    new CfnRule(this, "WebAclRegion", {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, edgeRegion),
          assertDescription: `edgeRateLimit puts a CloudFront web ACL in this stack, and those live in ${edgeRegion} only: deploy the stack there, or set edgeRateLimit to null for stage ${stage.stage} (docs/security.md)`,
        },
      ],
    });

    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `claw-tasks-${stage.stage}-${name}`,
    });
    this.webAcl = new CfnWebACL(this, "WebAcl", {
      scope: "CLOUDFRONT",
      description: `claw-tasks ${stage.stage}: per-IP rate limit in front of the task API`,
      defaultAction: { allow: {} },
      visibilityConfig: metric("edge"),
      rules: [
        {
          name: "per-ip-rate-limit",
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: "IP",
              limit: rateLimit.requestsPerWindow,
              evaluationWindowSec: rateLimit.windowSeconds,
            },
          },
          visibilityConfig: metric("per-ip-rate-limit"),
        },
      ],
    });

    this.originSecret = new Secret(this, "OriginVerifySecret", {
      description: `claw-tasks ${stage.stage}: the header CloudFront adds so the API takes only requests that passed the edge`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: props.removalPolicy,
    });
    handler.addEnvironment(originVerifySecretVariable, this.originSecret.secretArn);
    this.originSecret.grantRead(handler);

    const apiDomain = `${httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    this.distribution = new Distribution(this, "Distribution", {
      comment: `claw-tasks ${stage.stage} task API (per-IP rate limit)`,
      defaultBehavior: {
        origin: new HttpOrigin(apiDomain, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          // A dynamic reference ({{resolve:secretsmanager:...}}): the value is never in the template.
          customHeaders: { [originVerifyHeader]: this.originSecret.secretValue.unsafeUnwrap() },
        }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Authorization, Idempotency-Key, the query string and the body reach the API as sent.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      webAclId: this.webAcl.attrArn,
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge(
      {
        id: "AwsSolutions-CFR1",
        reason: "The API serves callers wherever they are; the per-IP rate rule, not geography, limits them.",
      },
      {
        id: "AwsSolutions-CFR3",
        reason:
          "API Gateway's JSON access log records every request that reaches the API; WAF's metrics and sampled requests record what the rate rule blocked.",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "The distribution's default *.cloudfront.net certificate allows no minimum protocol setting; give the stage a custom domain and certificate to require TLS 1.2.",
      },
    );
    Validations.of(this.originSecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "CloudFront's origin header carries this value: rotate by hand (put a new value, redeploy so the distribution sends it), as docs/operations.md describes.",
    });
  }
}
