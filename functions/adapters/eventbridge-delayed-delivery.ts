/**
 * DelayedDelivery on EventBridge Scheduler: one one-time `at()` schedule per
 * task, in the stack's delay group, whose templated SQS target sends the
 * task's envelope to its lane queue (for its priority) when due, through the
 * scheduler role (the same target mechanism as the static and dynamic
 * schedules). The schedule deletes itself after it fires
 * (ActionAfterCompletion DELETE), so the group holds only pending delays.
 *
 * The name derives from the task id, so a retried create finds the first
 * (ConflictException: the pending delivery stands) and a cancel can delete it.
 *
 * IAM: scheduler:CreateSchedule (and DeleteSchedule to cancel) on
 * `schedule/<delay group>/*`, iam:PassRole of the scheduler role
 * (lib/constructs/schedules.ts, bindDelayedDelivery).
 */
import { createHash } from "node:crypto";
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from "@aws-sdk/client-scheduler";
import type { DelayedDelivery } from "../core/ports.ts";
import type { DelayedDeliverySettings } from "./lane-environment.ts";

/**
 * A delayed task must not be dropped for a passing fault: the most retries
 * and the longest event age EventBridge Scheduler allows, then the schedules' DLQ.
 */
export const delayedDeliveryRetryPolicy = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };

const schedulePrefix = "task-";
/** Schedule names: 1-64 of letters, digits, - _ . */
const plainId = /^[0-9A-Za-z_.-]{1,59}$/;

/**
 * The schedule name of a task's delayed delivery: `task-<id>` for ids that
 * fit a schedule name (the API's UUIDs), else a hash of the id (the ids of
 * scheduled firings hold `@` and `:`), under its own prefix so the two never meet.
 */
export function delayScheduleName(taskId: string): string {
  if (plainId.test(taskId)) return `${schedulePrefix}${taskId}`;
  return `taskhash-${createHash("sha256").update(taskId).digest("hex").slice(0, 55)}`;
}

/** EventBridge Scheduler's at() takes whole seconds (UTC here): the next whole second, so it is never early. */
export function atExpression(at: Date): string {
  const seconds = Math.ceil(at.getTime() / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

/** Reads the settings from the environment the stack gives (fails at cold start when one is missing). */
export function createEventBridgeDelayedDelivery(
  client: SchedulerClient,
  settings: DelayedDeliverySettings,
): DelayedDelivery {
  const { groupName } = settings;
  return {
    async schedule(envelope, at) {
      const queueArn = settings.laneQueueArns[envelope.lane]?.[envelope.priority];
      if (!queueArn) {
        throw new Error(`no queue ARN configured for lane ${envelope.lane}, priority ${envelope.priority}`);
      }
      try {
        await client.send(
          new CreateScheduleCommand({
            Name: delayScheduleName(envelope.id),
            GroupName: groupName,
            ScheduleExpression: atExpression(at),
            ScheduleExpressionTimezone: "UTC",
            FlexibleTimeWindow: { Mode: "OFF" },
            ActionAfterCompletion: "DELETE",
            State: "ENABLED",
            Description: `claw-tasks: delivers task ${envelope.id} (${envelope.type}) when due`.slice(0, 512),
            Target: {
              Arn: queueArn,
              RoleArn: settings.roleArn,
              Input: JSON.stringify(envelope),
              RetryPolicy: delayedDeliveryRetryPolicy,
              DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
            },
          }),
        );
      } catch (error) {
        // The task's schedule exists: a retried request, or a duplicate message. It delivers the same task.
        if (error instanceof ConflictException) return;
        throw error;
      }
    },

    async cancel(taskId) {
      try {
        await client.send(
          new DeleteScheduleCommand({ Name: delayScheduleName(taskId), GroupName: groupName }),
        );
        return true;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      }
    },
  };
}
