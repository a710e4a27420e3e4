/**
 * The events only the system sends: completion callbacks (`task.succeeded`,
 * `task.failed`, ..., callbacks.ts). API callers get a 400 for them
 * (submission.ts), and the worker signs them with the callback secret, not
 * the notification secret (send-notification.ts), so no caller can make one.
 */

/** Events of this prefix are the system's own. */
export const systemEventPrefix = "task.";

/**
 * The tag a completion callback's task carries (the id of the task it is
 * about). Only the system sets it: callers get a 400 for it (submission.ts),
 * so a stored task with it and a `task.*` event is a callback the system
 * made, whenever it was made.
 */
export const callbackTag = "callbackFor";

/** True for the events only the system sends. */
export function isSystemEvent(event: string): boolean {
  return event.startsWith(systemEventPrefix);
}
