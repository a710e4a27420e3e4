/**
 * The command line as a process (the built `dist/cli.js`, the package's bin):
 * version, help per command, JSON errors under --json for every kind of
 * failure, the documented exit codes, the Node.js version check, and the
 * workflow commands. Requests go to loopback servers that play the API.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
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

function cli(
  args: string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  stdin?: string,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...nodeArgs, bin, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: packageDir, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
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

describe("claw-tasks workflow", () => {
  // A workflow API: wf1 has ended `succeeded` (three nodes, served two a page), wf2 `failed`, wf3 runs on.
  const requests: { method: string; url: string; body: unknown; idempotencyKey: unknown }[] = [];
  let workflowServer: Server;
  let workflowUrl: string;
  const counts = { waiting: 0, active: 0, succeeded: 3, failed: 0, cancelled: 0, expired: 0, skipped: 0 };
  const workflow = (id: string, status: string) => ({
    id,
    status,
    failurePolicy: { mode: "fail_fast" },
    nodeCount: 3,
    counts,
    createdAt: "2026-11-30T10:00:00.000Z",
    updatedAt: "2026-11-30T10:00:01.000Z",
    ...(status === "succeeded" ? { result: [1, 2] } : {}),
    ...(status === "failed" ? { error: { node: "n1", taskId: `${id}.n1`, message: "boom" } } : {}),
  });
  const node = (id: string, after: string[]) => ({
    id,
    taskId: `wf1.${id}`,
    type: "echo",
    after,
    status: "succeeded",
  });

  beforeAll(async () => {
    workflowServer = createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        const url = new URL(request.url!, "http://fake");
        requests.push({
          method: request.method!,
          url: request.url!,
          body: text ? JSON.parse(text) : undefined,
          idempotencyKey: request.headers["idempotency-key"],
        });
        const answer = (status: number, body: unknown) => {
          response.writeHead(status, { "content-type": "application/json" });
          response.end(JSON.stringify(body));
        };
        const [, , , id, part] = url.pathname.split("/");
        if (request.method === "POST" && url.pathname === "/v1/workflows")
          return answer(202, workflow("wf1", "running"));
        if (part === "nodes") {
          return answer(
            200,
            url.searchParams.get("cursor") === "c2"
              ? { items: [node("n2", ["n0", "n1"])], nextCursor: null }
              : { items: [node("n0", []), node("n1", [])], nextCursor: "c2" },
          );
        }
        if (part === "cancel") return answer(200, workflow(id!, "cancelled"));
        const status = { wf1: "succeeded", wf2: "failed", wf3: "running" }[id ?? ""];
        return status
          ? answer(200, workflow(id!, status))
          : answer(404, { error: { code: "not_found", message: `workflow ${id} not found` } });
      });
    });
    await new Promise<void>((resolve) => workflowServer.listen(0, "127.0.0.1", resolve));
    workflowUrl = `http://127.0.0.1:${(workflowServer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => workflowServer.close(() => resolve())));

  const api = () => ({ CLAW_TASKS_API_URL: workflowUrl, CLAW_TASKS_API_KEY: "ct_test" });
  const chord = {
    chord: { header: [{ type: "echo", input: { value: 1 } }], body: { type: "echo", input: {} } },
  };

  it("submit sends a file's body as is, or a canvas alone as its workflow, and prints the id", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "claw-workflow-"));
    const bodyFile = path.join(dir, "body.json");
    writeFileSync(bodyFile, JSON.stringify({ workflow: chord, failurePolicy: { mode: "wait_all" } }));
    requests.length = 0;
    const run = await cli(["workflow", "submit", bodyFile, "--idempotency-key", "k-1"], api());
    expect(run).toMatchObject({ code: exitCodes.ok, stdout: "wf1\n" });
    expect(requests[0]).toEqual({
      method: "POST",
      url: "/v1/workflows",
      body: { workflow: chord, failurePolicy: { mode: "wait_all" } },
      idempotencyKey: "k-1",
    });
    // From stdin, the canvas alone; --wait follows it to its end.
    const waited = await cli(
      ["workflow", "submit", "-", "--wait", "--json"],
      api(),
      [],
      JSON.stringify(chord),
    );
    expect(waited.code).toBe(exitCodes.ok);
    expect(JSON.parse(waited.stdout)).toMatchObject({ id: "wf1", status: "succeeded", result: [1, 2] });
    expect(requests[1]).toMatchObject({ body: { workflow: chord } });
    expect(requests[1]!.idempotencyKey).toMatch(/^ct-client-/);
  });

  it("submit refuses a file that is not a JSON object, with exit 2", async () => {
    const run = await cli(["workflow", "submit", "-", "--json"], api(), [], "[1, 2]");
    expect(run.code).toBe(exitCodes.usage);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: "usage" } });
  });

  it("get shows the workflow; wait exits 3 when it failed and 4 when it outlasts --timeout", async () => {
    const get = await cli(["workflow", "get", "wf1"], api());
    expect(get.code).toBe(exitCodes.ok);
    expect(get.stdout).toMatch(/^id: +wf1$/m);
    expect(get.stdout).toMatch(/^nodes: +3 nodes: 3 succeeded$/m);
    expect(get.stdout).toMatch(/^result: +\[1,2\]$/m);
    const failed = await cli(["workflow", "wait", "wf2", "--json"], api());
    expect(failed.code).toBe(exitCodes.taskUnsuccessful);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: "failed", error: { node: "n1" } });
    const late = await cli(["workflow", "wait", "wf3", "--timeout", "1", "--json"], api());
    expect(late.code).toBe(exitCodes.timeout);
    // stderr has the progress lines (as for a task's --wait), then the error as its last line.
    expect(late.stderr).toContain("wf3 running 3 nodes: 3 succeeded\n");
    expect(JSON.parse(late.stderr.trimEnd().split("\n").at(-1)!)).toMatchObject({
      error: { code: "timeout", workflowId: "wf3" },
    });
  });

  it("nodes lists every page in canvas order; cancel cancels; a missing workflow is exit 1", async () => {
    const nodes = await cli(["workflow", "nodes", "wf1"], api());
    expect(nodes.code).toBe(exitCodes.ok);
    expect(nodes.stdout.split("\n").map((line) => line.split(/ +/)[0])).toEqual([
      "NODE",
      "n0",
      "n1",
      "n2",
      "",
    ]);
    expect(nodes.stdout).toMatch(/n2 +echo +succeeded +n0,n1 +wf1\.n2/);
    const json = await cli(["workflow", "nodes", "wf1", "--json"], api());
    expect((JSON.parse(json.stdout) as { id: string }[]).map((n) => n.id)).toEqual(["n0", "n1", "n2"]);
    expect(await cli(["workflow", "cancel", "wf3"], api())).toMatchObject({
      code: 0,
      stdout: "wf3 cancelled\n",
    });
    const missing = await cli(["workflow", "get", "nope", "--json"], api());
    expect(missing.code).toBe(exitCodes.apiError);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { status: 404, code: "not_found" } });
    expect((await cli(["workflow", "frobnicate"], api())).code).toBe(exitCodes.usage);
    expect((await cli(["workflow", "--help"])).stdout).toMatch(/^claw-tasks workflow submit/);
  });
});
