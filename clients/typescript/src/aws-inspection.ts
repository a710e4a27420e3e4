/**
 * What `claw-tasks doctor` and `claw-tasks logs` read from AWS itself rather
 * than through the API: the static schedules (EventBridge Scheduler), a
 * stage's alarms (CloudWatch), its log groups (CloudFormation) and their
 * events (CloudWatch Logs), and its API URL (the stack's outputs).
 *
 * The command line has no runtime dependencies: this module loads the AWS
 * SDK clients of the claw-tasks app package (its node_modules) with dynamic
 * imports, only when a command needs them, and says what to do when they are
 * missing. The caller's AWS credentials and region apply (a stage); for the
 * local runtime, its emulators' endpoints (.local/runtime.json, or the SDK's
 * AWS_ENDPOINT_URL_<SERVICE> variables) with any credentials.
 */
import { nextFireTimes, parseScheduleExpression } from "../../../functions/core/schedule-expression.ts";
import { staticSchedules } from "../../../functions/tasks/static-schedules.ts";
import { readLocalRuntimeState } from "./local-runtime-files.ts";

/** A deployed stage, or the local runtime (no stage). */
export interface AwsTarget {
  readonly stage?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** The stack of a stage, as lib/stage-config.ts names it. */
const stackNameOf = (stage: string) => `ClawTasks-${stage}`;

async function sdk<T>(name: string): Promise<T> {
  try {
    // A variable specifier: the bundler leaves it to Node, which finds the app package's copy.
    return (await import(name)) as T;
  } catch {
    throw new Error(
      `${name} is not installed here: this check runs from a claw-tasks checkout after npm ci (the command line itself carries no AWS SDK)`,
    );
  }
}

/** Client settings: the stage's region and credentials, or the local emulators'. */
function clientConfig(target: AwsTarget, service: string) {
  if (target.stage) return {};
  const state = readLocalRuntimeState(target.cwd);
  const endpoint = target.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? state?.endpoints[service];
  if (!endpoint) {
    throw new Error(
      `no local runtime found (.local/runtime.json; start one with npm start), nor AWS_ENDPOINT_URL_${service.toUpperCase()}: give --stage for a deployed stage`,
    );
  }
  return {
    endpoint,
    region: target.env.AWS_REGION ?? state?.region ?? "us-east-1",
    // The emulators take any credentials.
    credentials: {
      accessKeyId: target.env.AWS_ACCESS_KEY_ID ?? "local",
      secretAccessKey: target.env.AWS_SECRET_ACCESS_KEY ?? "local",
    },
  };
}

export interface StaticScheduleState {
  readonly name: string;
  readonly found: boolean;
  readonly enabled?: boolean;
  readonly expression?: string;
  readonly timezone?: string;
  readonly nextFireTime?: string;
}

/** Each static schedule of the stack (static-schedules.ts): present, enabled, and when it fires next. */
export async function staticScheduleStates(target: AwsTarget, now: Date): Promise<StaticScheduleState[]> {
  const { SchedulerClient, ListSchedulesCommand, GetScheduleCommand } =
    await sdk<typeof import("@aws-sdk/client-scheduler")>("@aws-sdk/client-scheduler");
  const client = new SchedulerClient(clientConfig(target, "scheduler"));
  const groups = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListSchedulesCommand({ NextToken: token }));
    for (const schedule of page.Schedules ?? []) {
      const group = schedule.GroupName ?? "default";
      const wanted = target.stage ? group === `claw-tasks-${target.stage}-static` : group.endsWith("-static");
      if (schedule.Name && wanted) groups.set(schedule.Name, group);
    }
    token = page.NextToken;
  } while (token);
  return Promise.all(
    staticSchedules.map(async ({ name }): Promise<StaticScheduleState> => {
      const group = groups.get(name);
      if (!group) return { name, found: false };
      const schedule = await client.send(new GetScheduleCommand({ Name: name, GroupName: group }));
      const expression = schedule.ScheduleExpression ?? "";
      const timezone = schedule.ScheduleExpressionTimezone ?? "UTC";
      const enabled = schedule.State !== "DISABLED";
      const [next] = enabled
        ? nextFireTimes(parseScheduleExpression(expression, timezone), {
            timeZone: timezone,
            after: now,
            anchor: schedule.StartDate ?? schedule.CreationDate ?? now,
            count: 1,
          })
        : [];
      return {
        name,
        found: true,
        enabled,
        expression,
        timezone,
        ...(next ? { nextFireTime: next.toISOString() } : {}),
      };
    }),
  );
}

/** The stage's alarms (all named `claw-tasks-<stage>-...`, lib/constructs/monitoring.ts) and which are in ALARM. */
export async function stageAlarms(
  stage: string,
): Promise<{ total: number; firing: { name: string; reason: string }[] }> {
  const { CloudWatchClient, DescribeAlarmsCommand } = await sdk<typeof import("@aws-sdk/client-cloudwatch")>(
    "@aws-sdk/client-cloudwatch",
  );
  const client = new CloudWatchClient({});
  let total = 0;
  const firing: { name: string; reason: string }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: `claw-tasks-${stage}-`, NextToken: token }),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      total++;
      if (alarm.StateValue === "ALARM")
        firing.push({ name: alarm.AlarmName ?? "?", reason: alarm.StateReason ?? "" });
    }
    token = page.NextToken;
  } while (token);
  return { total, firing };
}

/** The stage's API URL (the stack's ApiUrl output). */
export async function stageApiUrl(stage: string): Promise<string> {
  const { CloudFormationClient, DescribeStacksCommand } = await sdk<
    typeof import("@aws-sdk/client-cloudformation")
  >("@aws-sdk/client-cloudformation");
  const { Stacks } = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackNameOf(stage) }),
  );
  const url = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === "ApiUrl")?.OutputValue;
  if (!url) throw new Error(`stack ${stackNameOf(stage)} has no ApiUrl output`);
  return url;
}

/** A function's log group: its construct path without separators (e.g. `LaneDefaultWorker`, `ApiHandler`) and its name. */
export interface StageLogGroup {
  readonly label: string;
  readonly name: string;
}

/** The stage's function log groups (ClawFunction's `<id>Logs`), from the stack's resources. */
export async function stageLogGroups(stage: string): Promise<StageLogGroup[]> {
  const { CloudFormationClient, ListStackResourcesCommand } = await sdk<
    typeof import("@aws-sdk/client-cloudformation")
  >("@aws-sdk/client-cloudformation");
  const client = new CloudFormationClient({});
  const groups: StageLogGroup[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListStackResourcesCommand({ StackName: stackNameOf(stage), NextToken: token }),
    );
    for (const resource of page.StackResourceSummaries ?? []) {
      const logicalId = resource.LogicalResourceId ?? "";
      const match = /^(.+)Logs[0-9A-F]{8}$/.exec(logicalId);
      if (resource.ResourceType === "AWS::Logs::LogGroup" && match && resource.PhysicalResourceId) {
        groups.push({ label: match[1]!, name: resource.PhysicalResourceId });
      }
    }
    token = page.NextToken;
  } while (token);
  return groups;
}

export interface StageLogEvent {
  readonly label: string;
  readonly timestamp: number;
  readonly message: string;
}

/**
 * The log events of some groups since `sinceMs`, oldest first; with
 * `follow`, keeps polling (every 2 s) and passes new events on until the
 * process ends.
 */
export async function readStageLogEvents(
  groups: readonly StageLogGroup[],
  sinceMs: number,
  follow: boolean,
  onEvent: (event: StageLogEvent) => void,
): Promise<void> {
  const { CloudWatchLogsClient, FilterLogEventsCommand } = await sdk<
    typeof import("@aws-sdk/client-cloudwatch-logs")
  >("@aws-sdk/client-cloudwatch-logs");
  const client = new CloudWatchLogsClient({});
  const seen = new Set<string>();
  let from = sinceMs;
  while (true) {
    const batch: (StageLogEvent & { id: string })[] = [];
    await Promise.all(
      groups.map(async (group) => {
        let token: string | undefined;
        do {
          const page = await client.send(
            new FilterLogEventsCommand({ logGroupName: group.name, startTime: from, nextToken: token }),
          );
          for (const event of page.events ?? []) {
            const id = `${group.name}/${event.eventId}`;
            if (seen.has(id)) continue;
            seen.add(id);
            batch.push({
              id,
              label: group.label,
              timestamp: event.timestamp ?? 0,
              message: event.message ?? "",
            });
          }
          token = page.nextToken;
        } while (token);
      }),
    );
    batch.sort((a, b) => a.timestamp - b.timestamp);
    for (const event of batch) onEvent(event);
    if (!follow) return;
    // Events arrive late and out of order: look back a minute each time, the ids weed out repeats.
    from = Math.max(from, Date.now() - 60_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
