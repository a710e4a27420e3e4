/**
 * Use case: deliver a notification once. A delivery id (the task id unless
 * the input names one) is leased in the delivery ledger before sending and
 * recorded as delivered after, so a task run twice, or two tasks with the
 * same delivery id, send it once. Webhooks are signed (webhook-signature.ts,
 * the Standard Webhooks scheme) and go through the SSRF-guarded transport;
 * SNS messages carry the same body and the delivery id as an attribute.
 *
 * Two signing secrets: the system's own completion callbacks (`task.*`
 * events, which only the system may send: callers get a 400 for them) are
 * signed with the callback secret, everything callers send with the
 * notification secret. A receiver that verifies a callback with the callback
 * secret cannot be fooled by a notification an API caller had signed.
 */
import { redactedUrl } from "./redacted-url.ts";
import { isSystemEvent } from "./system-events.ts";
import { TaskFailure } from "./task-failure.ts";
import type { DeliveryLedger, TopicPublisher, WebhookTransport } from "./task-ports.ts";
import { signWebhook, webhookHeaders } from "./webhook-signature.ts";

export interface NotificationInput {
  readonly channel: "webhook" | "sns";
  readonly url?: string;
  readonly topicArn?: string;
  readonly event: string;
  readonly payload: Record<string, unknown>;
  readonly deliveryId?: string;
}

export interface NotificationContext {
  readonly taskId: string;
  readonly attempt: number;
  readonly submittedAt: string;
  readonly signal: AbortSignal;
  /** The task carries the system's callback tag (system-events.ts): only then may a `task.*` event use the callback secret. */
  readonly systemCallback: boolean;
}

/** The two secrets webhooks are signed with, read when first needed (Secrets Manager). */
export interface WebhookSigningSecrets {
  /** Completion callbacks (`task.*` events), sent only by the system. */
  readonly callbacks: () => Promise<string>;
  /** Notifications that API callers submit. */
  readonly notifications: () => Promise<string>;
}

export interface NotificationDeps {
  readonly ledger: DeliveryLedger;
  readonly now: () => Date;
  readonly webhook?: {
    readonly transport: WebhookTransport;
    readonly signingSecrets: WebhookSigningSecrets;
  };
  readonly topics?: TopicPublisher;
}

export interface NotificationResult {
  readonly deliveryId: string;
  readonly channel: "webhook" | "sns";
  /** True when an earlier run delivered it already and nothing was sent now. */
  readonly alreadyDelivered: boolean;
  /** The webhook's HTTP status (webhook channel). */
  readonly status?: number;
  readonly messageId?: string;
  readonly deliveredAt: string;
  readonly responseExcerpt?: string;
}

/**
 * The ledger's id of a delivery. Callbacks get a key space of their own
 * (`#` is not allowed in a caller's `deliveryId`), so a notification whose
 * caller picked a callback's delivery id (a task id any `read` key can list)
 * cannot mark that callback as sent and suppress it.
 */
function ledgerIdOf(input: NotificationInput, context: NotificationContext, deliveryId: string): string {
  return isCallback(input, context) ? `callback#${deliveryId}` : deliveryId;
}

/** A completion callback the system made: a `task.*` event on a task with the system's callback tag. */
function isCallback(input: NotificationInput, context: NotificationContext): boolean {
  return context.systemCallback && isSystemEvent(input.event);
}

/** How long a sender holds a delivery id; longer than the task's hard limit. */
const leaseSeconds = 60;
const retryableStatuses = new Set([408, 425, 429]);

export async function sendNotification(
  input: NotificationInput,
  context: NotificationContext,
  deps: NotificationDeps,
): Promise<NotificationResult> {
  const deliveryId = input.deliveryId ?? context.taskId;
  const ledgerId = ledgerIdOf(input, context, deliveryId);
  const now = deps.now();
  const start = await deps.ledger.begin(
    ledgerId,
    context.taskId,
    now,
    new Date(now.getTime() + leaseSeconds * 1000),
  );
  if (start.state === "delivered") {
    return {
      deliveryId,
      channel: input.channel,
      alreadyDelivered: true,
      status: start.record.status,
      deliveredAt: start.record.deliveredAt,
    };
  }
  if (start.state === "in_progress") {
    throw new TaskFailure("delivery_in_progress", `delivery ${deliveryId} is being sent by another task`, {
      retryable: true,
    });
  }

  const body = JSON.stringify({
    id: deliveryId,
    event: input.event,
    createdAt: context.submittedAt,
    data: input.payload,
  });
  try {
    const sent: { status?: number; messageId?: string; responseExcerpt?: string } =
      input.channel === "sns"
        ? await publish(input, deliveryId, body, deps)
        : await post(input, deliveryId, body, context, deps);
    const deliveredAt = deps.now().toISOString();
    await deps.ledger.complete({
      deliveryId: ledgerId,
      status: sent.status ?? 0,
      deliveredAt,
      taskId: context.taskId,
    });
    return { deliveryId, channel: input.channel, alreadyDelivered: false, deliveredAt, ...sent };
  } catch (error) {
    // Give the id back so the next attempt may send at once.
    await deps.ledger.release(ledgerId, context.taskId).catch(() => {});
    throw error;
  }
}

async function post(
  input: NotificationInput,
  deliveryId: string,
  body: string,
  context: NotificationContext,
  deps: NotificationDeps,
): Promise<{ status: number; responseExcerpt: string }> {
  if (!deps.webhook) throw new Error("webhook delivery is not configured for this worker");
  const timestamp = Math.floor(deps.now().getTime() / 1000);
  const secrets = deps.webhook.signingSecrets;
  // Both marks, the event and the tag only the system sets: a task.* event a caller stored before
  // callers were refused them (or any other way) is still signed as a notification.
  const secret = await (isCallback(input, context) ? secrets.callbacks() : secrets.notifications());
  const response = await deps.webhook.transport.post(
    input.url!,
    {
      "content-type": "application/json",
      "user-agent": "claw-tasks-webhooks/2",
      [webhookHeaders.id]: deliveryId,
      [webhookHeaders.timestamp]: String(timestamp),
      [webhookHeaders.signature]: signWebhook(secret, deliveryId, timestamp, body),
    },
    body,
    context.signal,
  );
  if (response.status >= 200 && response.status < 300) {
    return { status: response.status, responseExcerpt: response.bodyExcerpt };
  }
  const retryable = response.status >= 500 || retryableStatuses.has(response.status);
  // The receiver's answer may hold anything: the log gets it, the record the status.
  throw new TaskFailure(
    retryable ? "webhook_failed" : "webhook_rejected",
    `webhook ${redactedUrl(input.url!)} answered ${response.status}${response.status >= 300 && response.status < 400 ? " (redirects are not followed)" : ""}`,
    { retryable, detail: `response: ${response.bodyExcerpt.slice(0, 500)}` },
  );
}

async function publish(
  input: NotificationInput,
  deliveryId: string,
  body: string,
  deps: NotificationDeps,
): Promise<{ messageId: string }> {
  if (!deps.topics) throw new Error("SNS delivery is not configured for this worker");
  const { messageId } = await deps.topics.publish(input.topicArn!, body, {
    deliveryId,
    event: input.event,
  });
  return { messageId };
}
