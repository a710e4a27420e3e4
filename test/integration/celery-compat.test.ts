/**
 * Integration tier: the original Celery service's routes (`/api/v1`) against
 * the API under test. The migration guide's two curl commands (the original
 * document's, with a Bearer header) run verbatim through a shell; the rest
 * checks the translations: snake_case in, Celery states out, queue and
 * priority, and FastAPI's `detail` on errors.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { projectRoot } from "../../local/synthesize.ts";
import { api, eventually, target, waitForStatus } from "./api-client.ts";

interface CeleryTask {
  task_id: string;
  name: string;
  status: string;
  state: string;
  claw_status: string;
  result: unknown;
  info: unknown;
  error: string | null;
  queue: string;
  priority: string;
  eta: string | null;
}

interface CeleryError {
  detail: string | { loc: string[]; msg: string; type: string }[];
  error: { code: string; message: string };
}

const guide = readFileSync(path.join(projectRoot, "docs", "migrating-from-celery.md"), "utf8");

/** The guide's curl commands of the original document, each as one shell command. */
function guideCurlCommands(): string[] {
  const section = guide.slice(guide.indexOf("## The original API's calls"));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .replace(/\\\n/g, " ")
    .split(/\n(?=curl )/)
    .map((text) => text.trim())
    .filter((text) => text.startsWith("curl "));
}

function shell(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-c", command],
      { env: { PATH: process.env.PATH, CLAW_TASKS_API_KEY: target.apiKey }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe("the original document's curl examples, as the guide shows them", () => {
  it("submit answers a task_id, and the status route reaches SUCCESS with the generated reply", async () => {
    const [submitCommand, statusCommand] = guideCurlCommands();
    expect(submitCommand).toContain(`"conversation_id": "conv_123"`);
    expect(statusCommand).toContain("/api/v1/tasks/status/{task_id}");
    const local = (command: string) => command.replaceAll("http://localhost:3000", target.url);

    const submitted = await shell(`${local(submitCommand!)} --fail-with-body -sS`);
    expect(submitted.code, submitted.stderr + submitted.stdout).toBe(0);
    const answer = JSON.parse(submitted.stdout) as CeleryTask;
    expect(answer).toMatchObject({
      status: "PENDING",
      name: "generate_ai_response",
      queue: "ai_high_priority",
    });

    const status = local(statusCommand!).replace("{task_id}", answer.task_id);
    const done = await eventually(
      async () => JSON.parse((await shell(`${status} -sS`)).stdout) as CeleryTask,
      (task) => ["SUCCESS", "FAILURE"].includes(task.status),
      30_000,
    );
    expect(done).toMatchObject({ task_id: answer.task_id, status: "SUCCESS", state: "SUCCESS", error: null });
    const result = done.result as { conversationId: string; message: { role: string; content: string } };
    expect(result.conversationId).toBe("conv_123");
    expect(result.message.role).toBe("assistant");
    expect(result.message.content).toContain("你好");
    expect(done.info).toEqual(done.result);
  });

  it("needs the Bearer key, as every route does", async () => {
    const response = await api("GET", "/api/v1/tasks/stats", { key: null });
    expect(response.status).toBe(401);
  });
});

describe("send_task over HTTP", () => {
  it("maps priority 8 on ai_high_priority to high, and the task runs through /v1 alike", async () => {
    const response = await api<CeleryTask>("POST", "/api/v1/tasks/send", {
      body: {
        name: "generate_ai_response",
        kwargs: { conversation_id: "conv_send", user_message: "hello" },
        queue: "ai_high_priority",
        priority: 8,
      },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ priority: "high", queue: "ai_high_priority", status: "PENDING" });
    const task = await waitForStatus(response.body.task_id, ["succeeded", "failed"], 30_000);
    expect(task).toMatchObject({ priority: "high", status: "succeeded" });
    expect(task.input).toMatchObject({ conversationId: "conv_send", userMessage: "hello" });
  });

  it("refuses a wrong queue, naming the right one, in FastAPI's detail", async () => {
    const response = await api<CeleryError>("POST", "/api/v1/tasks/send", {
      body: { name: "echo", queue: "ai_high_priority" },
    });
    expect(response.status).toBe(400);
    expect(response.body.detail).toEqual([
      expect.objectContaining({ loc: ["body", "queue"], msg: expect.stringContaining('queue="default"') }),
    ]);
    expect(response.body.error.code).toBe("validation_error");
  });

  it("names bad fields in the original's names", async () => {
    const generate = await api<CeleryError>("POST", "/api/v1/tasks/ai/generate", {
      body: { conversation_id: "conv_1" },
    });
    expect(generate.status).toBe(400);
    expect(generate.body.detail).toEqual([expect.objectContaining({ loc: ["body", "user_message"] })]);

    const send = await api<CeleryError>("POST", "/api/v1/tasks/send", {
      body: { name: "echo", kwargs: { sleep_ms: -1 }, countdown: 10, eta: "2030-01-01T00:00:00Z" },
    });
    expect(send.status).toBe(400);
    const locs = (send.body.detail as { loc: string[] }[]).map((entry) => entry.loc.join("."));
    expect(locs).toEqual(expect.arrayContaining(["body.kwargs.sleep_ms"]));

    const unknown = await api<CeleryError>("POST", "/api/v1/tasks/send", { body: { name: "nope" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toEqual([expect.objectContaining({ loc: ["body", "name"] })]);
  });

  it("shows a failure as FAILURE with the error, and a countdown as PENDING until it runs", async () => {
    const failing = await api<CeleryTask>("POST", "/api/v1/tasks/send", {
      body: { name: "echo", kwargs: { fail: "permanent" } },
    });
    await waitForStatus(failing.body.task_id, ["failed"]);
    const failed = await api<CeleryTask>("GET", `/api/v1/tasks/status/${failing.body.task_id}`);
    expect(failed.body).toMatchObject({ status: "FAILURE", claw_status: "failed", result: null });
    expect(failed.body.error).toMatch(/^\w+: /);
    expect(failed.body.info).toMatchObject({ exc_type: expect.any(String), exc_message: expect.any(String) });

    const later = await api<CeleryTask>("POST", "/api/v1/tasks/send", {
      body: { name: "echo", kwargs: { value: 1 }, countdown: 600 },
    });
    const pending = await api<CeleryTask>("GET", `/api/v1/tasks/status/${later.body.task_id}`);
    expect(pending.body).toMatchObject({ status: "PENDING", claw_status: "scheduled" });
    expect(pending.body.eta).not.toBeNull();

    const revoked = await api<{ status: string }>("POST", `/api/v1/tasks/cancel/${later.body.task_id}`);
    expect(revoked.body.status).toBe("REVOKED");
    const listed = await api<{ tasks: CeleryTask[] }>(
      "GET",
      "/api/v1/tasks?status=REVOKED&name=echo&limit=100",
    );
    expect(listed.body.tasks.map((task) => task.task_id)).toContain(later.body.task_id);
    expect(listed.body.tasks.every((task) => task.status === "REVOKED")).toBe(true);

    const again = await api<{ status: string }>("POST", `/api/v1/tasks/retry/${later.body.task_id}`);
    expect(again.body.status).toBe("PENDING");
    const task = await waitForStatus(later.body.task_id, ["succeeded"]);
    expect((task as Task).result).toBe(1);
  });

  it("returns the first task for a repeated task_id", async () => {
    const body = { name: "echo", kwargs: { value: "once" }, task_id: `celery-${Date.now()}` };
    const first = await api<CeleryTask>("POST", "/api/v1/tasks/send", { body });
    const second = await api<CeleryTask>("POST", "/api/v1/tasks/send", { body });
    expect(second.body.task_id).toBe(first.body.task_id);
  });
});

describe("stats and workers", () => {
  it("counts by Celery state and lists each queue's worker", async () => {
    const stats = await api<{ total: number; by_status: Record<string, number>; queues: object }>(
      "GET",
      "/api/v1/tasks/stats",
    );
    expect(stats.status).toBe(200);
    expect(stats.body.total).toBeGreaterThan(0);
    expect(Object.keys(stats.body.by_status).every((state) => /^[A-Z]+$/.test(state))).toBe(true);
    expect(Object.keys(stats.body.queues)).toContain("ai_high_priority");

    const workers = await api<{ workers: { queue: string; status: string }[] }>(
      "GET",
      "/api/v1/tasks/workers",
    );
    expect(workers.body.workers.map((worker) => worker.queue)).toContain("knowledge_default");
  });

  it("pauses and resumes a queue's worker", async () => {
    try {
      const paused = await api<{ status: string }>("POST", "/api/v1/tasks/workers/knowledge_default/pause");
      expect(paused.body.status).toBe("paused");
    } finally {
      const resumed = await api<{ status: string }>("POST", "/api/v1/tasks/workers/knowledge_default/resume");
      expect(resumed.body.status).toBe("online");
    }
    const unknown = await api<CeleryError>("POST", "/api/v1/tasks/workers/nope/pause");
    expect(unknown.status).toBe(404);
    expect(typeof unknown.body.detail).toBe("string");
  });
});
