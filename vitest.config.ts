/**
 * Test tiers. `npm test` runs unit, infra and integration; the integration
 * tier starts one local runtime for the run (test/integration/global-setup.ts).
 *
 * `npm run test:remote` (mode "remote") runs the same integration files
 * against the endpoint in CLAW_TASKS_API_URL / CLAW_TASKS_API_KEY and starts
 * nothing (test/integration/remote-setup.ts). Files named `*.local.test.ts`
 * reach inside the local runtime (its queues, its tables) and run only locally.
 */
import { defineConfig } from "vitest/config";

const integrationFiles = ["test/integration/**/*.test.ts"];
const localOnlyFiles = ["test/integration/**/*.local.test.ts"];

export default defineConfig(({ mode }) => ({
  test: {
    projects:
      mode === "remote"
        ? [
            {
              test: {
                name: "integration",
                include: integrationFiles,
                exclude: localOnlyFiles,
                globalSetup: ["test/integration/remote-setup.ts"],
                // Some tests pause a lane or change a rate limit: files take turns.
                fileParallelism: false,
                // Deployed functions start cold and queues are polled over the network.
                testTimeout: 180_000,
                hookTimeout: 60_000,
              },
            },
          ]
        : [
            { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
            // The client package's own tests (its `npm test`), against loopback fakes of the API.
            "clients/typescript/vitest.config.ts",
            {
              test: {
                name: "infra",
                include: ["test/infra/**/*.test.ts"],
                testTimeout: 60_000,
                hookTimeout: 60_000,
              },
            },
            {
              test: {
                name: "integration",
                // The browser tests (test/e2e) drive the same local runtime, so they run in this project.
                include: [...integrationFiles, "test/e2e/**/*.test.ts"],
                globalSetup: ["test/integration/global-setup.ts"],
                // One runtime serves every file, and some tests pause a lane: files take turns.
                fileParallelism: false,
                testTimeout: 60_000,
                hookTimeout: 180_000,
              },
            },
            {
              // Not part of `npm test`: `npm run test:load` (CI runs both).
              test: {
                name: "load",
                include: ["test/load/**/*.test.ts"],
                // Production cache settings and no fault proxy (test/load/global-setup.ts).
                globalSetup: ["test/load/global-setup.ts"],
                testTimeout: 30 * 60_000,
                hookTimeout: 180_000,
              },
            },
          ],
  },
}));
