/**
 * What the command line prints: tables, one-line task summaries and the
 * live progress line (rewritten in place on a terminal, one line per change
 * otherwise, so logs and pipes get every step once).
 */
import type { Task } from "./client.ts";
import type { Workflow, WorkflowNode } from "./workflows.ts";

/** Columns padded to their widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** `12s`, `3m`, `2h`, `4d`: how long ago (or, for a future time, how long until). */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "-";
  const seconds = Math.round(Math.abs(now - Date.parse(iso)) / 1000);
  const text =
    seconds < 60
      ? `${seconds}s`
      : seconds < 3600
        ? `${Math.floor(seconds / 60)}m`
        : seconds < 86_400
          ? `${Math.floor(seconds / 3600)}h`
          : `${Math.floor(seconds / 86_400)}d`;
  return Date.parse(iso) > now ? `in ${text}` : `${text} ago`;
}

export function progressText(task: Task): string {
  if (!task.progress) return "";
  return `${Math.round(task.progress.percent)}%${task.progress.message ? ` ${task.progress.message}` : ""}`;
}

export const taskColumns = ["ID", "TYPE", "STATUS", "PROGRESS", "ATTEMPTS", "PRIORITY", "CREATED"] as const;

export function taskRow(task: Task, now = Date.now()): string[] {
  return [
    task.id,
    task.type,
    task.status,
    progressText(task) || "-",
    `${task.attempts}/${task.maxAttempts}`,
    task.priority,
    age(task.createdAt, now),
  ];
}

/** The human view of one task. */
export function describeTask(task: Task): string {
  const lines: [string, string][] = [
    ["id", task.id],
    ["type", `${task.type} (lane ${task.lane}, priority ${task.priority})`],
    ["status", task.status],
    ["attempts", `${task.attempts} of ${task.maxAttempts}`],
    ["created", task.createdAt],
  ];
  if (task.progress) lines.push(["progress", progressText(task)]);
  if (task.runAt) lines.push(["runs at", task.runAt]);
  if (task.expiresAt) lines.push(["expires", task.expiresAt]);
  if (task.nextAttemptAt) lines.push(["next attempt", task.nextAttemptAt]);
  if (task.startedAt) lines.push(["started", task.startedAt]);
  if (task.finishedAt) lines.push(["finished", task.finishedAt]);
  if (task.scheduleName) lines.push(["schedule", task.scheduleName]);
  if (task.tags && Object.keys(task.tags).length > 0) {
    lines.push([
      "tags",
      Object.entries(task.tags)
        .map(([key, value]) => `${key}=${value}`)
        .join(" "),
    ]);
  }
  if (task.error) lines.push(["error", `${task.error.type}: ${task.error.message}`]);
  if (task.result !== undefined) lines.push(["result", JSON.stringify(task.result)]);
  return lines.map(([name, value]) => `${`${name}:`.padEnd(14)}${value}`).join("\n");
}

/** `3 nodes: 1 waiting, 1 active, 1 succeeded`: the counts that are not zero. */
export function workflowCountsText(workflow: Workflow): string {
  const counts = Object.entries(workflow.counts ?? {})
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  return `${workflow.nodeCount} node${workflow.nodeCount === 1 ? "" : "s"}${counts ? `: ${counts}` : ""}`;
}

export const workflowColumns = ["ID", "STATUS", "NODES", "CREATED"] as const;

export function workflowRow(workflow: Workflow, now = Date.now()): string[] {
  return [workflow.id, workflow.status, workflowCountsText(workflow), age(workflow.createdAt, now)];
}

export const workflowNodeColumns = ["NODE", "TYPE", "STATUS", "AFTER", "TASK"] as const;

export function workflowNodeRow(node: WorkflowNode): string[] {
  return [node.id, node.type, node.status, node.after.length > 0 ? node.after.join(",") : "-", node.taskId];
}

/** The human view of one workflow. */
export function describeWorkflow(workflow: Workflow): string {
  const lines: [string, string][] = [
    ["id", workflow.id],
    ["status", workflow.status],
    ["nodes", workflowCountsText(workflow)],
    ["policy", JSON.stringify(workflow.failurePolicy)],
    ["created", workflow.createdAt],
  ];
  if (workflow.finishedAt) lines.push(["finished", workflow.finishedAt]);
  if (workflow.tags && Object.keys(workflow.tags).length > 0) {
    lines.push([
      "tags",
      Object.entries(workflow.tags)
        .map(([key, value]) => `${key}=${value}`)
        .join(" "),
    ]);
  }
  if (workflow.error) lines.push(["error", JSON.stringify(workflow.error)]);
  if (workflow.result !== undefined) lines.push(["result", JSON.stringify(workflow.result)]);
  return lines.map(([name, value]) => `${`${name}:`.padEnd(14)}${value}`).join("\n");
}

const spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A task's (or a workflow's) live status line on a stream (stderr, so that stdout stays the result). */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #started = Date.now();
  #frame = 0;
  #text = "";
  #ticker: NodeJS.Timeout | undefined;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
    // On a terminal the spinner and the elapsed time move between reads.
    if (stream.isTTY) this.#ticker = setInterval(() => this.#render(), 100).unref();
  }

  update(task: Task): void {
    const attempt = task.attempts > 0 ? ` · attempt ${task.attempts}/${task.maxAttempts}` : "";
    const progress = progressText(task);
    this.show(`${task.id} ${task.status}${progress ? ` ${progress}` : ""}${attempt}`);
  }

  /** Shows `text` as the line (once per change). */
  show(text: string): void {
    if (text === this.#text) return;
    this.#text = text;
    if (this.#stream.isTTY) this.#render();
    else this.#stream.write(`${text}\n`);
  }

  #render(): void {
    if (!this.#text) return;
    const elapsed = ((Date.now() - this.#started) / 1000).toFixed(1);
    this.#frame = (this.#frame + 1) % spinner.length;
    this.#stream.write(`\r\x1b[2K${spinner[this.#frame]} ${this.#text} · ${elapsed}s`);
  }

  /** Stops the spinner and clears the line on a terminal. */
  done(): void {
    clearInterval(this.#ticker);
    if (this.#stream.isTTY && this.#text) this.#stream.write("\r\x1b[2K");
  }
}
