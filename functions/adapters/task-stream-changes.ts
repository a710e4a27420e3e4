/**
 * Reads the task table's stream records as changes of task records, for the
 * counters (dynamodb-task-counters.ts) and the task metrics (task-metrics.ts).
 * No SDK: the counters function reads records at init, and tests drive the
 * same reading over a table copy.
 */
import type { DynamoDBRecord } from "aws-lambda";
import { isTerminal, type TaskStatus, type TaskTransition, taskStatuses } from "../core/task.ts";
import type { TaskType } from "../tasks/catalog.ts";
import { isLane } from "../tasks/lanes.ts";
import type { TaskRecordChange } from "./dynamodb-task-counters.ts";
import { taskPartitionPrefix } from "./task-item-layout.ts";
import type { TaskMetricsChange } from "./task-metrics.ts";

type Image = NonNullable<NonNullable<DynamoDBRecord["dynamodb"]>["NewImage"]>;

const stringOf = (image: Image | undefined, name: string) => image?.[name]?.S;
const statusOf = (image: Image | undefined): TaskStatus | undefined => {
  const status = stringOf(image, "status");
  return taskStatuses.includes(status as TaskStatus) ? (status as TaskStatus) : undefined;
};

/** The change a stream record makes to a task record; undefined for other items. */
export function taskChangeOf(record: DynamoDBRecord): TaskRecordChange | undefined {
  const pk = record.dynamodb?.Keys?.pk?.S;
  if (!pk?.startsWith(taskPartitionPrefix)) return undefined;
  const newImage = record.dynamodb?.NewImage;
  const oldImage = record.dynamodb?.OldImage;
  const image = newImage ?? oldImage;
  const type = stringOf(image, "type");
  if (!type) return undefined;
  const before = record.eventName === "INSERT" ? undefined : statusOf(oldImage);
  const after = record.eventName === "REMOVE" ? undefined : statusOf(newImage);
  // A deleted record (TTL, cleanup) keeps its place in the totals: terminal counts are totals since the start.
  if (after === undefined && before !== undefined && isTerminal(before)) return undefined;
  return {
    namespace: pk.slice(taskPartitionPrefix.length).split("#")[0]!,
    type,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
    at:
      stringOf(newImage, "updatedAt") ??
      new Date((record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000).toISOString(),
    sequence: record.dynamodb?.SequenceNumber ?? "0",
  };
}

type AttributeValue = Image[string];

/** A history entry's status, time and attempt number (all the metrics read of it). */
function entryOf(value: AttributeValue): TaskTransition | undefined {
  const fields = value.M;
  const status = fields?.status?.S;
  const at = fields?.at?.S;
  if (!status || !at || !taskStatuses.includes(status as TaskStatus)) return undefined;
  const attempt = fields.attempt?.N;
  return { status: status as TaskStatus, at, ...(attempt === undefined ? {} : { attempt: Number(attempt) }) };
}

const historyOf = (image: Image | undefined) => image?.history?.L ?? [];

/** The change a stream record makes to a task record, as the metrics read it; undefined for other items. */
export function taskMetricsChangeOf(record: DynamoDBRecord): TaskMetricsChange | undefined {
  const pk = record.dynamodb?.Keys?.pk?.S;
  if (!pk?.startsWith(taskPartitionPrefix) || record.eventName === "REMOVE") return undefined;
  const newImage = record.dynamodb?.NewImage;
  const oldImage = record.eventName === "INSERT" ? undefined : record.dynamodb?.OldImage;
  const id = stringOf(newImage, "id");
  const lane = stringOf(newImage, "lane");
  const type = stringOf(newImage, "type");
  const after = statusOf(newImage);
  if (!id || !lane || !isLane(lane) || !type || !after) return undefined;
  // Only the entries the change appended are read (a requeue's trimmed history appends no start or end).
  const oldLength = historyOf(oldImage).length;
  const newHistory = historyOf(newImage);
  const added = newHistory
    .slice(oldLength)
    .map(entryOf)
    .filter((entry) => entry !== undefined);
  const previous =
    oldLength > 0 && newHistory.length > oldLength ? entryOf(newHistory[oldLength - 1]!) : undefined;
  const before = statusOf(oldImage);
  const createdAt = stringOf(newImage, "createdAt");
  const runAt = stringOf(newImage, "runAt");
  const startedAt = stringOf(newImage, "startedAt");
  return {
    id,
    lane,
    type: type as TaskType,
    ...(before ? { before } : {}),
    after,
    ...(createdAt ? { createdAt } : {}),
    ...(runAt ? { runAt } : {}),
    ...(startedAt ? { startedAt } : {}),
    added,
    ...(previous ? { previous } : {}),
  };
}
