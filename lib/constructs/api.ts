/**
 * The HTTP API: API Gateway v2 in front of one API function, one route per
 * entry of functions/api/routes.ts, with JSON access logs and stage-wide
 * throttling (a ceiling over the per-key throttling in the function), and
 * CORS for the stage's allowed origins only.
 */
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { type CfnStage, CorsHttpMethod, HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { apiRoutes, pageRoutes } from "../../functions/api/routes.ts";
import type { StageConfig } from "../stage-config.ts";
import { ClawFunction } from "./claw-function.ts";

export interface TaskApiProps {
  readonly stage: StageConfig;
}

/** One access log line per API request (JSON); the benchmark prices its bytes (bench/cost-model.ts). */
export const apiAccessLogFormat = {
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  status: "$context.status",
  latencyMs: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
} as const;

export class TaskApi extends Construct {
  readonly httpApi: HttpApi;
  readonly handler: ClawFunction;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: TaskApiProps) {
    super(scope, id);
    const { stage } = props;
    this.handler = new ClawFunction(this, "Handler", {
      entry: "api/handler.ts",
      description: `claw-tasks ${stage.stage} HTTP API`,
      timeout: Duration.seconds(29),
      logRetentionDays: stage.logRetentionDays,
      retainLogs: stage.retainData,
      tracing: stage.tracing,
      environment: {
        RESULT_TTL_DAYS: String(stage.resultTtlDays),
        ECHO_DIAGNOSTICS: stage.echoDiagnostics ? "on" : "off",
      },
    });

    // API names need not be unique, so naming it blocks no replacement.
    this.httpApi = new HttpApi(this, "HttpApi", {
      apiName: `claw-tasks-${stage.stage}`,
      description: `claw-tasks ${stage.stage} task API`,
      createDefaultStage: true,
      ...(stage.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...stage.corsOrigins],
              allowHeaders: ["authorization", "content-type", "idempotency-key"],
              allowMethods: [
                CorsHttpMethod.GET,
                CorsHttpMethod.POST,
                CorsHttpMethod.PUT,
                CorsHttpMethod.PATCH,
                CorsHttpMethod.DELETE,
              ],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const integration = new HttpLambdaIntegration("ApiIntegration", this.handler);
    for (const route of [...apiRoutes, ...pageRoutes]) {
      this.httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }

    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: stage.logRetentionDays as RetentionDays,
      removalPolicy: stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const defaultStage = this.httpApi.defaultStage!.node.defaultChild as CfnStage;
    defaultStage.accessLogSettings = {
      destinationArn: this.accessLogs.logGroupArn,
      format: JSON.stringify(apiAccessLogFormat),
    };
    defaultStage.defaultRouteSettings = {
      throttlingRateLimit: stage.apiThrottle.ratePerSecond,
      throttlingBurstLimit: stage.apiThrottle.burst,
    };

    Validations.of(this.httpApi).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "Every route but GET /v1/health checks a bearer API key with the route's scope in the API function (functions/core/authenticate.ts); keys are stored as SHA-256 hashes.",
    });
  }
}
