/**
 * The contract between the worker and the task modules in functions/tasks.
 */
import type { TaskInput, TaskType } from "../tasks/catalog.ts";
import type { TaskProgress } from "./task.ts";

/** What a running task knows about its attempt. */
export interface TaskContext {
  readonly taskId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** When the task was submitted (ISO 8601): the same on every attempt. */
  readonly submittedAt: string;
  /** The task's tags, as submitted (or set by the system: completion callbacks). @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /** Fires at the soft time limit or on a cancel request. Pass it to every I/O call. */
  readonly signal: AbortSignal;
  /** Records progress on the task (at most one write a second; 100 % always written). */
  reportProgress(progress: TaskProgress): Promise<void>;
}

export type TaskHandler<T extends TaskType = TaskType> = (
  input: TaskInput<T>,
  context: TaskContext,
) => Promise<unknown>;

/** One handler per catalog entry; the type makes a missing one a compile error. */
export type TaskHandlers = { readonly [T in TaskType]: TaskHandler<T> };

/** A handler seen from the worker, which passes input already parsed by the type's schema. */
export type UntypedTaskHandler = (input: unknown, context: TaskContext) => Promise<unknown>;
