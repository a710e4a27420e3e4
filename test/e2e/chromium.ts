/**
 * The Chromium the browser tests drive. `npm ci` brings one: the dev
 * dependency `@sparticuz/chromium` ships a Linux x64 headless-shell build,
 * brotli-compressed inside the package (nothing is downloaded at install or
 * at run time), with the few shared libraries it needs (NSS, NSPR, expat)
 * and a font. It is unpacked once per installed version into
 * `node_modules/.cache/` and launched with those libraries first on
 * LD_LIBRARY_PATH, so a machine without a system browser or its libraries
 * runs the tests. `CLAW_TASKS_CHROMIUM` names another Chrome or Chromium
 * executable instead (macOS, Windows, or another version).
 */
import { spawnSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createBrotliDecompress } from "node:zlib";
import { projectRoot } from "../../local/synthesize.ts";

export const chromiumVariable = "CLAW_TASKS_CHROMIUM";

export interface ChromiumInstall {
  readonly executablePath: string;
  /** Environment the browser needs (its libraries and fonts); empty for a system browser. */
  readonly env: Readonly<Record<string, string>>;
}

function bundledPackageDir(): string {
  // The package exports only its entry (build/index.js); its compressed files sit in ../bin.
  return path.resolve(path.dirname(fileURLToPath(import.meta.resolve("@sparticuz/chromium"))), "..");
}

async function unbrotli(source: string, target: string): Promise<void> {
  await pipeline(
    createReadStream(source),
    createBrotliDecompress(),
    createWriteStream(target, { mode: 0o755 }),
  );
}

async function unpack(packageDir: string, target: string): Promise<void> {
  // Unpack next to the target and rename at the end, so an interrupted run leaves nothing half-written.
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const bin = path.join(packageDir, "bin");
  await unbrotli(path.join(bin, "chromium.br"), path.join(partial, "chromium"));
  for (const archive of ["al2023", "fonts", "swiftshader"]) {
    const tarFile = path.join(partial, `${archive}.tar`);
    await unbrotli(path.join(bin, `${archive}.tar.br`), tarFile);
    const untar = spawnSync("tar", ["-xf", tarFile, "-C", partial], { encoding: "utf8" });
    if (untar.status !== 0) throw new Error(`could not unpack ${archive}.tar.br: ${untar.stderr}`);
    rmSync(tarFile);
  }
  // The package's fonts.conf names Lambda's directories; point fontconfig at the unpacked font instead.
  writeFileSync(
    path.join(partial, "fonts.conf"),
    `<?xml version="1.0"?>\n<fontconfig>\n  <dir>${path.join(target, "fonts")}</dir>\n  <cachedir>${path.join(target, "fonts-cache")}</cachedir>\n</fontconfig>\n`,
  );
  try {
    renameSync(partial, target);
  } catch (error) {
    // Another test process finished first: its copy is as good as ours.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
}

/** The browser to launch: `CLAW_TASKS_CHROMIUM`, else the one `npm ci` installed (unpacked on first use). */
export async function chromiumInstall(): Promise<ChromiumInstall> {
  const chosen = process.env[chromiumVariable];
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`${chromiumVariable}=${chosen}: no such file`);
    return { executablePath: chosen, env: {} };
  }
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `no Chromium: the bundled one is a Linux x64 build; set ${chromiumVariable} to a Chrome or Chromium executable`,
    );
  }
  let packageDir: string;
  try {
    packageDir = bundledPackageDir();
  } catch {
    throw new Error(
      `no Chromium: @sparticuz/chromium is not installed (run npm ci), or set ${chromiumVariable} to a Chrome or Chromium executable`,
    );
  }
  const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as {
    version: string;
  };
  const dir = path.join(projectRoot, "node_modules", ".cache", `claw-tasks-chromium-${version}`);
  if (!existsSync(path.join(dir, "chromium"))) await unpack(packageDir, dir);
  return {
    executablePath: path.join(dir, "chromium"),
    env: {
      LD_LIBRARY_PATH: [path.join(dir, "lib"), dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
      FONTCONFIG_PATH: dir,
    },
  };
}
