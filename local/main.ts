/**
 * `npm start`: the whole system on this machine, on embedded AWS emulators
 * (or on AWS_ENDPOINT_URL when set). Ctrl-C stops everything.
 */
import * as path from "node:path";
import { startLocalRuntime } from "./runtime.ts";
import { removeRuntimeState, runtimeStateFile, writeRuntimeState } from "./runtime-state.ts";
import { projectRoot } from "./synthesize.ts";

/** Every function's output, raw: `claw-tasks logs` reads it. */
const logFile = path.join(projectRoot, ".local", "functions.log");

const started = Date.now();
console.log("claw-tasks: synthesizing the stack and starting the emulators ...");
const runtime = await startLocalRuntime({ logFile }).catch((error: Error) => {
  console.error(`claw-tasks: could not start: ${error.message}`);
  process.exit(1);
});
writeRuntimeState(runtime, runtimeStateFile, logFile);

console.log(`
claw-tasks is running (${((Date.now() - started) / 1000).toFixed(1)} s)
  API:      ${runtime.url}
  API key:  ${runtime.apiKey}
  SQS:      ${runtime.endpoints.sqs}
  DynamoDB: ${runtime.endpoints.dynamodb}
  Scheduler: ${runtime.endpoints.scheduler}   Lambda (event-source mappings): ${runtime.endpoints.lambda}
  API keys: table ${runtime.apiKeyTableName} (more keys: npm run keys -- create --name <name> --local)
  Log:      ${path.relative(process.cwd(), logFile)} (claw-tasks logs --follow; claw-tasks doctor checks the system)
  IAM:      ${runtime.iam ? "enforced: each function's AWS calls are checked against its role (CLAW_TASKS_IAM=off to turn off)" : "not enforced (CLAW_TASKS_IAM=off)"}

Try:
  curl -s -X POST ${runtime.url}/v1/tasks -H "Authorization: Bearer ${runtime.apiKey}" \\
       -H "content-type: application/json" -d '{"type":"echo","input":{"value":"hello"}}'
`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\nclaw-tasks: ${signal} received, stopping ...`);
  removeRuntimeState();
  await runtime.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
