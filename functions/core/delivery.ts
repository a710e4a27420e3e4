/**
 * How a task's message reaches its lane queue by its `runAt`: sent at once,
 * with an SQS delay, when it is due within the queue's longest delay (900 s
 * on AWS); otherwise handed to a DelayedDelivery (a one-time EventBridge
 * Scheduler schedule) that sends it when due. A delay of a year therefore
 * costs the same requests as a delay of an hour: one schedule created, one
 * message sent when it fires.
 *
 * The same decision runs wherever a message may be early: on submit, on
 * retry by id, and in the worker when a message arrives before its task is
 * due (the scheduler's clock, or a message sent before this path existed).
 * The claim on the task record still guards the start, so however many
 * copies arrive, the task runs once.
 */
import { envelopeOf, maxTargetInputChars, type TaskEnvelope } from "./envelope.ts";
import type { DelayedDelivery, TaskQueue } from "./ports.ts";
import type { Task } from "./task.ts";

export type DeliveryPlan =
  | { readonly via: "queue"; readonly delaySeconds: number }
  | { readonly via: "schedule"; readonly at: Date };

export interface DeliveryDeps {
  readonly queue: TaskQueue;
  readonly delays: DelayedDelivery;
  /** The longest SQS delay (900 s on AWS; tests shorten it): later deliveries are scheduled. */
  readonly maxSqsDelaySeconds: number;
}

/** Whole seconds until the envelope's task is due; 0 when it has no runAt or it has passed. */
export function secondsUntilDue(envelope: Pick<TaskEnvelope, "runAt">, now: Date): number {
  if (!envelope.runAt) return 0;
  return Math.max(0, Math.ceil((Date.parse(envelope.runAt) - now.getTime()) / 1000));
}

/** Whether the envelope fits a schedule's target input (EventBridge Scheduler: 8,192 characters). */
export function fitsScheduleInput(envelope: TaskEnvelope): boolean {
  return JSON.stringify(envelope).length <= maxTargetInputChars;
}

/** Whether a task is due too far ahead for one SQS delay, so its delivery needs a schedule. */
export function needsSchedule(task: Task, now: Date, maxSqsDelaySeconds: number): boolean {
  return secondsUntilDue(task, now) > maxSqsDelaySeconds;
}

/**
 * Decides how to deliver `envelope` now. Due within one SQS delay: the queue,
 * delayed by what remains. Later: a schedule at its runAt. An envelope too
 * large for a schedule's input (the submit path moves large inputs to S3
 * first, so only tags and a callback URL near their limits get here) hops
 * instead: sent with the longest delay, and decided again when it arrives.
 */
export function planDelivery(envelope: TaskEnvelope, now: Date, maxSqsDelaySeconds: number): DeliveryPlan {
  const remaining = secondsUntilDue(envelope, now);
  if (remaining <= maxSqsDelaySeconds) return { via: "queue", delaySeconds: remaining };
  if (!fitsScheduleInput(envelope)) return { via: "queue", delaySeconds: maxSqsDelaySeconds };
  return { via: "schedule", at: new Date(Date.parse(envelope.runAt!)) };
}

/** Delivers `envelope` as planDelivery decides; resolves with the plan once the queue or the scheduler took it. */
export async function deliver(envelope: TaskEnvelope, now: Date, deps: DeliveryDeps): Promise<DeliveryPlan> {
  const plan = planDelivery(envelope, now, deps.maxSqsDelaySeconds);
  if (plan.via === "schedule") await deps.delays.schedule(envelope, plan.at);
  else await deps.queue.send(envelope, plan.delaySeconds);
  return plan;
}

/** Delivers a task's envelope (see deliver). */
export function deliverTask(task: Task, now: Date, deps: DeliveryDeps): Promise<DeliveryPlan> {
  return deliver(envelopeOf(task), now, deps);
}
