/**
 * The HTTP API: API Gateway v2 in front of one API function, one route per
 * entry of functions/api/routes.ts, throttled at the stage.
 */
import { Duration } from "aws-cdk-lib";
import { HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { Construct } from "constructs";
import { apiRoutes } from "../../functions/api/routes.ts";
import type { StageConfig } from "../stage-config.ts";
import { ClawFunction } from "./claw-function.ts";

export interface TaskApiProps {
  readonly stage: StageConfig;
}

export class TaskApi extends Construct {
  readonly httpApi: HttpApi;
  readonly handler: ClawFunction;

  constructor(scope: Construct, id: string, props: TaskApiProps) {
    super(scope, id);
    const { stage } = props;
    this.handler = new ClawFunction(this, "Handler", {
      entry: "api/handler.ts",
      description: `claw-tasks ${stage.stage} HTTP API`,
      timeout: Duration.seconds(29),
      logRetentionDays: stage.logRetentionDays,
      retainLogs: stage.retainData,
      environment: { RESULT_TTL_DAYS: String(stage.resultTtlDays) },
    });

    this.httpApi = new HttpApi(this, "HttpApi", {
      description: `claw-tasks ${stage.stage} task API`,
      createDefaultStage: true,
    });
    const integration = new HttpLambdaIntegration("ApiIntegration", this.handler);
    for (const route of apiRoutes) {
      this.httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }
  }
}
