/**
 * The one place that holds the defaults of every claw-tasks function:
 * Node.js 24 on arm64, an ESM bundle built by esbuild (minified, with source
 * maps, split into chunks), its own log group with retention, Powertools
 * settings (log level INFO, the metrics namespace).
 *
 * @aws-sdk policy: the SDK clients are bundled at the versions package-lock.json
 * pins, not taken from the Lambda runtime, and each client sits in a chunk of
 * its own that loads on first use. Measured in docs/cold-start.md: importing
 * the bundled, tree-shaken clients is faster than loading the runtime's, and
 * the runtime's SDK version is whatever AWS ships that week (it may lack a
 * client as new as S3 Vectors' or a fix the tests rely on).
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
import { Architecture, Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { buildSync } from "esbuild";
import { metricsNamespace, metricsServiceName } from "../../functions/adapters/task-metrics.ts";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

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
}

/** The bundle's entry file in the asset: Lambda's handler is `index.handler`. */
export const bundleEntryFile = "index.mjs";
/** Where the lazily loaded chunks (SDK clients, task types, the monitor page) go in the asset. */
export const bundleChunkFolder = "chunks";

/**
 * esbuild in this process (it is a dev dependency, as the CDK CLI is), so
 * synth needs no Docker. The entry is a field so that CDK's asset cache tells
 * two functions' bundles apart.
 */
class EsbuildBundling implements ILocalBundling {
  readonly entry: string;

  constructor(entry: string) {
    this.entry = entry;
  }

  tryBundle(outputDir: string): boolean {
    const result = buildSync({
      entryPoints: { index: this.entry },
      absWorkingDir: projectRoot,
      outdir: outputDir,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node24",
      minify: true,
      sourcemap: true,
      outExtension: { ".js": ".mjs" },
      chunkNames: `${bundleChunkFolder}/[name]-[hash]`,
      mainFields: ["module", "main"],
      // The web monitor's page is bundled into the API function as text.
      loader: { ".html": "text" },
      // Some CommonJS dependencies call require(); ESM output needs it defined.
      banner: {
        js: "import { createRequire as __claw_createRequire } from 'node:module'; const require = __claw_createRequire(import.meta.url);",
      },
      logLevel: "warning",
    });
    if (result.errors.length > 0) throw new Error(`esbuild failed for ${this.entry}`);
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
      local: new EsbuildBundling(entry),
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
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_LOG_LEVEL: "INFO",
        POWERTOOLS_SERVICE_NAME: metricsServiceName,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        ...props.environment,
      },
    });
  }
}
