/**
 * What the integration tests run against, handed from the global setup to
 * the test files (vitest `provide` / `inject`): the local runtime that
 * `npm test` starts (global-setup.ts), or any endpoint given to
 * `npm run test:remote` (remote-setup.ts).
 */
import type { LocalRuntime } from "../../local/runtime.ts";

/** The local runtime's insides, for `*.local.test.ts` files only. */
export interface LocalRuntimeInfo {
  readonly region: string;
  readonly endpoints: LocalRuntime["endpoints"];
  readonly credentials: LocalRuntime["credentials"];
  readonly queues: LocalRuntime["queues"];
  readonly faultProxies: LocalRuntime["faultProxies"];
  /** The stack's outputs, resolved locally (table and bucket names, secret ARNs). */
  readonly outputs: LocalRuntime["outputs"];
  readonly apiKeyTableName: string;
  /** How much faster than real time the local scheduler's clock runs. */
  readonly schedulerTimeScale: number;
  /** IAM enforcement's endpoint and each function's credentials (by logical id); absent with CLAW_TASKS_IAM=off. */
  readonly iam: LocalRuntime["iam"];
  /** The file the functions' log lines go to, one `[function] {json}` a line. */
  readonly functionLog: string;
  /** The process the runtime runs in: its sockets and its children's are the runtime's. */
  readonly pid: number;
}

export interface TestTarget {
  readonly kind: "local" | "remote";
  readonly url: string;
  readonly apiKey: string;
  /**
   * Factor on the tests' waiting times: a deployed stack has cold starts and
   * polls its queues over the network. 1 locally.
   */
  readonly patience: number;
  /** Present only when the tests run against the local runtime they started. */
  readonly local?: LocalRuntimeInfo;
}

declare module "vitest" {
  export interface ProvidedContext {
    clawTasks: TestTarget;
  }
}
