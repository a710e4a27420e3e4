/**
 * claw-tasks client: `new ClawTasksClient({url, apiKey})`. See README "Client".
 */
export * from "./client.ts";
export * from "./errors.ts";
export * from "./workflows.ts";
