/**
 * ScheduleStore on EventBridge Scheduler: one schedule per dynamic schedule,
 * in the stack's dynamic schedule group, targeting its task type's lane queue
 * (templated SQS target) with the task message as input, the stack's retry
 * policy and dead-letter queue. A one-time at() schedule deletes itself after
 * it fires.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleOutput,
  ListSchedulesCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  type Target,
  UpdateScheduleCommand,
  ValidationException,
} from "@aws-sdk/client-scheduler";
import { scheduledEnvelopeInput, scheduledTaskOf } from "../core/envelope.ts";
import {
  type ScheduleDefinition,
  ScheduleRejected,
  type ScheduleStore,
  type StoredSchedule,
} from "../core/ports.ts";
import { taskCatalog } from "../tasks/catalog.ts";
import type { Lane, Priority } from "../tasks/lanes.ts";

export interface ScheduleTargetSettings {
  readonly groupName: string;
  /** The role EventBridge Scheduler assumes to send to the lane queues. */
  readonly roleArn: string;
  readonly deadLetterQueueArn: string;
  /** Each lane's queue ARN per priority: a schedule targets the queue of its task's lane and priority. */
  readonly laneQueueArns: Readonly<Record<Lane, Readonly<Record<Priority, string>>>>;
  readonly retryAttempts: number;
  readonly maxEventAgeSeconds: number;
}

function toStored(output: GetScheduleOutput): StoredSchedule {
  const task = scheduledTaskOf(output.Target?.Input);
  if (!task) throw new Error(`schedule ${output.Name} has a target input claw-tasks did not write`);
  return {
    name: output.Name!,
    expression: output.ScheduleExpression!,
    timezone: output.ScheduleExpressionTimezone ?? "UTC",
    task,
    enabled: output.State !== "DISABLED",
    ...(output.Description ? { description: output.Description } : {}),
    createdAt: (output.CreationDate ?? new Date()).toISOString(),
    updatedAt: (output.LastModificationDate ?? output.CreationDate ?? new Date()).toISOString(),
  };
}

async function refusalsAsRejections<T>(action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (error) {
    if (error instanceof ValidationException) throw new ScheduleRejected(error.message);
    throw error;
  }
}

export function createEventBridgeScheduleStore(
  client: SchedulerClient,
  settings: ScheduleTargetSettings,
): ScheduleStore {
  const { groupName } = settings;

  const request = (schedule: ScheduleDefinition) => {
    const target: Target = {
      Arn: settings.laneQueueArns[taskCatalog[schedule.task.type].lane][schedule.task.priority],
      RoleArn: settings.roleArn,
      Input: scheduledEnvelopeInput(schedule.name, schedule.task),
      RetryPolicy: {
        MaximumRetryAttempts: settings.retryAttempts,
        MaximumEventAgeInSeconds: settings.maxEventAgeSeconds,
      },
      DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
    };
    return {
      Name: schedule.name,
      GroupName: groupName,
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: schedule.timezone,
      State: schedule.enabled ? ("ENABLED" as const) : ("DISABLED" as const),
      Description: schedule.description ?? "",
      FlexibleTimeWindow: { Mode: "OFF" as const },
      ActionAfterCompletion: schedule.expression.startsWith("at(") ? ("DELETE" as const) : ("NONE" as const),
      Target: target,
    };
  };

  const get = async (name: string) => {
    try {
      return toStored(await client.send(new GetScheduleCommand({ Name: name, GroupName: groupName })));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };

  return {
    get,

    async create(schedule) {
      try {
        await refusalsAsRejections(client.send(new CreateScheduleCommand(request(schedule))));
      } catch (error) {
        if (error instanceof ConflictException) return undefined;
        throw error;
      }
      const created = await get(schedule.name);
      if (!created) throw new Error(`schedule ${schedule.name} vanished right after it was created`);
      return created;
    },

    async update(schedule) {
      try {
        await refusalsAsRejections(client.send(new UpdateScheduleCommand(request(schedule))));
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
      return get(schedule.name);
    },

    async delete(name) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
        return true;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      }
    },

    async list(limit, cursor) {
      const page = await client.send(
        new ListSchedulesCommand({ GroupName: groupName, MaxResults: limit, NextToken: cursor }),
      );
      // A schedule deleted between the listing and its read is left out.
      const items = await Promise.all((page.Schedules ?? []).map((summary) => get(summary.Name!)));
      return {
        items: items.filter((item): item is StoredSchedule => item !== undefined),
        ...(page.NextToken ? { nextCursor: page.NextToken } : {}),
      };
    },
  };
}
