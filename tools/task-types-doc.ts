/**
 * `npm run docs:task-types`: writes docs/task-types.md from the task catalog,
 * beside what the original Celery system had for each task. A unit test
 * (test/unit/task-types-doc.test.ts) fails when the file and the catalog
 * differ, so the table cannot drift.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { echoLongSleepMs } from "../functions/core/submission.ts";
import { defaultTimeLimits, type TaskType, taskCatalog, taskTypes } from "../functions/tasks/catalog.ts";
import { lanes } from "../functions/tasks/lanes.ts";
import { staticSchedules } from "../functions/tasks/static-schedules.ts";

export const taskTypesDocFile = path.join(import.meta.dirname, "..", "docs", "task-types.md");

/** What the original documentation said of each task (docs/migrating-from-celery.md). */
const original: Readonly<Partial<Record<TaskType, { queue: string; rateLimit: string }>>> = {
  generate_ai_response: { queue: "ai_high_priority", rateLimit: "10/m" },
  vectorize_document: { queue: "knowledge_default", rateLimit: "5/m" },
  update_knowledge_base: { queue: "knowledge_default", rateLimit: "–" },
  delete_knowledge_vectors: { queue: "knowledge_default", rateLimit: "–" },
  send_notification: { queue: "notification_default", rateLimit: "–" },
  cleanup_expired_results: { queue: "default", rateLimit: "periodic" },
  check_task_health: { queue: "default", rateLimit: "periodic" },
};

const limits = ({ softSeconds, hardSeconds }: { softSeconds: number; hardSeconds: number }) =>
  `${softSeconds} s / ${hardSeconds} s`;

function retryOf(type: TaskType): string {
  const { maxAttempts, backoffBaseSeconds, backoffCapSeconds, nonRetryableErrors } = taskCatalog[type].retry;
  if (maxAttempts === 1) return "1 attempt (no retry)";
  return `${maxAttempts} attempts, backoff ${backoffBaseSeconds}·2ⁿ s (≤ ${backoffCapSeconds} s, full jitter); never retried: ${nonRetryableErrors.map((error) => `\`${error}\``).join(", ")}`;
}

function scheduleOf(type: TaskType): string {
  const schedule = staticSchedules.find((entry) => entry.taskType === type);
  return schedule ? `; schedule \`${schedule.expression}\`` : "";
}

/** The document's Markdown. */
export function taskTypesMarkdown(): string {
  const rows = taskTypes.map((type) => {
    const definition = taskCatalog[type];
    const before = original[type];
    const rate = definition.ratePerMinute === undefined ? "–" : `${definition.ratePerMinute}/min (global)`;
    return [
      `\`${type}\``,
      `\`${definition.lane}\` (${before ? `\`${before.queue}\`` : "new"})`,
      `${rate} (${before ? before.rateLimit : "new"})${scheduleOf(type)}`,
      `${limits(definition.timeLimits)}${definition.timeLimitsReason ? `: ${definition.timeLimitsReason}` : " (default)"}`,
      retryOf(type),
    ];
  });
  const adminTypes = taskTypes
    .filter((type) => taskCatalog[type].submitScope === "admin")
    .map((type) => `\`${type}\``)
    .join(" and ");
  const table = [
    "| Task type | Lane (original queue) | Rate limit (original) | Time limits soft / hard | Retry policy |",
    "|---|---|---|---|---|",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");
  const laneRows = Object.entries(lanes).map(
    ([lane, definition]) =>
      `| \`${lane}\` | ${definition.maxConcurrency} | ${definition.batchSize} | ${definition.maxReceiveCount} |`,
  );
  return `# Task types

<!-- Generated from functions/tasks/catalog.ts by \`npm run docs:task-types\`; a unit test fails when it differs. -->

Every task type, as the catalog (\`functions/tasks/catalog.ts\`) defines it,
beside what the original Celery system had (in parentheses). Time limits
default to the original's \`task_soft_time_limit=300\` / \`task_time_limit=600\`
(${limits(defaultTimeLimits)}); a type that needs others says why. At the soft
limit the task's \`AbortSignal\` fires; at the hard limit the attempt ends as a
\`timeout\`. A submission may tighten both (\`timeLimits\`), never loosen them.
Rate limits hold across all workers (Celery's were per worker); "periodic"
types run on the static schedules, in the stage's time zone (Asia/Shanghai by
default, as Celery's \`timezone\` was).

${table}

Who may submit: a key with the \`submit\` scope, and for ${adminTypes} the
\`admin\` scope too (catalog \`submitScope\`; \`403\` without it). \`echo\`'s
diagnostics that crash or hold workers (\`crashTimes\`, \`sleepMs\` over
${echoLongSleepMs.toLocaleString("en")} ms, \`ignoreAbort\`) are refused with \`403\` where the stage has
\`echoDiagnostics\` off (\`prod\`). \`send_notification\`'s \`task.*\` events belong to
the system's completion callbacks: callers get \`400\` for them
([security](security.md#webhook-signatures)).

Lanes (the original's queues): each is a queue per priority, a dead-letter
queue and a worker function whose timeout is its types' longest hard limit
plus the lease margin.

| Lane | Concurrency | Batch size | Deliveries before the DLQ |
|---|---|---|---|
${laneRows.join("\n")}
`;
}

if (import.meta.main) {
  writeFileSync(taskTypesDocFile, taskTypesMarkdown());
  console.log(`wrote ${taskTypesDocFile}`);
}
