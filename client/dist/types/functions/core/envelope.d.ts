import { type TaskType } from "../tasks/catalog.ts";
import { type Lane, type Priority } from "../tasks/lanes.ts";
import type { Task, TaskTimeLimits } from "./task.ts";
/** What a schedule runs at each firing. */
export interface ScheduledTask {
  readonly type: TaskType;
  readonly input: unknown;
  readonly priority: Priority;
}
export interface TaskEnvelope {
  readonly v: 1;
  readonly id: string;
  readonly type: TaskType;
  readonly lane: Lane;
  readonly priority: Priority;
  readonly input: unknown;
  readonly maxAttempts: number;
  readonly createdAt: string;
  readonly runAt?: string;
  readonly expiresAt?: string;
  readonly timeLimits?: TaskTimeLimits;
  readonly callbackUrl?: string;
  readonly scheduleName?: string;
  readonly tags?: Readonly<Record<string, string>>;
}
export declare function envelopeOf(task: Task): TaskEnvelope;
/** Parses a queue message body; throws on anything that is not an envelope. */
export declare function parseEnvelope(body: string): TaskEnvelope;
/** The task id of a message body that may not be a valid envelope, to record what happened to it. */
export declare function taskIdOf(body: string): string | undefined;
/** EventBridge Scheduler replaces this with the firing's scheduled time (e.g. 2022-03-22T18:59:43Z). */
export declare const scheduledTimePlaceholder = "<aws.scheduler.scheduled-time>";
/**
 * The message a schedule sends to its lane's queue at each firing, as the
 * target input template. The task id is `<schedule name>@<scheduled time>`:
 * each firing is a new task, while a retried delivery of one firing (same
 * scheduled time) is the same task, which the worker's claim runs once.
 */
export declare function scheduledEnvelopeInput(scheduleName: string, task: ScheduledTask): string;
/** Reads the task back from a schedule's target input; undefined when claw-tasks did not write it. */
export declare function scheduledTaskOf(targetInput: string | undefined): ScheduledTask | undefined;
