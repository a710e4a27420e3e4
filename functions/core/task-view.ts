/**
 * A task as the API shows it to any `read` key: webhook URLs (the task's
 * `callbackUrl`, a `send_notification` input's `url`) lose their credentials
 * and query string (redacted-url.ts). The record keeps them for delivery.
 */
import { redactedUrl } from "./redacted-url.ts";
import type { Task } from "./task.ts";

/** `task` with its webhook URLs redacted; everything else as stored. */
export function taskView(task: Task): Task {
  const input = task.input as { url?: unknown } | null;
  const webhookInput =
    task.type === "send_notification" &&
    input !== null &&
    typeof input === "object" &&
    typeof input.url === "string"
      ? { ...input, url: redactedUrl(input.url) }
      : undefined;
  return {
    ...task,
    ...(task.callbackUrl === undefined ? {} : { callbackUrl: redactedUrl(task.callbackUrl) }),
    ...(webhookInput === undefined ? {} : { input: webhookInput }),
  };
}
