/**
 * The package's own tests (`npm test` here): the client against a loopback
 * HTTP server that plays the API and injects faults, and the command line as
 * a process. They need no claw-tasks running; the repository's integration
 * tier runs both against the real API as well.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "client",
    include: ["test/**/*.test.ts"],
    root: import.meta.dirname,
    // The CLI tests start node processes; on a busy machine each can take seconds.
    testTimeout: 30_000,
  },
});
