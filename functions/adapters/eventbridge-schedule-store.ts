/**
 * ScheduleStore on EventBridge Scheduler: one schedule per dynamic schedule,
 * in the stack's dynamic schedule group, targeting its task type's lane queue
 * (templated SQS target) with the task message as input, the stack's retry
 * policy and dead-letter queue. A one-time at() schedule deletes itself after
 * it fires.
 *
 * Bound to one namespace: a schedule's name in the group carries it
 * (namespaces.ts `storedScheduleName`) and so does its message; every read,
 * change and delete first reads the schedule and treats one whose message
 * names another namespace as missing. (EventBridge Scheduler has no tags on
 * schedules, only on groups.)
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
import { defaultNamespace, storedScheduleName } from "../core/namespaces.ts";
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

/** The schedule as `namespace` sees it; undefined when it belongs to another namespace. */
function toStored(output: GetScheduleOutput, namespace: string): StoredSchedule | undefined {
  const scheduled = scheduledTaskOf(output.Target?.Input);
  if (!scheduled) throw new Error(`schedule ${output.Name} has a target input claw-tasks did not write`);
  const prefix = storedScheduleName(namespace, "");
  if (scheduled.namespace !== namespace || !output.Name!.startsWith(prefix)) return undefined;
  const { namespace: _namespace, ...task } = scheduled;
  return {
    name: output.Name!.slice(prefix.length),
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
  namespace: string = defaultNamespace,
): ScheduleStore {
  const { groupName } = settings;
  const storedName = (name: string) => storedScheduleName(namespace, name);

  const request = (schedule: ScheduleDefinition) => {
    const target: Target = {
      Arn: settings.laneQueueArns[taskCatalog[schedule.task.type].lane][schedule.task.priority],
      RoleArn: settings.roleArn,
      Input: scheduledEnvelopeInput(schedule.name, schedule.task, namespace),
      RetryPolicy: {
        MaximumRetryAttempts: settings.retryAttempts,
        MaximumEventAgeInSeconds: settings.maxEventAgeSeconds,
      },
      DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
    };
    return {
      Name: storedName(schedule.name),
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

  /** By the name in the group. */
  const getStored = async (stored: string) => {
    try {
      return toStored(
        await client.send(new GetScheduleCommand({ Name: stored, GroupName: groupName })),
        namespace,
      );
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
  const get = (name: string) => getStored(storedName(name));

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
      // Only a schedule of this namespace is changed.
      if (!(await get(schedule.name))) return undefined;
      try {
        await refusalsAsRejections(client.send(new UpdateScheduleCommand(request(schedule))));
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
      return get(schedule.name);
    },

    async delete(name) {
      // Only a schedule of this namespace is deleted.
      if (!(await get(name))) return false;
      try {
        await client.send(new DeleteScheduleCommand({ Name: storedName(name), GroupName: groupName }));
        return true;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      }
    },

    async list(limit, cursor) {
      const prefix = storedName("");
      const page = await client.send(
        new ListSchedulesCommand({
          GroupName: groupName,
          MaxResults: limit,
          NextToken: cursor,
          ...(prefix ? { NamePrefix: prefix } : {}),
        }),
      );
      // A schedule deleted between the listing and its read, or of another namespace, is left out
      // (the default namespace's listing reads them all: its names have no prefix).
      const items = await Promise.all((page.Schedules ?? []).map((summary) => getStored(summary.Name!)));
      return {
        items: items.filter((item): item is StoredSchedule => item !== undefined),
        ...(page.NextToken ? { nextCursor: page.NextToken } : {}),
      };
    },
  };
}
