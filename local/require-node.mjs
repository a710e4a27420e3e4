/**
 * Loaded before the local runtime (`node --import ./local/require-node.mjs
 * local/main.ts`): plain JavaScript, so that an older Node gets here before it
 * fails to load the TypeScript files, and says which version is needed
 * instead of a loader error. The version comes from package.json's engines.
 */
import { readFileSync } from "node:fs";

const { engines } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const needed = Number(/\d+/.exec(engines.node)[0]);
const running = Number(process.versions.node.split(".")[0]);
if (running < needed) {
  console.error(
    `claw-tasks needs Node.js ${needed} or newer (package.json engines: "${engines.node}"); this is Node.js ${process.versions.node} (${process.execPath}).`,
  );
  process.exit(1);
}
