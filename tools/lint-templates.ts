/**
 * `npm run lint:templates`: synthesizes every stage (the built-in ones and
 * those of the `claw-tasks:stages` context in cdk.json) and runs cfn-lint
 * (a Python tool: `pip install cfn-lint`) over each template. Errors fail
 * the run; warnings are printed. `.ci/run` runs it.
 *
 * Waivers live next to the resource they concern, as `cfn-lint` metadata
 * with the reason in a comment (e.g. the dashboard in
 * lib/constructs/monitoring.ts), never as a global ignore.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stageNames, stagesContextKey } from "../lib/stage-config.ts";
import { projectRoot, synthesize } from "../local/synthesize.ts";

const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, "cdk.json"), "utf8")) as {
  context?: Record<string, unknown>;
};
const stages = stageNames(cdkJson.context?.[stagesContextKey]);

const version = spawnSync("cfn-lint", ["--version"], { encoding: "utf8" });
if (version.error || version.status !== 0) {
  console.error("lint:templates: cfn-lint is not installed (pip install cfn-lint)");
  process.exit(2);
}
console.log(`${version.stdout.trim()}; stages: ${stages.join(", ")}`);

const outdir = mkdtempSync(path.join(tmpdir(), "claw-tasks-lint-"));
let failed = false;
try {
  for (const stage of stages) {
    const assembly = await synthesize(path.join(outdir, stage), stage);
    const templateFile = path.join(assembly.outdir, `${assembly.stackName}.template.json`);
    // Exit status: errors only (warnings and informational findings are printed, not failed on).
    const lint = spawnSync("cfn-lint", ["--non-zero-exit-code", "error", "--", templateFile], {
      encoding: "utf8",
    });
    const findings = `${lint.stdout}${lint.stderr}`.trim();
    const errors = (findings.match(/^E\d{4} /gm) ?? []).length;
    const warnings = (findings.match(/^W\d{4} /gm) ?? []).length;
    console.log(`${stage}: ${errors} errors, ${warnings} warnings`);
    if (findings) console.log(findings.replaceAll(`${assembly.outdir}/`, ""));
    if (lint.status !== 0 || errors > 0) failed = true;
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
