/**
 * Debian's redis-server for the BullMQ baseline: installed when missing (the
 * bench runs as root on the build machines; CI does not run the bench),
 * started on a free loopback port without persistence, stopped at the end.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../local/emulators.ts";

export interface RunningRedis {
  readonly port: number;
  readonly version: string;
  stop(): Promise<void>;
}

function redisVersion(): string | undefined {
  try {
    return /v=(\S+)/.exec(execFileSync("redis-server", ["--version"], { encoding: "utf8" }))?.[1];
  } catch {
    return undefined;
  }
}

function ensureInstalled(log: (line: string) => void): string {
  const installed = redisVersion();
  if (installed) return installed;
  if (process.getuid?.() !== 0) {
    throw new Error("redis-server is missing; install Debian's package: apt-get install -y redis-server");
  }
  log("installing redis-server (apt-get) ...");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
  execFileSync("apt-get", ["install", "-y", "-qq", "redis-server"], {
    stdio: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  const version = redisVersion();
  if (!version) throw new Error("redis-server still missing after apt-get install");
  return version;
}

export async function startRedisServer(log: (line: string) => void): Promise<RunningRedis> {
  const version = ensureInstalled(log);
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
      if (output.includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited with code ${code}:\n${output}`)));
  });
  await Promise.race([
    ready,
    sleep(15_000).then(() => {
      throw new Error(`redis-server did not start within 15 s:\n${output}`);
    }),
  ]).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    port,
    version,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(5_000).then(() => child.kill("SIGKILL"))]);
    },
  };
}
