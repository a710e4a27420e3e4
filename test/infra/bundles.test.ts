/**
 * Infra tier: the functions' bundles as ClawFunction builds them (esbuild,
 * split into chunks). What a cold start parses stays within its budget and
 * holds no AWS SDK code; the SDK clients are bundled (pinned), not left to
 * the Lambda runtime; and a budget that is exceeded fails the build.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type BundleReport,
  bundleEntryFile,
  bundleFunction,
  checkBundleBudget,
  defaultBundleBudget,
} from "../../lib/constructs/function-bundle.ts";
import { projectRoot } from "../../local/synthesize.ts";

const outdir = mkdtempSync(path.join(tmpdir(), "claw-tasks-bundles-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const entries = ["api/handler.ts", "worker/handler.ts"] as const;
const reports = new Map<string, { report: BundleReport; dir: string }>();
function bundled(entry: (typeof entries)[number]) {
  let built = reports.get(entry);
  if (!built) {
    const dir = path.join(outdir, path.dirname(entry));
    built = { report: bundleFunction(path.join(projectRoot, "functions", entry), dir, projectRoot), dir };
    reports.set(entry, built);
  }
  return built;
}

describe.each(entries)("the %s bundle", (entry) => {
  it("loads at most its budget at init, and its whole asset stays within budget", () => {
    const { report } = bundled(entry);
    expect(report.initBytes).toBeLessThanOrEqual(defaultBundleBudget.initKilobytes * 1024);
    expect(report.totalBytes).toBeLessThanOrEqual(defaultBundleBudget.totalKilobytes * 1024);
    expect(() => checkBundleBudget(entry, report, defaultBundleBudget)).not.toThrow();
  });

  it("runs no AWS SDK code at init: every client loads on first use", () => {
    const { report } = bundled(entry);
    const sdkAtInit = report.initInputs.filter((input) => /node_modules\/@(aws-sdk|smithy)\//.test(input));
    expect(sdkAtInit).toEqual([]);
    // The task-type modules and adapters with SDK calls are lazy too.
    expect(
      report.initInputs.filter((input) => /functions\/adapters\/(dynamodb|sqs|s3|sns)-/.test(input)),
    ).toEqual([]);
  });

  it("carries the SDK it uses (pinned in package-lock.json), importing none from the runtime", () => {
    const { dir } = bundled(entry);
    const files = [bundleEntryFile, ...readdirSync(path.join(dir, "chunks")).map((file) => `chunks/${file}`)];
    const code = files
      .filter((file) => file.endsWith(".mjs"))
      .map((file) => readFileSync(path.join(dir, file), "utf8"));
    expect(code.some((text) => /from\s*"@aws-sdk\//.test(text) || /import\("@aws-sdk\//.test(text))).toBe(
      false,
    );
    // The DynamoDB client's own code is in a chunk (its service name appears in its endpoint rules).
    expect(code.some((text) => text.includes("DynamoDB_20120810"))).toBe(true);
  });
});

describe("the bundle budget", () => {
  it("fails the build with the entry and the figures when the init bundle is over", () => {
    const { report } = bundled("api/handler.ts");
    expect(() =>
      checkBundleBudget("api/handler.ts", report, { initKilobytes: 10, totalKilobytes: 10_000 }),
    ).toThrow(/api\/handler\.ts: [\d.]+ KB loaded at init, over its 10 KB budget/);
    expect(() =>
      checkBundleBudget("api/handler.ts", report, { initKilobytes: 10_000, totalKilobytes: 100 }),
    ).toThrow(/bundle of [\d.]+ KB, over its 100 KB budget/);
  });
});
