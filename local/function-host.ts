/**
 * Runs one function of the template locally: a pool of sandboxes (worker
 * threads), at most `maxConcurrency` at once, each with the function's
 * environment, memory size and timeout. A sandbox that times out is
 * terminated, as Lambda ends an execution environment that overruns.
 */
import { Worker } from "node:worker_threads";
import type { InvocationError, SandboxData, SandboxReply, SandboxRequest } from "./function-sandbox.ts";

export interface FunctionSpec {
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly modulePath: string;
  readonly handlerName: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Concurrent executions allowed (the reservation, or the local default). */
  readonly maxConcurrency: number;
  /**
   * Lambda's system log level (LoggingConfig.SystemLogLevel; INFO when not
   * set): below WARN, Lambda writes START, END and REPORT lines per invocation.
   * Not emulated (the local runtime writes no platform lines); the bench's cost model reads it.
   */
  readonly systemLogLevel: string;
}

export type InvokeResult =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: InvocationError };

export type LogSink = (functionName: string, line: string) => void;

/** What Lambda would bill: invocations, and their durations each rounded up to the millisecond. */
export interface FunctionUsage {
  readonly invocations: number;
  readonly billedMilliseconds: number;
}

const sandboxUrl = new URL("./function-sandbox.ts", import.meta.url);

class Sandbox {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  private nextId = 0;
  private pending: { resolve: (result: InvokeResult) => void } | undefined;
  exited = false;

  constructor(spec: FunctionSpec, logSink: LogSink) {
    const data: SandboxData = {
      modulePath: spec.modulePath,
      handlerName: spec.handlerName,
      functionName: spec.functionName,
      functionArn: spec.functionArn,
      memoryMb: spec.memoryMb,
    };
    this.worker = new Worker(sandboxUrl, {
      workerData: data,
      env: { ...spec.environment },
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
      name: spec.functionName,
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      let buffered = "";
      stream.on("data", (chunk: Buffer) => {
        const lines = (buffered + chunk.toString()).split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) if (line) logSink(spec.functionName, line);
      });
    }
    this.ready = new Promise((resolve, reject) => {
      this.worker.on("message", (reply: SandboxReply) => {
        if (reply.kind === "ready") resolve();
        else if (reply.kind === "init-error")
          reject(new Error(`${spec.functionName} failed to initialise: ${reply.error.errorMessage}`));
        else {
          const pending = this.pending;
          this.pending = undefined;
          pending?.resolve(
            reply.kind === "result" ? { ok: true, result: reply.result } : { ok: false, error: reply.error },
          );
        }
      });
      this.worker.on("exit", (code) => {
        this.exited = true;
        reject(new Error(`${spec.functionName} sandbox exited with code ${code} during init`));
        this.pending?.resolve({
          ok: false,
          error: { errorType: "Runtime.ExitError", errorMessage: `sandbox exited with code ${code}` },
        });
        this.pending = undefined;
      });
      this.worker.on("error", (error) =>
        logSink(spec.functionName, `sandbox error: ${error.stack ?? error}`),
      );
    });
    // Avoid an unhandled rejection when nobody awaits a sandbox that fails early.
    this.ready.catch(() => {});
  }

  invoke(event: unknown, timeoutMs: number): Promise<InvokeResult> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        void this.worker.terminate();
        resolve({
          ok: false,
          error: {
            errorType: "Sandbox.Timedout",
            errorMessage: `Task timed out after ${timeoutMs / 1000} seconds`,
          },
        });
      }, timeoutMs);
      this.pending = {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
      };
      const request: SandboxRequest = { id: this.nextId++, event, deadline };
      this.worker.postMessage(request);
    });
  }
}

export class LocalFunction {
  readonly spec: FunctionSpec;
  private readonly logSink: LogSink;
  private readonly idle: Sandbox[] = [];
  private readonly all = new Set<Sandbox>();
  private readonly waiting: ((sandbox: Sandbox | undefined) => void)[] = [];
  private stopped = false;
  private invocations = 0;
  private billedMilliseconds = 0;

  constructor(spec: FunctionSpec, logSink: LogSink) {
    this.spec = spec;
    this.logSink = logSink;
  }

  /** Executions running now. */
  get inFlight(): number {
    return this.all.size - this.idle.length;
  }

  get usage(): FunctionUsage {
    return { invocations: this.invocations, billedMilliseconds: this.billedMilliseconds };
  }

  /** Starts one sandbox ahead of the first invocation (a warm start). */
  async warm(): Promise<void> {
    if (this.all.size > 0) return;
    const sandbox = this.createSandbox();
    await sandbox.ready;
    this.idle.push(sandbox);
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    const sandbox = await this.acquire();
    if (!sandbox)
      return { ok: false, error: { errorType: "Runtime.Stopped", errorMessage: "local runtime stopping" } };
    try {
      await sandbox.ready;
    } catch (error) {
      this.discard(sandbox);
      return { ok: false, error: { errorType: "Runtime.InitError", errorMessage: (error as Error).message } };
    }
    const started = performance.now();
    // postMessage hands the sandbox its own copy (structured clone); the events the runtime builds are
    // plain JSON values already, so no JSON round trip on the main thread.
    const result = await sandbox.invoke(event, this.spec.timeoutSeconds * 1000);
    this.invocations++;
    this.billedMilliseconds += Math.ceil(performance.now() - started);
    if (sandbox.exited || (!result.ok && result.error.errorType === "Sandbox.Timedout"))
      this.discard(sandbox);
    else this.release(sandbox);
    return result;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const resolve of this.waiting.splice(0)) resolve(undefined);
    await Promise.all([...this.all].map((sandbox) => sandbox.worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }

  private createSandbox(): Sandbox {
    const sandbox = new Sandbox(this.spec, this.logSink);
    this.all.add(sandbox);
    return sandbox;
  }

  private acquire(): Promise<Sandbox | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.all.size < this.spec.maxConcurrency) return Promise.resolve(this.createSandbox());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(sandbox: Sandbox): void {
    const next = this.waiting.shift();
    if (next) next(sandbox);
    else this.idle.push(sandbox);
  }

  private discard(sandbox: Sandbox): void {
    this.all.delete(sandbox);
    void sandbox.worker.terminate();
    const next = this.waiting.shift();
    if (next) next(this.stopped ? undefined : this.createSandbox());
  }
}
