/**
 * The one place that holds the defaults of every claw-tasks function:
 * Node.js 24 on arm64, an ESM bundle built by esbuild (minified, with source
 * maps), its own log group with retention, Powertools settings (log level
 * INFO, the metrics namespace).
 *
 * @aws-sdk policy: `@aws-sdk/*` stays out of the bundle and comes from the
 * Lambda runtime, which keeps bundles small; locally it resolves from the
 * project's node_modules.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { metricsNamespace, metricsServiceName } from "../../functions/adapters/task-metrics.ts";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface ClawFunctionProps {
  /** Handler module under functions/, e.g. `api/handler.ts`. */
  readonly entry: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment?: Record<string, string>;
  readonly logRetentionDays: number;
  readonly retainLogs: boolean;
  /** @default - no reservation */
  readonly reservedConcurrentExecutions?: number;
  readonly description: string;
  /**
   * Lambda active tracing (X-Ray) and Powertools Tracer in the handler
   * (functions/adapters/tracing.ts); off, neither is in the bundle.
   * @default false
   */
  readonly tracing?: boolean;
}

export class ClawFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ClawFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(projectRoot, "functions", props.entry),
      handler: "handler",
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, "package-lock.json"),
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_LOG_LEVEL: "INFO",
        POWERTOOLS_SERVICE_NAME: metricsServiceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        CLAW_TASKS_TRACING: String(props.tracing ?? false),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node24",
        minify: true,
        logLevel: LogLevel.WARNING,
        sourceMap: true,
        mainFields: ["module", "main"],
        externalModules: ["@aws-sdk/*"],
        // The web monitor's page is bundled into the API function as text.
        loader: { ".html": "text" },
        // A constant in the bundle, so that esbuild drops the Tracer where tracing is off.
        define: { "process.env.CLAW_TASKS_TRACING": JSON.stringify(String(props.tracing ?? false)) },
        // Some CommonJS dependencies call require(); ESM output needs it defined.
        banner:
          "import { createRequire as __claw_createRequire } from 'node:module'; const require = __claw_createRequire(import.meta.url);",
      },
    });
  }
}
