/**
 * The CDK context of cdk.json (the feature flags above all), so that the
 * infra tier's in-process apps synthesize what `cdk synth` and the local
 * runtime do, not the CDK's old defaults.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../local/synthesize.ts";

export const cdkJsonContext: Readonly<Record<string, unknown>> =
  (
    JSON.parse(readFileSync(path.join(projectRoot, "cdk.json"), "utf8")) as {
      context?: Record<string, unknown>;
    }
  ).context ?? {};
