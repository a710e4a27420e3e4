/**
 * EventBridge Scheduler's schedule expressions, read the way the service reads
 * them: `cron(minutes hours day-of-month month day-of-week year)`,
 * `rate(value unit)` and `at(yyyy-mm-ddThh:mm:ss)`, each evaluated in an IANA
 * time zone. The API validates with it and shows next fire times; the local
 * runtime's scheduler fires by it, so both agree.
 *
 * Cron evaluation is croner's (time zones, L, W, #, year field, DST handling
 * after Vixie cron); this module translates AWS's dialect into croner's
 * (weekdays 1-7 = SUN-SAT, `?`, `5L`, `0/15`) and checks AWS's own rules.
 */
import { Cron } from "croner";

export type ScheduleExpression =
  | { readonly kind: "cron"; readonly text: string; readonly pattern: string }
  | { readonly kind: "rate"; readonly text: string; readonly intervalMs: number }
  | { readonly kind: "at"; readonly text: string; readonly localTime: string };

/** Thrown for an expression or time zone EventBridge Scheduler would reject; the message says why. */
export class InvalidScheduleExpression extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidScheduleExpression";
  }
}

const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Each cron field's largest value, to turn AWS's `5/10` into croner's `5-59/10`. */
const cronFields = [
  { name: "minutes", max: 59 },
  { name: "hours", max: 23 },
  { name: "day-of-month", max: 31 },
  { name: "month", max: 12 },
  { name: "day-of-week", max: 7 },
  { name: "year", max: 2199 },
] as const;

/** True for an IANA time zone name the runtime knows (Intl's list, as EventBridge Scheduler uses the IANA database). */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 50) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cronPattern(body: string): string {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new InvalidScheduleExpression(
      `cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [, , dayOfMonth, , dayOfWeek] = fields as [string, string, string, string, string, string];
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    throw new InvalidScheduleExpression("cron(): exactly one of day-of-month and day-of-week must be ?");
  }
  const translated = fields.map((field, index) => {
    const { max } = cronFields[index]!;
    let value = field === "?" ? "*" : field.toUpperCase();
    // AWS allows a numeric start before a step (0/15); croner wants a range.
    value = value.replace(/(^|,)(\d+)\/(\d+)/g, (_, lead: string, start: string, step: string) => {
      return `${lead}${start}-${max}/${step}`;
    });
    if (index === 4) {
      // Day-of-week: `L` alone is the last day of the week (SAT), `5L` the month's last Thursday.
      value = value === "L" ? "7" : value.replace(/^([1-7]|[A-Z]{3})L$/, "$1#L");
    }
    return value;
  });
  return `0 ${translated.join(" ")}`;
}

function cronOf(pattern: string, timeZone: string): Cron {
  return new Cron(pattern, {
    timezone: timeZone,
    mode: "7-part",
    alternativeWeekdays: true,
    domAndDow: true,
    paused: true,
  });
}

/**
 * Parses and checks an expression in a time zone. Throws
 * InvalidScheduleExpression naming what is wrong.
 */
export function parseScheduleExpression(text: string, timeZone: string): ScheduleExpression {
  if (!isTimeZone(timeZone)) throw new InvalidScheduleExpression(`unknown time zone ${timeZone}`);
  const match = /^(cron|rate|at)\((.*)\)$/s.exec(text.trim());
  if (!match) {
    throw new InvalidScheduleExpression("expected cron(...), rate(...) or at(...)");
  }
  const [, kind, body] = match as unknown as [string, "cron" | "rate" | "at", string];
  switch (kind) {
    case "cron": {
      const pattern = cronPattern(body);
      try {
        cronOf(pattern, timeZone);
      } catch (error) {
        throw new InvalidScheduleExpression(
          `cron(): ${(error as Error).message.replace(/^CronPattern: /, "")}`,
        );
      }
      return { kind, text, pattern };
    }
    case "rate": {
      const rate = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(body);
      if (!rate)
        throw new InvalidScheduleExpression("rate() takes a whole number and minute(s), hour(s) or day(s)");
      const value = Number(rate[1]);
      const unit = rate[2]!;
      if (value < 1) throw new InvalidScheduleExpression("rate() needs a value of at least 1");
      if ((value === 1) !== !unit.endsWith("s")) {
        throw new InvalidScheduleExpression(
          `rate(): write ${value === 1 ? "1 minute|hour|day" : `${value} minutes|hours|days`}`,
        );
      }
      const singular = unit.replace(/s$/, "") as keyof typeof unitMs;
      return { kind, text, intervalMs: value * unitMs[singular] };
    }
    case "at": {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(body)) {
        throw new InvalidScheduleExpression("at() takes a local date and time, yyyy-mm-ddThh:mm:ss");
      }
      // Date.parse rolls 2030-02-30 over to March; a real date reads back the same.
      const parsed = Date.parse(`${body}Z`);
      if (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 19) !== body) {
        throw new InvalidScheduleExpression(`at(): ${body} is not a date and time`);
      }
      return { kind, text, localTime: body };
    }
  }
}

/** The UTC instant of a wall-clock time in a zone (a time skipped by DST moves forward, as cron does). */
function zonedInstant(localTime: string, timeZone: string): Date {
  // croner resolves the wall time in the zone, DST included: the one run of a one-date pattern.
  const [date, time] = localTime.split("T") as [string, string];
  const [year, month, day] = date.split("-");
  const [hour, minute, second] = time.split(":");
  const pattern = `${Number(second)} ${Number(minute)} ${Number(hour)} ${Number(day)} ${Number(month)} * ${Number(year)}`;
  const run = new Cron(pattern, {
    timezone: timeZone,
    mode: "7-part",
    domAndDow: true,
    paused: true,
  }).nextRun(new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)) - 2 * 86_400_000));
  if (!run) throw new InvalidScheduleExpression(`at(): ${localTime} does not exist in ${timeZone}`);
  return run;
}

export interface FireTimeOptions {
  readonly timeZone: string;
  /** Fire times strictly after this instant. */
  readonly after: Date;
  /** Where a rate schedule's intervals count from (its start date, else its creation). */
  readonly anchor: Date;
  readonly count: number;
}

/** The next `count` fire times after `after` (fewer when the schedule ends: an at() in the past has none). */
export function nextFireTimes(expression: ScheduleExpression, options: FireTimeOptions): Date[] {
  const { after, count } = options;
  switch (expression.kind) {
    case "cron":
      return cronOf(expression.pattern, options.timeZone).nextRuns(count, after);
    case "rate": {
      // A rate fires one interval after its anchor, then every interval (at whole seconds).
      const anchor = Math.floor(options.anchor.getTime() / 1000) * 1000;
      const elapsed = after.getTime() - anchor;
      const first = elapsed < 0 ? 1 : Math.floor(elapsed / expression.intervalMs) + 1;
      return Array.from(
        { length: count },
        (_, index) => new Date(anchor + (first + index) * expression.intervalMs),
      );
    }
    case "at": {
      const instant = zonedInstant(expression.localTime, options.timeZone);
      return instant.getTime() > after.getTime() && count > 0 ? [instant] : [];
    }
  }
}
