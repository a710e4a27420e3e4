/**
 * The events only the system sends: completion callbacks (`task.succeeded`,
 * `task.failed`, ..., callbacks.ts). API callers get a 400 for them
 * (submission.ts), and the worker signs them with the callback secret, not
 * the notification secret (send-notification.ts), so no caller can make one.
 */

/** Events of this prefix are the system's own. */
export const systemEventPrefix = "task.";

/** True for the events only the system sends. */
export function isSystemEvent(event: string): boolean {
  return event.startsWith(systemEventPrefix);
}
