/**
 * `npm run bench:init`: only the cold-start part of `npm run bench` (bundle
 * sizes and module initialisation of every function, measured exactly as the
 * full bench measures them), for checking a change to what the functions load
 * without the ten-minute load test. Prints a table; writes nothing.
 * Options: --samples N (default 7), --json.
 */
import { parseArgs } from "node:util";
import { startChildSystem } from "./child-system.ts";
import type { ClawSystemConfig, ClawSystemInfo, ColdStartReport } from "./claw-system.ts";
import { targets } from "./report.ts";
import { median } from "./stats.ts";

const { values: args } = parseArgs({
  options: { samples: { type: "string", default: "7" }, json: { type: "boolean", default: false } },
});
const samples = Number(args.samples);
if (!Number.isInteger(samples) || samples < 1) throw new Error("--samples must be a positive integer");

const claw = await startChildSystem<ClawSystemInfo>(
  new URL("./claw-system.ts", import.meta.url),
  {} satisfies ClawSystemConfig,
);
try {
  const reports = await claw.request<ColdStartReport[]>("cold-start", { samples });
  if (args.json) console.log(JSON.stringify(reports, null, 2));
  else {
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log("| function | at init | asset | init p50 | init min | init max | p50 without source maps |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const fn of reports) {
      console.log(
        `| ${fn.logicalId} | ${kb(fn.bundleBytes)} | ${kb(fn.assetBytes)} | ${median(fn.initMs).toFixed(1)} ms | ` +
          `${Math.min(...fn.initMs).toFixed(1)} ms | ${Math.max(...fn.initMs).toFixed(1)} ms | ` +
          `${median(fn.initMsWithoutSourceMaps).toFixed(1)} ms |`,
      );
    }
    const slow = reports.filter((fn) => median(fn.initMs) > targets.initMs);
    console.log(
      slow.length === 0
        ? `every function's init p50 is within ${targets.initMs} ms`
        : `over ${targets.initMs} ms: ${slow.map((fn) => fn.logicalId).join(", ")}`,
    );
  }
} finally {
  await claw.stop();
}
