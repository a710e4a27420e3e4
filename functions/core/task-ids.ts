/**
 * Task ids. A new task's id is a ULID: 48 bits of creation time (ms) and 80
 * random bits in Crockford base32, so ids sort by creation time and the task
 * record's place in the table (its month bucket) follows from the id alone.
 * A schedule's firing is `<schedule name>@<scheduled time>` (see envelope.ts),
 * whose time is read from the id as well, as is a workflow node's,
 * `<workflow id>.<node id>`. Any other id (one a caller put in a
 * message by hand) has no time: it lives in the table's undated bucket.
 */
import { randomBytes } from "node:crypto";

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID, alone or before a dot: a workflow node's task id is `<workflow id>.<node id>` (workflow.ts). */
const ulidPattern = /^[0-7][0-9A-HJKMNP-TV-Z]{25}(?:$|\.)/;

/** A new task id created at `now` (ULID). */
export function newTaskId(now: Date = new Date()): string {
  let time = now.getTime();
  let timePart = "";
  for (let index = 0; index < 10; index++) {
    timePart = crockford[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(10);
  let randomPart = "";
  // 80 bits -> 16 characters of 5 bits.
  let buffer = 0;
  let bits = 0;
  for (const byte of random) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      randomPart += crockford[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return timePart + randomPart;
}

/** When the task with this id was created, as far as the id tells; undefined when it does not. */
export function timeOfTaskId(id: string): Date | undefined {
  if (ulidPattern.test(id)) {
    let time = 0;
    for (const character of id.slice(0, 10)) time = time * 32 + crockford.indexOf(character);
    return new Date(time);
  }
  const at = id.lastIndexOf("@");
  if (at > 0) {
    const time = Date.parse(id.slice(at + 1));
    // Only a full ISO 8601 UTC time counts: names may contain "@" themselves.
    if (Number.isFinite(time) && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(id.slice(at + 1)))
      return new Date(time);
  }
  return undefined;
}
