/**
 * The one place that holds the defaults of every claw-tasks function:
 * Node.js 24 on arm64, an ESM bundle built by esbuild with the pinned AWS
 * SDK inside, split into lazily loaded chunks and held to a size budget
 * (function-bundle.ts), its own log group with retention, Powertools
 * settings (log level INFO, the metrics namespace), and Lambda's advanced
 * logging controls (JSON format, application level INFO, system level WARN).
 *
 * esbuild runs here rather than through NodejsFunction because code splitting
 * needs an output folder, which NodejsFunction's single `--outfile` cannot have.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  AssetHashType,
  type BundlingOptions,
  DockerImage,
  type Duration,
  type ILocalBundling,
  RemovalPolicy,
} from "aws-cdk-lib";
import {
  ApplicationLogLevel,
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { metricsNamespace, metricsServiceName } from "../../functions/adapters/task-metrics.ts";
import {
  type BundleBudget,
  bundleFunction,
  checkBundleBudget,
  defaultBundleBudget,
} from "./function-bundle.ts";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The functions' log levels, set once for Lambda's advanced logging controls
 * and for Powertools (which follows AWS_LAMBDA_LOG_LEVEL, Lambda's, when set).
 *
 * - Application INFO: Lambda drops lines below it. Powertools Metrics' EMF
 *   lines carry no `level`, which Lambda counts as INFO, so they pass (a WARN
 *   application level would drop every metric). Powertools Logger and Metrics
 *   write JSON lines to stdout through their own Console, which Lambda's JSON
 *   format passes on as they are, so EMF is still extracted.
 * - System WARN: Lambda's START, END and REPORT lines (INFO, about 300 bytes
 *   an invocation) are not written; a failed or timed-out invocation's
 *   platform line is WARN and still is. Duration and memory stay in Lambda's
 *   own metrics; the bench's cost model reads this setting from the template.
 */
export const functionLogLevels = {
  application: ApplicationLogLevel.INFO,
  system: SystemLogLevel.WARN,
} as const;

export interface ClawFunctionProps {
  /** Handler module under functions/, e.g. `api/handler.ts`. */
  readonly entry: string;
  readonly timeout: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default - only the Powertools settings and NODE_OPTIONS */
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
  /** What the bundle may weigh; synth fails when it is over. @default defaultBundleBudget */
  readonly bundleBudget?: BundleBudget;
}

/**
 * esbuild in this process (it is a dev dependency, as the CDK CLI is), so
 * synth needs no Docker. The fields are what CDK's asset cache keys on, so
 * two functions' bundles are told apart.
 */
class EsbuildBundling implements ILocalBundling {
  readonly entry: string;
  readonly budget: BundleBudget;
  readonly define: Record<string, string>;

  constructor(entry: string, budget: BundleBudget, define: Record<string, string>) {
    this.entry = entry;
    this.budget = budget;
    this.define = define;
  }

  tryBundle(outputDir: string): boolean {
    checkBundleBudget(
      this.entry,
      bundleFunction(this.entry, outputDir, projectRoot, this.define),
      this.budget,
    );
    return true;
  }
}

export class ClawFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: ClawFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetentionDays as RetentionDays,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const entry = path.join(projectRoot, "functions", props.entry);
    const bundling: BundlingOptions = {
      local: new EsbuildBundling(
        path.relative(projectRoot, entry),
        props.bundleBudget ?? defaultBundleBudget,
        // A constant in the bundle, so that esbuild drops the Tracer where tracing is off.
        { "process.env.CLAW_TASKS_TRACING": JSON.stringify(String(props.tracing ?? false)) },
      ),
      // Never pulled: local bundling above either succeeds or throws.
      image: DockerImage.fromRegistry("claw-tasks-bundles-locally"),
    };
    super(scope, id, {
      code: Code.fromAsset(projectRoot, { assetHashType: AssetHashType.OUTPUT, bundling }),
      handler: "index.handler",
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: functionLogLevels.application,
      systemLogLevelV2: functionLogLevels.system,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_LOG_LEVEL: functionLogLevels.application,
        POWERTOOLS_SERVICE_NAME: metricsServiceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        CLAW_TASKS_TRACING: String(props.tracing ?? false),
        ...props.environment,
      },
    });
  }
}
