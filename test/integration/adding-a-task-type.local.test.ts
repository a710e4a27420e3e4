/**
 * The guide docs/adding-a-task-type.md, followed as written: its steps
 * (each marked `<!-- guide: create|insert|run ... -->` before a code block)
 * are applied to a copy of the repository, the copy type-checks, `npm start`
 * runs it, and the guide's command runs the new type to the result the guide
 * promises. A guide that drifts from the code fails here.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../local/synthesize.ts";

const run = promisify(execFile);
const guidePath = path.join(projectRoot, "docs", "adding-a-task-type.md");

type Step =
  | { readonly kind: "create"; readonly file: string; readonly code: string }
  | {
      readonly kind: "insert";
      readonly file: string;
      readonly where: "before" | "after";
      readonly anchor: string;
      readonly code: string;
    }
  | { readonly kind: "run"; readonly code: string };

function guideSteps(markdown: string): Step[] {
  const steps: Step[] = [];
  for (const match of markdown.matchAll(/<!-- guide: (.+?) -->\n```\w*\n([\s\S]*?)```/g)) {
    const [, instruction, code] = match as unknown as [string, string, string];
    const create = /^create (\S+)$/.exec(instruction);
    const insert = /^insert (\S+) (before|after) (["'])(.+)\3$/.exec(instruction);
    if (create) steps.push({ kind: "create", file: create[1]!, code });
    else if (insert) {
      steps.push({
        kind: "insert",
        file: insert[1]!,
        where: insert[2] as "before" | "after",
        anchor: insert[4]!,
        code,
      });
    } else if (instruction === "run") steps.push({ kind: "run", code });
    else throw new Error(`the guide has a step this test cannot follow: ${instruction}`);
  }
  return steps;
}

function apply(root: string, step: Exclude<Step, { kind: "run" }>): void {
  const file = path.join(root, step.file);
  if (step.kind === "create") {
    if (existsSync(file)) throw new Error(`${step.file} exists already`);
    writeFileSync(file, step.code);
    return;
  }
  const text = readFileSync(file, "utf8");
  const at = text.indexOf(step.anchor);
  if (at < 0) throw new Error(`${step.file} has no line "${step.anchor}" (the guide is out of date)`);
  const lineStart = text.lastIndexOf("\n", at) + 1;
  const lineEnd = text.indexOf("\n", at) + 1;
  writeFileSync(
    file,
    step.where === "before"
      ? text.slice(0, lineStart) + step.code + text.slice(lineStart)
      : text.slice(0, lineEnd) + step.code + text.slice(lineEnd),
  );
}

/** What a copy needs to type-check and start: the app's sources, not tests or benchmarks. */
const copied = [
  "bin",
  "lib",
  "functions",
  "local",
  "tools",
  "clients",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "cdk.json",
];
const copy = mkdtempSync(path.join(tmpdir(), "claw-tasks-guide-"));
let runtime: ChildProcess | undefined;

afterAll(async () => {
  if (runtime?.pid) {
    const exited =
      runtime.exitCode === null && runtime.signalCode === null
        ? new Promise((resolve) => runtime!.once("exit", resolve))
        : Promise.resolve();
    // The runtime leads its own process group: its emulators (DynamoDB Local is a Java process) stop
    // with it, even when the runtime itself already ended after a failed start.
    try {
      process.kill(-runtime.pid, "SIGTERM");
    } catch {
      // The group is gone already.
    }
    await exited;
  }
  rmSync(copy, { recursive: true, force: true });
});

function startRuntime(root: string, apiKey: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["local/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "0", CLAW_TASKS_API_KEY: apiKey },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    runtime = child;
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /API:\s+(http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve(url);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.once("exit", (code) => reject(new Error(`npm start of the copy ended (${code}):\n${output}`)));
  });
}

describe("docs/adding-a-task-type.md", () => {
  it("adds a task type that type-checks and runs", { timeout: 480_000 }, async () => {
    // Prepare: the repository's sources in a temporary directory, sharing node_modules.
    const guide = readFileSync(guidePath, "utf8");
    const steps = guideSteps(guide);
    expect(steps.map((step) => step.kind)).toEqual(["insert", "create", "insert", "run"]);
    for (const entry of copied) {
      if (existsSync(path.join(projectRoot, entry))) {
        cpSync(path.join(projectRoot, entry), path.join(copy, entry), {
          recursive: true,
          filter: (source) => !/[\\/](dist|cdk\.out|\.local)$/.test(source),
        });
      }
    }
    symlinkSync(path.join(projectRoot, "node_modules"), path.join(copy, "node_modules"), "dir");

    // Act: follow the guide.
    for (const step of steps) if (step.kind !== "run") apply(copy, step);
    await run(process.execPath, [path.join(copy, "node_modules", "typescript", "bin", "tsc"), "-p", copy], {
      cwd: copy,
    }).catch((error: { stdout?: string }) => {
      throw new Error(`the copy does not type-check after the guide's steps:\n${error.stdout}`);
    });
    const apiKey = `ct_guide-${Date.now()}`;
    const url = await startRuntime(copy, apiKey);
    const command = steps.find((step) => step.kind === "run")!.code.trim();
    const { stdout } = await run("bash", ["-c", command], {
      cwd: copy,
      env: {
        ...process.env,
        PATH: `${path.join(copy, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`,
        CLAW_TASKS_API_URL: url,
        CLAW_TASKS_API_KEY: apiKey,
      },
    });

    // Assess: the task succeeded with the result the guide shows.
    const promised = /with the result\s+`(\{[\s\S]*?\})`/.exec(guide)?.[1];
    expect(promised, "the guide states the result").toBeDefined();
    const task = JSON.parse(stdout) as { type: string; status: string; result: unknown };
    expect(task).toMatchObject({ type: "word_count", status: "succeeded" });
    expect(task.result).toEqual(JSON.parse(promised!.replace(/\s+/g, " ")));
  });
});
