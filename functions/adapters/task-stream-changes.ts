/**
 * Reads the task table's stream records as changes of task records, for the
 * counters (dynamodb-task-counters.ts). No SDK: the counters function reads
 * records at init, and tests drive the same reading over a table copy.
 */
import type { DynamoDBRecord } from "aws-lambda";
import { isTerminal, type TaskStatus, taskStatuses } from "../core/task.ts";
import type { TaskRecordChange } from "./dynamodb-task-counters.ts";
import { taskPartitionPrefix } from "./task-item-layout.ts";

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
