/**
 * Builds the package for other projects: Node does not strip types inside
 * node_modules, so a consumer gets JavaScript. esbuild bundles the client
 * (no dependencies at run time: the server's modules are imported for types
 * only) and the command line; tsc writes the type declarations.
 * `npm run build` here, or `npm run build:client` at the repository's root
 * (also run by the root's `prepare`, so `npm ci` builds it).
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { build } from "esbuild";

const clientDir = import.meta.dirname;
export const clientDist = path.join(clientDir, "dist");

/** The JavaScript: `dist/index.js` (browsers and Node) and `dist/cli.js` (Node, the `claw-tasks` bin). */
export async function buildClientBundles(): Promise<void> {
  const common = {
    bundle: true,
    format: "esm",
    target: "es2022",
    sourcemap: true,
    logLevel: "warning",
  } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(clientDir, "src", "index.ts")],
      outfile: path.join(clientDist, "index.js"),
      platform: "neutral",
    }),
    build({
      ...common,
      entryPoints: [path.join(clientDir, "src", "cli.ts")],
      outfile: path.join(clientDist, "cli.js"),
      platform: "node",
      target: "node24",
      // doctor and logs load the app package's AWS SDK by a variable specifier, only when they need it.
      external: ["@aws-sdk/*"],
    }),
  ]);
}

/** The type declarations, under `dist/types` (they reach into the catalog and the API's schemas for the types). */
export function buildClientDeclarations(): void {
  execFileSync(
    process.execPath,
    [
      createRequire(import.meta.url).resolve("typescript/bin/tsc"),
      "-p",
      path.join(clientDir, "tsconfig.build.json"),
    ],
    { stdio: "inherit" },
  );
}

if (import.meta.main) {
  await buildClientBundles();
  buildClientDeclarations();
}
