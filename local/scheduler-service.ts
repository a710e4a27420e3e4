/**
 * The local EventBridge Scheduler: the template's schedule groups and
 * schedules, plus the schedule operations the API function uses
 * (CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule,
 * ListSchedules) on a loopback endpoint (AWS_ENDPOINT_URL_SCHEDULER), and a
 * clock that fires each enabled schedule on time: cron and at() in their time
 * zone, rate() every interval from its start (or creation), each firing sent
 * to its SQS target with the context attributes substituted, retried, and
 * sent to the schedule's DLQ when it cannot be delivered.
 *
 * `timeScale` runs the clock of cron and rate schedules faster than real
 * time (tests use it, so a rate(1 minute) schedule fires every second); at
 * 1, firings come on time. One-time at() schedules always fire on the real
 * clock: their time is an instant the caller chose on its own (real) clock,
 * e.g. a delayed task's runAt, which a scaled clock would pass long before
 * it is due. A DELETE after completion removes an at() schedule once it fired.
 */
import { randomBytes } from "node:crypto";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import {
  InvalidScheduleExpression,
  nextFireTimes,
  parseScheduleExpression,
  type ScheduleExpression,
} from "../functions/core/schedule-expression.ts";
import {
  AwsServiceError,
  epochSeconds,
  type RunningRestService,
  startRestService,
} from "./aws-rest-service.ts";

export interface ScheduleTarget {
  readonly Arn: string;
  readonly RoleArn: string;
  readonly Input?: string;
  readonly RetryPolicy?: {
    readonly MaximumRetryAttempts?: number;
    readonly MaximumEventAgeInSeconds?: number;
  };
  readonly DeadLetterConfig?: { readonly Arn?: string };
  readonly SqsParameters?: Record<string, unknown>;
}

/** A schedule as CreateSchedule takes it (and CloudFormation's AWS::Scheduler::Schedule holds it). */
export interface ScheduleInput {
  readonly Name: string;
  readonly GroupName?: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly State?: "ENABLED" | "DISABLED";
  readonly Description?: string;
  readonly FlexibleTimeWindow?: { readonly Mode: string; readonly MaximumWindowInMinutes?: number };
  readonly ActionAfterCompletion?: "NONE" | "DELETE";
  readonly StartDate?: number | string;
  readonly EndDate?: number | string;
  readonly Target: ScheduleTarget;
}

interface LocalSchedule {
  readonly input: ScheduleInput;
  readonly group: string;
  readonly arn: string;
  readonly expression: ScheduleExpression;
  readonly timeZone: string;
  readonly createdAt: Date;
  readonly modifiedAt: Date;
  nextFire: Date | undefined;
  firing: boolean;
}

export interface LocalSchedulerOptions {
  readonly region: string;
  readonly accountId: string;
  readonly sqs: SQSClient;
  /** The SQS client acting as a target's role, when IAM is enforced. @default sqs */
  readonly sqsAs?: (roleArn: string) => SQSClient;
  /** The URL of the queue with this ARN, or undefined when the runtime has no such queue. */
  readonly queueUrlOf: (arn: string) => string | undefined;
  /** Scheduler clock speed relative to real time. @default 1 */
  readonly timeScale?: number;
  readonly log: (message: string) => void;
}

export interface LocalScheduler {
  readonly url: string;
  addGroup(name: string): void;
  /** Adds a schedule of the template (as CloudFormation would create it). */
  addSchedule(input: ScheduleInput): void;
  /** Starts firing. */
  start(): void;
  /** The scheduler's clock (faster than real time when timeScale > 1). */
  now(): Date;
  stop(): Promise<void>;
}

const tickMs = 200;
/** Local delivery retries are immediate-ish and capped; the RetryPolicy's 185 attempts over a day are not mimicked. */
const maxLocalRetries = 3;

const validation = (message: string) => new AwsServiceError(400, "ValidationException", message);
const notFound = (message: string) => new AwsServiceError(404, "ResourceNotFoundException", message);

function dateOf(value: number | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  return typeof value === "number" ? new Date(value * 1000) : new Date(value);
}

export async function startLocalScheduler(options: LocalSchedulerOptions): Promise<LocalScheduler> {
  const timeScale = options.timeScale ?? 1;
  const realStart = Date.now();
  const now = () => new Date(realStart + (Date.now() - realStart) * timeScale);
  /** at() instants are real times (see the header); cron and rate run on the scaled clock. */
  const clockOf = (expression: ScheduleExpression) => (expression.kind === "at" ? new Date() : now());
  const groups = new Set(["default"]);
  const schedules = new Map<string, LocalSchedule>();
  const keyOf = (group: string, name: string) => `${group}/${name}`;
  let timer: NodeJS.Timeout | undefined;
  const deliveries = new Set<Promise<void>>();

  function upcoming(schedule: Omit<LocalSchedule, "nextFire" | "firing">, after: Date): Date | undefined {
    if (schedule.input.State === "DISABLED") return undefined;
    const start = dateOf(schedule.input.StartDate);
    const end = dateOf(schedule.input.EndDate);
    const from = start && start.getTime() > after.getTime() ? new Date(start.getTime() - 1) : after;
    const [next] = nextFireTimes(schedule.expression, {
      timeZone: schedule.timeZone,
      after: from,
      anchor: start ?? schedule.createdAt,
      count: 1,
    });
    return next && (!end || next.getTime() <= end.getTime()) ? next : undefined;
  }

  function define(input: ScheduleInput, existing: LocalSchedule | undefined): LocalSchedule {
    const group = input.GroupName ?? "default";
    if (!groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    if (!/^[0-9a-zA-Z_.-]{1,64}$/.test(input.Name ?? ""))
      throw validation(`invalid schedule name ${input.Name}`);
    if (!input.Target?.Arn || !input.Target.RoleArn)
      throw validation("Target.Arn and Target.RoleArn are required");
    if (!options.queueUrlOf(input.Target.Arn)) {
      throw validation(
        `the local scheduler delivers to the runtime's SQS queues only, not to ${input.Target.Arn}`,
      );
    }
    if (!input.FlexibleTimeWindow?.Mode) throw validation("FlexibleTimeWindow is required");
    const timeZone = input.ScheduleExpressionTimezone ?? "UTC";
    let expression: ScheduleExpression;
    try {
      expression = parseScheduleExpression(input.ScheduleExpression ?? "", timeZone);
    } catch (error) {
      if (error instanceof InvalidScheduleExpression)
        throw validation(`Invalid Schedule Expression: ${error.message}`);
      throw error;
    }
    const schedule = {
      input,
      group,
      arn: `arn:aws:scheduler:${options.region}:${options.accountId}:schedule/${group}/${input.Name}`,
      expression,
      timeZone,
      createdAt: existing?.createdAt ?? now(),
      modifiedAt: now(),
    };
    return { ...schedule, nextFire: upcoming(schedule, clockOf(expression)), firing: false };
  }

  function find(group: string | null, name: string | undefined): LocalSchedule {
    const schedule = schedules.get(keyOf(group ?? "default", name ?? ""));
    if (!schedule) throw notFound(`Schedule ${name} does not exist.`);
    return schedule;
  }

  function describe(schedule: LocalSchedule) {
    const { input } = schedule;
    return {
      Arn: schedule.arn,
      Name: input.Name,
      GroupName: schedule.group,
      ScheduleExpression: input.ScheduleExpression,
      ScheduleExpressionTimezone: schedule.timeZone,
      State: input.State ?? "ENABLED",
      ...(input.Description ? { Description: input.Description } : {}),
      FlexibleTimeWindow: input.FlexibleTimeWindow,
      ActionAfterCompletion: input.ActionAfterCompletion ?? "NONE",
      ...(input.StartDate === undefined ? {} : { StartDate: epochSeconds(dateOf(input.StartDate)!) }),
      ...(input.EndDate === undefined ? {} : { EndDate: epochSeconds(dateOf(input.EndDate)!) }),
      Target: input.Target,
      CreationDate: epochSeconds(schedule.createdAt),
      LastModificationDate: epochSeconds(schedule.modifiedAt),
    };
  }

  async function deliver(schedule: LocalSchedule, scheduledTime: Date): Promise<void> {
    const { Target } = schedule.input;
    const sqs = options.sqsAs?.(Target.RoleArn) ?? options.sqs;
    const queueUrl = options.queueUrlOf(Target.Arn)!;
    const time = `${scheduledTime.toISOString().slice(0, 19)}Z`;
    const retries = Math.min(maxLocalRetries, Target.RetryPolicy?.MaximumRetryAttempts ?? 185);
    let lastError: unknown;
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      const body = (Target.Input ?? "{}")
        .replaceAll("<aws.scheduler.schedule-arn>", schedule.arn)
        .replaceAll("<aws.scheduler.scheduled-time>", time)
        .replaceAll("<aws.scheduler.execution-id>", randomBytes(8).toString("hex"))
        .replaceAll("<aws.scheduler.attempt-number>", String(attempt));
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        return;
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
    const message = lastError instanceof Error ? lastError.message : String(lastError);
    options.log(`schedule ${schedule.group}/${schedule.input.Name}: delivery failed: ${message}`);
    const deadLetterUrl = Target.DeadLetterConfig?.Arn
      ? options.queueUrlOf(Target.DeadLetterConfig.Arn)
      : undefined;
    if (!deadLetterUrl) return;
    await sqs
      .send(
        new SendMessageCommand({
          QueueUrl: deadLetterUrl,
          MessageBody: Target.Input ?? "{}",
          MessageAttributes: {
            ERROR_CODE: { DataType: "String", StringValue: "DeliveryFailed" },
            ERROR_MESSAGE: { DataType: "String", StringValue: message.slice(0, 1000) },
            SCHEDULE_ARN: { DataType: "String", StringValue: schedule.arn },
          },
        }),
      )
      .catch((error: Error) =>
        options.log(`schedule ${schedule.input.Name}: DLQ send failed: ${error.message}`),
      );
  }

  function tick(): void {
    for (const [key, schedule] of schedules) {
      const at = clockOf(schedule.expression);
      if (!schedule.nextFire || schedule.firing || schedule.nextFire.getTime() > at.getTime()) continue;
      const scheduledTime = schedule.nextFire;
      // Firings missed while the clock was away are not made up for, as on AWS: the next one is after now.
      schedule.nextFire = upcoming(schedule, at);
      schedule.firing = true;
      const delivery = deliver(schedule, scheduledTime).finally(() => {
        schedule.firing = false;
        deliveries.delete(delivery);
      });
      deliveries.add(delivery);
      if (schedule.expression.kind === "at" && schedule.input.ActionAfterCompletion === "DELETE") {
        schedules.delete(key);
      }
    }
  }

  function put(input: ScheduleInput, mode: "create" | "update"): { ScheduleArn: string } {
    const group = input.GroupName ?? "default";
    const key = keyOf(group, input.Name);
    const existing = schedules.get(key);
    if (mode === "create" && existing)
      throw new AwsServiceError(409, "ConflictException", `Schedule ${input.Name} already exists.`);
    if (mode === "update" && !existing) throw notFound(`Schedule ${input.Name} does not exist.`);
    const schedule = define(input, existing);
    schedules.set(key, schedule);
    return { ScheduleArn: schedule.arn };
  }

  const service: RunningRestService = await startRestService("EventBridge Scheduler", [
    {
      method: "POST",
      path: "/schedules/{Name}",
      handle: ({ params, body }) =>
        put({ ...(body as Omit<ScheduleInput, "Name">), Name: params.Name! }, "create"),
    },
    {
      method: "PUT",
      path: "/schedules/{Name}",
      handle: ({ params, body }) =>
        put({ ...(body as Omit<ScheduleInput, "Name">), Name: params.Name! }, "update"),
    },
    {
      method: "GET",
      path: "/schedules/{Name}",
      handle: ({ params, query }) => describe(find(query.get("groupName"), params.Name)),
    },
    {
      method: "DELETE",
      path: "/schedules/{Name}",
      handle: ({ params, query }) => {
        const schedule = find(query.get("groupName"), params.Name);
        schedules.delete(keyOf(schedule.group, schedule.input.Name));
        return {};
      },
    },
    {
      method: "GET",
      path: "/schedules",
      handle: ({ query }) => {
        const group = query.get("ScheduleGroup");
        const prefix = query.get("NamePrefix") ?? "";
        const state = query.get("State");
        const limit = Math.min(100, Number(query.get("MaxResults") ?? 100) || 100);
        const offset = Number(Buffer.from(query.get("NextToken") ?? "", "base64url").toString() || 0);
        const matching = [...schedules.values()]
          .filter(
            (schedule) =>
              (!group || schedule.group === group) &&
              schedule.input.Name.startsWith(prefix) &&
              (!state || (schedule.input.State ?? "ENABLED") === state),
          )
          .sort((a, b) => a.input.Name.localeCompare(b.input.Name));
        const page = matching.slice(offset, offset + limit);
        return {
          Schedules: page.map((schedule) => ({
            Arn: schedule.arn,
            Name: schedule.input.Name,
            GroupName: schedule.group,
            State: schedule.input.State ?? "ENABLED",
            CreationDate: epochSeconds(schedule.createdAt),
            LastModificationDate: epochSeconds(schedule.modifiedAt),
            Target: { Arn: schedule.input.Target.Arn },
          })),
          ...(offset + limit < matching.length
            ? { NextToken: Buffer.from(String(offset + limit)).toString("base64url") }
            : {}),
        };
      },
    },
  ]);

  return {
    url: service.url,
    addGroup: (name) => void groups.add(name),
    addSchedule: (input) => void put(input, "create"),
    now,
    start() {
      timer ??= setInterval(tick, tickMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.allSettled([...deliveries]);
      await service.stop();
    },
  };
}
