#!/usr/bin/env node
// The `claw-tasks` bin: plain JavaScript that loads the built command line
// (dist/cli.js). It exists before the build does, so npm links it at install
// time even though the build runs after linking (the root's prepare).
let cli;
try {
  cli = await import("../dist/cli.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/cli.js")) throw error;
  process.stderr.write("claw-tasks is not built: run `npm run build` in clients/typescript (npm ci does).\n");
  process.exit(2);
}
await cli.main();
