/**
 * Ports: what the use cases need from the outside world. Adapters in
 * functions/adapters implement them with the AWS SDK; tests may implement
 * them in memory.
 */
import type { TaskEnvelope } from "./envelope.ts";
import type { Task, TaskErrorInfo } from "./task.ts";

export type ClaimResult =
  | { readonly claimed: true; readonly task: Task }
  | { readonly claimed: false; readonly current: Task | undefined };

/** The end of an attempt, as recorded on the task. */
export type AttemptOutcome =
  | { readonly status: "succeeded"; readonly result: unknown }
  | { readonly status: "failed"; readonly error: TaskErrorInfo }
  | { readonly status: "retrying"; readonly error: TaskErrorInfo; readonly nextAttemptAt: string };

/** Durable task records. */
export interface TaskStore {
  /** Writes a new record; resolves false when one with that id exists already. */
  create(task: Task): Promise<boolean>;
  get(id: string): Promise<Task | undefined>;
  /**
   * Starts an attempt if the task may run: it is queued, scheduled or retrying,
   * or running under a lease that has run out (a crashed attempt). Creates the
   * record from the envelope when it is missing. Conditional, so of two
   * deliveries of one message only one claims.
   */
  claim(envelope: TaskEnvelope, now: Date, leaseUntil: Date): Promise<ClaimResult>;
  /**
   * Records how attempt `attempt` ended. Resolves false when the task is no
   * longer running that attempt (cancelled, or claimed again after a lost lease).
   */
  finishAttempt(id: string, attempt: number, outcome: AttemptOutcome, now: Date): Promise<boolean>;
  /** Marks a queued task failed when its message could not be sent. */
  failUnsent(id: string, error: TaskErrorInfo, now: Date): Promise<void>;
}

/** The lane queues. */
export interface TaskQueue {
  /** Sends the envelope to its lane's queue, visible after `delaySeconds` (at most 900). */
  send(envelope: TaskEnvelope, delaySeconds?: number): Promise<void>;
}

/** Stored API keys, looked up by the SHA-256 of the key. */
export interface ApiKeyStore {
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
}

export interface ApiKeyRecord {
  readonly keyHash: string;
  readonly name: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}
