/**
 * How a claw-tasks function's code is bundled, and what its bundle may
 * weigh. esbuild, ESM, minified, with source maps, split into chunks: the
 * entry (`index.mjs`) and the chunks it imports statically are what a cold
 * start loads; every other chunk (each SDK client with the adapters that
 * call it, each task type, the monitor page) loads on first use.
 *
 * @aws-sdk policy: the SDK is bundled at the versions package-lock.json
 * pins, not taken from the Lambda runtime (docs/cold-start.md has the
 * measurements behind this). The runtime's SDK is whatever AWS ships that
 * week and may lack a client as new as S3 Vectors'; the bundled clients,
 * tree-shaken and in lazy chunks, also start faster than the runtime's.
 */
import * as path from "node:path";
import { buildSync, type Metafile } from "esbuild";

/** The bundle's entry file in the asset: Lambda's handler is `index.handler`. */
export const bundleEntryFile = "index.mjs";

export interface BundleBudget {
  /** The entry and the chunks it imports statically: what module init parses. */
  readonly initKilobytes: number;
  /** Every chunk in the asset (source maps not counted). */
  readonly totalKilobytes: number;
}

/** Every function's budget (issue #12: the API's init bundle at most 250 KB). */
export const defaultBundleBudget: BundleBudget = { initKilobytes: 250, totalKilobytes: 1_536 };

export interface BundleReport {
  readonly entryBytes: number;
  readonly initBytes: number;
  readonly totalBytes: number;
  /** Source files (project paths) whose code runs at module init. */
  readonly initInputs: readonly string[];
}

/** The output files a cold start loads: the entry and, transitively, its static imports. */
function initOutputs(metafile: Metafile, entryOutput: string): Set<string> {
  const loaded = new Set<string>();
  const pending = [entryOutput];
  for (let output = pending.pop(); output !== undefined; output = pending.pop()) {
    if (loaded.has(output)) continue;
    loaded.add(output);
    for (const imported of metafile.outputs[output]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) pending.push(imported.path);
    }
  }
  return loaded;
}

/** Bundles `entry` (absolute) into `outdir` and reports the sizes. Throws when esbuild fails. */
export function bundleFunction(
  entry: string,
  outdir: string,
  projectRoot: string,
  /** Constants replaced at build time (esbuild `define`), so dead branches drop out of the bundle. */
  define: Record<string, string> = {},
): BundleReport {
  const result = buildSync({
    entryPoints: { index: entry },
    absWorkingDir: projectRoot,
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    minify: true,
    sourcemap: true,
    // Stack traces need only the mappings; embedding every source (the SDK's too) would triple the maps.
    sourcesContent: false,
    metafile: true,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    mainFields: ["module", "main"],
    // The web monitor's page is bundled into the API function as text.
    loader: { ".html": "text" },
    // Some CommonJS dependencies call require(); ESM output needs it defined.
    banner: {
      js: "import { createRequire as __claw_createRequire } from 'node:module'; const require = __claw_createRequire(import.meta.url);",
    },
    logLevel: "warning",
    define,
  });
  if (result.errors.length > 0) throw new Error(`esbuild failed for ${entry}`);
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith(".mjs"));
  const entryOutput = outputs.find(([file]) => path.basename(file) === bundleEntryFile)?.[0];
  if (!entryOutput) throw new Error(`esbuild wrote no ${bundleEntryFile} for ${entry}`);
  const loaded = initOutputs(result.metafile, entryOutput);
  return {
    entryBytes: result.metafile.outputs[entryOutput]!.bytes,
    initBytes: outputs
      .filter(([file]) => loaded.has(file))
      .reduce((sum, [, output]) => sum + output.bytes, 0),
    totalBytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0),
    initInputs: [
      ...new Set(
        outputs.filter(([file]) => loaded.has(file)).flatMap(([, output]) => Object.keys(output.inputs)),
      ),
    ].sort(),
  };
}

/** Throws, naming the function's entry and the figures, when `report` exceeds `budget`. */
export function checkBundleBudget(entry: string, report: BundleReport, budget: BundleBudget): void {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  if (report.initBytes > budget.initKilobytes * 1024) {
    throw new Error(
      `${entry}: ${kb(report.initBytes)} loaded at init, over its ${budget.initKilobytes} KB budget; load the rest on first use (docs/cold-start.md)`,
    );
  }
  if (report.totalBytes > budget.totalKilobytes * 1024) {
    throw new Error(
      `${entry}: bundle of ${kb(report.totalBytes)}, over its ${budget.totalKilobytes} KB budget`,
    );
  }
}
