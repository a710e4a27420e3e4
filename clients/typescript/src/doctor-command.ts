/**
 * `claw-tasks doctor [--stage S] [--timeout SECONDS] [--json]`: checks a
 * running system the way the original's `scripts/verify_celery.sh` checked
 * an installation, one ✓/✗ line per check, exit code 1 when any fails:
 *
 * - the API answers its health route;
 * - every lane's worker is enabled and consuming (no backlog without
 *   activity for five minutes);
 * - the static schedules exist, are enabled, and when each fires next;
 * - every lane's dead-letter queue is empty;
 * - no alarm of the stage is in ALARM (a deployed stage only);
 * - an `echo` task makes the round trip.
 *
 * The API checks go through the API with the configured key (for --stage,
 * to the stack's ApiUrl, with CLAW_TASKS_API_KEY); schedules and alarms are
 * read from AWS (aws-inspection.ts, which loads the app package's AWS SDK
 * only then), for the local runtime from its emulators.
 */
import { parseArgs } from "node:util";
import { ClawTasksClient } from "./client.ts";

interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export const doctorUsage = `claw-tasks doctor [--stage STAGE] [--timeout SECONDS] [--json]
  Checks a running system: health, workers, static schedules, DLQs, alarms (stage only), an echo round trip.
  One line per check; exit code 1 when any fails.`;

/** One check's outcome; `ok: null` is a check that does not apply here (shown with –, never a failure). */
export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean | null;
  readonly detail: string;
}

/** A lane with a backlog and no activity for this long is not consuming. */
const stalledAfterMs = 5 * 60_000;

const ago = (iso: string, now: number) => {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
};

const failed = (name: string, error: unknown): DoctorCheck => ({
  name,
  ok: false,
  detail: (error as Error).message,
});

async function apiChecks(
  client: ClawTasksClient,
  url: string,
  timeoutSeconds: number,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  try {
    const health = await client.health();
    checks.push({ name: "API health", ok: health.status === "ok", detail: `${health.status} (${url})` });
  } catch (error) {
    // Nothing else can be asked of an API that does not answer.
    return [failed("API health", error)];
  }

  const paused = new Set<string>();
  try {
    const now = Date.now();
    for (const worker of await client.workers.list()) {
      const name = `worker ${worker.lane}`;
      if (!worker.enabled) {
        paused.add(worker.lane);
        checks.push({
          name,
          ok: false,
          detail: `paused (${worker.state}), ${worker.backlog} waiting: claw-tasks workers resume ${worker.lane}`,
        });
        continue;
      }
      const last = worker.lastActivityAt;
      const stalled = worker.backlog > 0 && (last === null || now - Date.parse(last) > stalledAfterMs);
      checks.push({
        name,
        ok: !stalled,
        detail: stalled
          ? `enabled but not consuming: ${worker.backlog} waiting, last activity ${last ? ago(last, now) : "never"}`
          : `enabled, concurrency ${worker.maxConcurrency ?? "-"}, ${worker.backlog} waiting, ${worker.inFlight} in flight, last activity ${last ? ago(last, now) : "none yet"}`,
      });
    }
  } catch (error) {
    checks.push(failed("workers", error));
  }

  try {
    for (const lane of await client.queues()) {
      checks.push({
        name: `DLQ ${lane.lane}`,
        ok: lane.deadLetters === 0,
        detail:
          lane.deadLetters === 0
            ? "empty"
            : `${lane.deadLetters} dead letter(s): look at them, then POST /v1/queues/${lane.lane}/redrive`,
      });
    }
  } catch (error) {
    checks.push(failed("DLQs", error));
  }

  const echoLane = "default";
  if (paused.has(echoLane)) {
    checks.push({ name: "echo round trip", ok: false, detail: `not tried: lane ${echoLane} is paused` });
  } else {
    const value = `doctor-${Date.now()}`;
    const started = Date.now();
    try {
      const task = await client.submit("echo", { value }, { priority: "high", tags: { source: "doctor" } });
      const done = await client.wait(task.id, { timeout: timeoutSeconds * 1000, interval: 100 });
      const ok = done.status === "succeeded" && done.result === value;
      checks.push({
        name: "echo round trip",
        ok,
        detail: ok
          ? `${((Date.now() - started) / 1000).toFixed(1)} s (task ${task.id})`
          : `task ${task.id} ended ${done.status}${done.error ? `: ${done.error.type}: ${done.error.message}` : ""}`,
      });
    } catch (error) {
      checks.push(failed("echo round trip", error));
    }
  }
  return checks;
}

async function awsChecks(stage: string | undefined, io: Io, cwd: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const { staticScheduleStates, stageAlarms } = await import("./aws-inspection.ts");
  try {
    for (const schedule of await staticScheduleStates(
      { ...(stage ? { stage } : {}), env: io.env, cwd },
      new Date(),
    )) {
      const name = `schedule ${schedule.name}`;
      if (!schedule.found) checks.push({ name, ok: false, detail: "missing (deploy the stack again)" });
      else if (!schedule.enabled)
        checks.push({ name, ok: false, detail: `${schedule.expression}: disabled` });
      else
        checks.push({
          name,
          ok: schedule.nextFireTime !== undefined,
          detail: `${schedule.expression} ${schedule.timezone}, next ${schedule.nextFireTime ?? "never"}`,
        });
    }
  } catch (error) {
    checks.push(failed("static schedules", error));
  }
  if (!stage) {
    checks.push({
      name: "alarms",
      ok: null,
      detail: "not checked: CloudWatch alarms exist in a deployed stage only (doctor --stage STAGE)",
    });
  } else {
    try {
      const { total, firing } = await stageAlarms(stage);
      checks.push({
        name: "alarms",
        ok: total > 0 && firing.length === 0,
        detail:
          total === 0
            ? `no alarm named claw-tasks-${stage}-* found`
            : firing.length === 0
              ? `${total} alarms, none in ALARM`
              : `in ALARM: ${firing.map((alarm) => `${alarm.name} (${alarm.reason})`).join("; ")}`,
      });
    } catch (error) {
      checks.push(failed("alarms", error));
    }
  }
  return checks;
}

/** Runs `claw-tasks doctor ...args`; `client` is the configured API (not used with --stage). */
export async function runDoctor(
  args: readonly string[],
  client: () => ClawTasksClient,
  io: Io,
  cwd = process.cwd(),
): Promise<number> {
  let values: { stage?: string; timeout?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { stage: { type: "string" }, timeout: { type: "string" }, json: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr.write(`claw-tasks: ${(error as Error).message}\n${doctorUsage}\n`);
    return 2;
  }
  const timeoutSeconds = Number(values.timeout ?? 30);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    io.stderr.write(`claw-tasks: --timeout: expected seconds > 0\n${doctorUsage}\n`);
    return 2;
  }

  let api: ClawTasksClient;
  let url: string;
  if (values.stage) {
    const apiKey = io.env.CLAW_TASKS_API_KEY;
    if (!apiKey) {
      io.stderr.write(
        `claw-tasks: doctor --stage needs CLAW_TASKS_API_KEY, a key of stage ${values.stage}\n`,
      );
      return 2;
    }
    try {
      const { stageApiUrl } = await import("./aws-inspection.ts");
      url = await stageApiUrl(values.stage);
    } catch (error) {
      io.stderr.write(`claw-tasks: doctor: ${(error as Error).message}\n`);
      return 1;
    }
    api = new ClawTasksClient({ url, apiKey });
  } else {
    api = client();
    url = io.env.CLAW_TASKS_API_URL ?? "the configured API";
  }

  const checks = [
    ...(await apiChecks(api, url, timeoutSeconds)),
    ...(await awsChecks(values.stage, io, cwd)),
  ];
  if (values.json) io.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
  else
    for (const check of checks) {
      io.stdout.write(`${check.ok === null ? "–" : check.ok ? "✓" : "✗"} ${check.name}: ${check.detail}\n`);
    }
  const failures = checks.filter((check) => check.ok === false).length;
  if (!values.json) {
    io.stdout.write(
      failures === 0 ? "all checks passed\n" : `${failures} check${failures === 1 ? "" : "s"} failed\n`,
    );
  }
  return failures === 0 ? 0 : 1;
}
