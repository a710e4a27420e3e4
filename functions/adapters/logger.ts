/**
 * One structured JSON logger per process (Powertools), with the task id and
 * lane added as correlation keys where known.
 */
import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({ serviceName: "claw-tasks" });

/** The use cases log through this shape, so they do not depend on Powertools. */
export function logInfo(message: string, details: Record<string, unknown>): void {
  logger.info(message, details);
}
