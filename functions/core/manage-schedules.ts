/**
 * Use cases of the dynamic schedules API: create, read, list, change and
 * delete schedules, each firing a task of the catalog. Everything is checked
 * here before the schedule store is called, so a bad request gets a 400 that
 * names the field, and the service's own refusals come back as 400s too.
 */
import type * as z from "zod";
import { isTaskType, taskCatalog, taskTypes } from "../tasks/catalog.ts";
import { staticSchedules } from "../tasks/static-schedules.ts";
import { ApiError, conflict, type FieldIssue, notFound, validationError } from "./api-error.ts";
import { maxTargetInputChars, type ScheduledTask, scheduledEnvelopeInput } from "./envelope.ts";
import { maxScheduleNameChars, scheduleNamespaceSeparator, storedScheduleName } from "./namespaces.ts";
import {
  type ScheduleDefinition,
  ScheduleRejected,
  type ScheduleStore,
  type StoredSchedule,
} from "./ports.ts";
import {
  InvalidScheduleExpression,
  isTimeZone,
  nextFireTimes,
  parseScheduleExpression,
} from "./schedule-expression.ts";
import {
  type ScheduleView,
  scheduleCreationBody,
  scheduleListQuery,
  scheduleName,
  schedulePatchBody,
  type taskSpec,
} from "./schedule-schemas.ts";
import { callerInputIssues, refuseEchoDiagnostics } from "./submission.ts";
import { parseOrThrow } from "./validation.ts";

export { maxTargetInputChars } from "./envelope.ts";
export {
  type ScheduleView,
  scheduleCreationBody,
  scheduleListQuery,
  scheduleName,
  schedulePatchBody,
  scheduleViewSchema,
} from "./schedule-schemas.ts";
/** How many next fire times a schedule shows. */
export const shownFireTimes = 5;

export interface ScheduleDeps {
  /** The schedules of `namespace`: its schedules' tasks are submitted there. */
  readonly store: ScheduleStore;
  readonly namespace: string;
  readonly now: () => Date;
  /** The stage's time zone, for schedules created without one. */
  readonly defaultTimeZone: string;
  /** The stage allows echo's destructive diagnostics in scheduled tasks (submission.ts). @default false */
  readonly echoDiagnostics?: boolean;
}

function parseTask(spec: z.output<typeof taskSpec>, echoDiagnostics = false): ScheduledTask {
  if (!isTaskType(spec.type)) {
    throw validationError([
      { path: "task.type", message: `unknown task type; known: ${taskTypes.join(", ")}` },
    ]);
  }
  const input = parseOrThrow(taskCatalog[spec.type].input, spec.input ?? {}, ["task", "input"]);
  const issues = callerInputIssues(spec.type, input, "task.input");
  if (issues.length > 0) throw validationError(issues);
  refuseEchoDiagnostics({ type: spec.type, input }, echoDiagnostics, "task.input");
  return { type: spec.type, input, priority: spec.priority };
}

/** Checks what the body alone cannot: time zone, expression (and that it will fire), target input size. */
function checkDefinition(definition: ScheduleDefinition, now: Date, namespace: string): void {
  const issues: FieldIssue[] = [];
  if (!isTimeZone(definition.timezone)) {
    issues.push({ path: "timezone", message: `unknown time zone ${definition.timezone} (use an IANA name)` });
  } else {
    try {
      const expression = parseScheduleExpression(definition.expression, definition.timezone);
      const upcoming = nextFireTimes(expression, {
        timeZone: definition.timezone,
        after: now,
        anchor: now,
        count: 1,
      });
      if (upcoming.length === 0) {
        issues.push({
          path: "expression",
          message: expression.kind === "at" ? "at() time has passed" : "the expression never fires again",
        });
      }
    } catch (error) {
      if (!(error instanceof InvalidScheduleExpression)) throw error;
      issues.push({ path: "expression", message: error.message });
    }
  }
  if (storedScheduleName(namespace, definition.name).length > maxScheduleNameChars) {
    issues.push({
      path: "name",
      message: `too long: with its namespace prefix ("${storedScheduleName(namespace, "")}") it must fit in ${maxScheduleNameChars} characters`,
    });
  }
  if (scheduledEnvelopeInput(definition.name, definition.task, namespace).length > maxTargetInputChars) {
    issues.push({
      path: "task.input",
      message: `too large for a schedule (the task message must fit in ${maxTargetInputChars} characters)`,
    });
  }
  if (issues.length > 0) throw validationError(issues);
}

export function parseScheduleCreation(
  body: unknown,
  deps: Pick<ScheduleDeps, "now" | "defaultTimeZone" | "echoDiagnostics" | "namespace">,
) {
  const parsed = parseOrThrow(scheduleCreationBody, body);
  if (staticSchedules.some((schedule) => schedule.name === parsed.name)) {
    throw validationError([{ path: "name", message: "reserved for a schedule of the stack" }]);
  }
  // `..` joins a namespace and a name in the schedule group (namespaces.ts): a new name may not hold it.
  if (parsed.name.includes(scheduleNamespaceSeparator)) {
    throw validationError([
      { path: "name", message: `may not contain "${scheduleNamespaceSeparator}" (it separates namespaces)` },
    ]);
  }
  const definition: ScheduleDefinition = {
    name: parsed.name,
    expression: parsed.expression.trim(),
    timezone: parsed.timezone ?? deps.defaultTimeZone,
    task: parseTask(parsed.task, deps.echoDiagnostics),
    enabled: parsed.enabled,
    ...(parsed.description === undefined ? {} : { description: parsed.description }),
  };
  checkDefinition(definition, deps.now(), deps.namespace);
  return definition;
}

/** The view clients see: the schedule and its next fire times. */
export function viewOf(schedule: StoredSchedule, now: Date): ScheduleView {
  let upcoming: Date[] = [];
  if (schedule.enabled) {
    try {
      upcoming = nextFireTimes(parseScheduleExpression(schedule.expression, schedule.timezone), {
        timeZone: schedule.timezone,
        after: now,
        anchor: new Date(schedule.createdAt),
        count: shownFireTimes,
      });
    } catch (error) {
      if (!(error instanceof InvalidScheduleExpression)) throw error;
    }
  }
  return { ...schedule, nextFireTimes: upcoming.map((date) => date.toISOString()) };
}

async function withRejections<T>(action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (error) {
    if (error instanceof ScheduleRejected) {
      throw new ApiError(400, "validation_error", `the scheduler refused the schedule: ${error.message}`, {
        issues: [{ path: "", message: error.message }],
      });
    }
    throw error;
  }
}

export async function createSchedule(
  definition: ScheduleDefinition,
  deps: ScheduleDeps,
): Promise<ScheduleView> {
  const created = await withRejections(deps.store.create(definition));
  if (!created) throw conflict(`schedule ${definition.name} exists already`);
  return viewOf(created, deps.now());
}

export async function getSchedule(name: string, deps: ScheduleDeps): Promise<ScheduleView> {
  const found = scheduleName.safeParse(name).success ? await deps.store.get(name) : undefined;
  if (!found) throw notFound(`schedule ${name}`);
  return viewOf(found, deps.now());
}

export async function listSchedules(
  query: { limit?: string; cursor?: string },
  deps: ScheduleDeps,
): Promise<{ items: ScheduleView[]; nextCursor: string | null }> {
  const { limit, cursor } = parseOrThrow(scheduleListQuery, query);
  const page = await withRejections(deps.store.list(limit, cursor));
  const now = deps.now();
  return { items: page.items.map((item) => viewOf(item, now)), nextCursor: page.nextCursor ?? null };
}

export async function updateSchedule(name: string, body: unknown, deps: ScheduleDeps): Promise<ScheduleView> {
  const change = parseOrThrow(schedulePatchBody, body);
  const current = scheduleName.safeParse(name).success ? await deps.store.get(name) : undefined;
  if (!current) throw notFound(`schedule ${name}`);
  const description = change.description ?? current.description;
  const next: ScheduleDefinition = {
    name,
    expression: change.expression?.trim() ?? current.expression,
    timezone: change.timezone ?? current.timezone,
    task: change.task ? parseTask(change.task, deps.echoDiagnostics) : current.task,
    enabled: change.enabled ?? current.enabled,
    ...(description === undefined ? {} : { description }),
  };
  // A schedule being switched off needs no future fire time; anything else is checked as at creation.
  if (next.enabled || change.expression !== undefined || change.timezone !== undefined || change.task) {
    checkDefinition(next, deps.now(), deps.namespace);
  }
  const updated = await withRejections(deps.store.update(next));
  if (!updated) throw notFound(`schedule ${name}`);
  return viewOf(updated, deps.now());
}

export async function deleteSchedule(name: string, deps: ScheduleDeps): Promise<void> {
  const deleted = scheduleName.safeParse(name).success && (await deps.store.delete(name));
  if (!deleted) throw notFound(`schedule ${name}`);
}
