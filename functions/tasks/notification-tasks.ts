/**
 * `send_notification`: a signed webhook or an SNS message, sent once per
 * delivery id (functions/core/send-notification.ts).
 */
import { sendNotification } from "../core/send-notification.ts";
import { callbackTag } from "../core/system-events.ts";
import type { TaskHandler } from "../core/task-handler.ts";
import { required, type TaskServices } from "./services.ts";

export function createSendNotification(services: TaskServices): TaskHandler<"send_notification"> {
  const webhooks = required(services.webhooks, "webhook delivery");
  const deps = {
    ledger: webhooks.ledger,
    now: services.now,
    webhook: { transport: webhooks.transport, signingSecrets: webhooks.signingSecrets },
    ...(services.topics ? { topics: services.topics } : {}),
  };
  return (input, context) =>
    sendNotification(
      input,
      {
        taskId: context.taskId,
        attempt: context.attempt,
        submittedAt: context.submittedAt,
        signal: context.signal,
        systemCallback: context.tags?.[callbackTag] !== undefined,
      },
      deps,
    );
}
