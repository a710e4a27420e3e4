export type ScheduleExpression =
  | {
      readonly kind: "cron";
      readonly text: string;
      readonly pattern: string;
    }
  | {
      readonly kind: "rate";
      readonly text: string;
      readonly intervalMs: number;
    }
  | {
      readonly kind: "at";
      readonly text: string;
      readonly localTime: string;
    };
/** Thrown for an expression or time zone EventBridge Scheduler would reject; the message says why. */
export declare class InvalidScheduleExpression extends Error {
  constructor(message: string);
}
/** True for an IANA time zone name the runtime knows (Intl's list, as EventBridge Scheduler uses the IANA database). */
export declare function isTimeZone(zone: string): boolean;
/**
 * Parses and checks an expression in a time zone. Throws
 * InvalidScheduleExpression naming what is wrong.
 */
export declare function parseScheduleExpression(text: string, timeZone: string): ScheduleExpression;
export interface FireTimeOptions {
  readonly timeZone: string;
  /** Fire times strictly after this instant. */
  readonly after: Date;
  /** Where a rate schedule's intervals count from (its start date, else its creation). */
  readonly anchor: Date;
  readonly count: number;
}
/** The next `count` fire times after `after` (fewer when the schedule ends: an at() in the past has none). */
export declare function nextFireTimes(expression: ScheduleExpression, options: FireTimeOptions): Date[];
