/**
 * The command line as a process (the built `dist/cli.js`, the package's bin):
 * version, help per command, JSON errors under --json for every kind of
 * failure, the documented exit codes, and the Node.js version check.
 * Requests go to a loopback server that plays the API.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClientBundles } from "../build.ts";
import { exitCodes } from "../src/cli.ts";
import { requiredNodeMajor } from "../src/require-node.ts";

const packageDir = path.resolve(import.meta.dirname, "..");
const packageJson = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
  engines: { node: string };
  dependencies?: unknown;
};
const bin = path.join(packageDir, packageJson.bin["claw-tasks"]!);

let server: Server;
let url: string;

beforeAll(async () => {
  await buildClientBundles();
  server = createServer((request, response) => {
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { code: "not_found", message: `task ${request.url} not found` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, bin, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: packageDir, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

const configured = () => ({ CLAW_TASKS_API_URL: url, CLAW_TASKS_API_KEY: "ct_test" });

describe("the package", () => {
  it("has no run-time dependencies and asks for the Node.js the version check wants", () => {
    expect(packageJson.dependencies).toBeUndefined();
    expect(packageJson.engines.node).toBe(`>=${requiredNodeMajor}`);
  });
});

describe("claw-tasks --version and --help", () => {
  it("prints the package's version", async () => {
    const run = await cli(["--version"]);
    expect(run).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
    expect(JSON.parse((await cli(["--version", "--json"])).stdout)).toEqual({ version: packageJson.version });
  });

  it("prints each command's own help", async () => {
    const submit = await cli(["submit", "--help"]);
    expect(submit.code).toBe(0);
    expect(submit.stdout).toMatch(/^claw-tasks submit TYPE/);
    expect(submit.stdout).toContain("--idempotency-key");
    expect(submit.stdout).not.toContain("Commands");
    expect((await cli(["help", "submit"])).stdout).toBe(submit.stdout);
    expect((await cli(["schedules", "create", "--help"])).stdout).toMatch(/^claw-tasks schedules/);
    const general = await cli(["--help"]);
    expect(general.stdout).toContain(`claw-tasks ${packageJson.version}`);
    expect(general.stdout).toContain("Usage: claw-tasks <command>");
    expect(general.stdout).toMatch(/Exit codes: 0 done, 1 .* 2 .* 3 .* 4 /s);
  });
});

describe("errors under --json", () => {
  it("bad usage: exit 2, a JSON error", async () => {
    for (const args of [["frobnicate"], ["submit"], ["submit", "echo", "--delay", "soon"], []]) {
      const run = await cli([...args, "--json"], configured());
      expect(run.code, args.join(" ")).toBe(exitCodes.usage);
      expect(JSON.parse(run.stderr), args.join(" ")).toMatchObject({ error: { code: "usage" } });
    }
  });

  it("no configuration: exit 2, a JSON error naming the variables", async () => {
    const run = await cli(["stats", "--json"]);
    expect(run.code).toBe(exitCodes.usage);
    expect(JSON.parse(run.stderr).error.message).toContain("CLAW_TASKS_API_URL");
  });

  it("the API refuses: exit 1, the API's error", async () => {
    const run = await cli(["status", "t1", "--json"], configured());
    expect(run.code).toBe(exitCodes.apiError);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { status: 404, code: "not_found" } });
  });

  it("no answer: exit 1, a JSON error", async () => {
    const run = await cli(["stats", "--json"], { ...configured(), CLAW_TASKS_API_URL: "http://127.0.0.1:9" });
    expect(run.code).toBe(exitCodes.apiError);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: "no_answer" } });
  });
});

describe("the Node.js version check", () => {
  it("an older Node.js gets exit 2 and the version it needs", async () => {
    // The running Node pretends to be 20 before the bin loads, as Node 20 itself would report.
    const pretend = `data:text/javascript,Object.defineProperty(process.versions, "node", { value: "20.11.0" })`;
    const run = await cli(["--version"], {}, ["--import", pretend]);
    expect(run.code).toBe(exitCodes.usage);
    expect(run.stderr).toContain(
      `claw-tasks needs Node.js ${requiredNodeMajor} or newer; this is Node.js 20.11.0`,
    );
    expect(run.stdout).toBe("");
  });
});
