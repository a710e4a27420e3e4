/**
 * One structured JSON logger per process (Powertools). The worker logs each
 * delivery through a child logger carrying the correlation keys `taskId`,
 * `lane` and `taskType`; the level comes from POWERTOOLS_LOG_LEVEL (the
 * functions' default is INFO, see ClawFunction). Locally the runtime prints
 * these lines in a compact, readable form (local/log-format.ts).
 */
import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({ serviceName: "claw-tasks" });

/** The use cases log through this shape, so they do not depend on Powertools. */
export function logInfo(message: string, details: Record<string, unknown>): void {
  logger.info(message, details);
}
