/**
 * One structured JSON logger per process (Powertools). The API logs each
 * request with `correlation_id`, API Gateway's request id; the worker logs each
 * delivery through a child logger carrying the correlation keys `taskId`,
 * `lane` and `taskType`; the level comes from POWERTOOLS_LOG_LEVEL (the
 * functions' default is INFO, see ClawFunction). Locally the runtime prints
 * these lines in a compact, readable form (local/log-format.ts).
 */
import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";

/**
 * Finds a correlation id in an event by a dotted path. Powertools' own
 * search is JMESPath (@aws-lambda-powertools/jmespath); the one path used
 * here is a plain property path, so this saves that package in every bundle.
 */
function propertyAt(path: string, data: unknown): unknown {
  let value = data;
  for (const key of path.split(".")) {
    value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

/**
 * A line carries its level, message and time, the Lambda request id (and
 * the X-Ray trace id where tracing is on), then its own keys. Powertools'
 * default adds the service, the function's ARN, name and memory and the
 * sampling rate to every line: about 300 bytes that the log group already
 * says, on every task's line, and CloudWatch bills ingestion by the byte.
 */
class CompactLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        ...(context ? { function_request_id: context.awsRequestId } : {}),
        ...(context?.coldStart ? { cold_start: true } : {}),
        ...(process.env.CLAW_TASKS_TRACING === "true" ? { xray_trace_id: attributes.xRayTraceId } : {}),
      },
    }).addAttributes(additional);
  }
}

export const logger = new Logger({
  serviceName: "claw-tasks",
  correlationIdSearchFn: propertyAt,
  logFormatter: new CompactLogFormatter(),
});

/** API Gateway's request id in an HTTP API event (Powertools' `correlationPaths.API_GATEWAY_HTTP`). */
export const apiGatewayRequestIdPath = "requestContext.requestId";

/** The use cases log through this shape, so they do not depend on Powertools. */
export function logInfo(message: string, details: Record<string, unknown>): void {
  logger.info(message, details);
}

/**
 * Who did what: one log line per change an operator makes (keys, redrive,
 * workers, rate limits), with the acting key's short id (api-keys.ts
 * `shortIdOf`), never its secret. Filter on `audit.action` to follow them.
 */
export function logAudit(
  action: string,
  by: { readonly keyId: string; readonly name: string },
  details: Record<string, unknown> = {},
): void {
  logger.info(`audit: ${action}`, { audit: { action, by, ...details } });
}
