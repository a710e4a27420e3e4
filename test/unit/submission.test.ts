/**
 * Unit tier: what POST /v1/tasks accepts, checked against the catalog.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../functions/core/api-error.ts";
import { parseScheduleCreation } from "../../functions/core/manage-schedules.ts";
import type { ApiKeyRecord } from "../../functions/core/ports.ts";
import { authorizeSubmission, parseSubmission } from "../../functions/core/submission.ts";
import { taskCatalog, taskTypes } from "../../functions/tasks/catalog.ts";
import { laneNames } from "../../functions/tasks/lanes.ts";

const now = new Date("2026-11-28T12:00:00.000Z");

function issuesOf(body: unknown): { path: string; message: string }[] {
  try {
    parseSubmission(body, now);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    return ((error as ApiError).details as { issues: { path: string; message: string }[] }).issues;
  }
  throw new Error("expected a validation error");
}

describe("parseSubmission", () => {
  it("applies the input schema's defaults and the normal priority", () => {
    expect(parseSubmission({ type: "echo", input: { value: 1 } }, now)).toEqual({
      type: "echo",
      input: { value: 1, sleepMs: 0, failTimes: 0, progressSteps: 0, ignoreAbort: false, crashTimes: 0 },
      priority: "normal",
      maxAttempts: taskCatalog.echo.retry.maxAttempts,
    });
  });

  it("treats a missing input as an empty object", () => {
    expect(parseSubmission({ type: "cleanup_expired_results" }, now).input).toEqual({});
  });

  it("names each bad field with its dotted path", () => {
    const issues = issuesOf({
      type: "update_knowledge_base",
      input: { knowledgeBaseId: "kb", documents: [{ text: "" }] },
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual([
      "input.documents.0.documentId",
      "input.documents.0.text",
    ]);
  });

  it("lists the known types when the type is unknown", () => {
    const [issue] = issuesOf({ type: "reticulate_splines" });
    expect(issue?.path).toBe("type");
    expect(issue?.message).toContain("echo");
  });

  it("limits tags", () => {
    const tags = Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`k${index}`, "v"]));
    expect(issuesOf({ type: "echo", tags }).map((issue) => issue.path)).toEqual(["tags"]);
    expect(issuesOf({ type: "echo", tags: { "bad key!": "v" } })[0]?.path).toMatch(/^tags/);
  });
});

describe("task catalog", () => {
  it("registers the seven seed types and echo, each on a lane that exists", () => {
    expect(taskTypes.sort()).toEqual(
      [
        "check_task_health",
        "cleanup_expired_results",
        "delete_knowledge_vectors",
        "echo",
        "generate_ai_response",
        "send_notification",
        "update_knowledge_base",
        "vectorize_document",
      ].sort(),
    );
    for (const type of taskTypes) expect(laneNames).toContain(taskCatalog[type].lane);
  });

  it("keeps the seed's limits for AI responses and vectorization", () => {
    expect(taskCatalog.generate_ai_response).toMatchObject({
      lane: "ai_high_priority",
      ratePerMinute: 10,
      timeLimits: { softSeconds: 300, hardSeconds: 600 },
    });
    expect(taskCatalog.vectorize_document).toMatchObject({ lane: "knowledge_default", ratePerMinute: 5 });
  });

  it("gives every type a soft limit below its hard limit, and a hard limit Lambda can host", () => {
    for (const type of taskTypes) {
      const { softSeconds, hardSeconds } = taskCatalog[type].timeLimits;
      expect(softSeconds).toBeLessThan(hardSeconds);
      expect(hardSeconds).toBeLessThanOrEqual(870);
    }
  });
});

describe("what callers may submit that the system may", () => {
  it("refuses the reserved task.* events of send_notification with a 400 naming input.event", () => {
    for (const event of ["task.succeeded", "task.failed", "task.anything"]) {
      const issues = issuesOf({
        type: "send_notification",
        input: { url: "https://hooks.example.test/in", event, payload: {} },
      });
      expect(issues).toEqual([
        {
          path: "input.event",
          message: expect.stringContaining("reserved for the system's completion callbacks"),
        },
      ]);
    }
    const own = parseSubmission(
      { type: "send_notification", input: { url: "https://hooks.example.test/in", event: "tasks.report" } },
      now,
    );
    expect((own.input as { event: string }).event).toBe("tasks.report");
  });
});

describe("the system's callback tag", () => {
  it("is refused in a caller's tags with a 400 naming it", () => {
    expect(issuesOf({ type: "echo", tags: { callbackFor: "t1" } })).toEqual([
      { path: "tags.callbackFor", message: expect.stringContaining("reserved") },
    ]);
  });
});

describe("authorizeSubmission", () => {
  const key = (scopes: ApiKeyRecord["scopes"]): ApiKeyRecord => ({
    keyHash: "h",
    name: "k",
    createdAt: now.toISOString(),
    ...(scopes ? { scopes } : {}),
  });
  const refusal = (run: () => void) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return error as ApiError;
    }
    return undefined;
  };

  it.each(["cleanup_expired_results", "check_task_health"] as const)(
    "lets only admin keys submit the housekeeping type %s (403 naming the scope)",
    (type) => {
      const submission = parseSubmission({ type }, now);
      const refused = refusal(() =>
        authorizeSubmission(submission, { caller: key(["submit", "read"]), echoDiagnostics: true }),
      );
      expect(refused).toMatchObject({ status: 403, code: "forbidden", details: { needed: "admin" } });
      expect(refused?.message).toBe(`submitting ${type} needs the admin scope`);
      expect(
        refusal(() =>
          authorizeSubmission(submission, { caller: key(["submit", "admin"]), echoDiagnostics: true }),
        ),
      ).toBeUndefined();
    },
  );

  it("leaves the other types to the route's submit scope", () => {
    const submission = parseSubmission({ type: "echo", input: { value: 1 } }, now);
    expect(
      refusal(() => authorizeSubmission(submission, { caller: key(["submit"]), echoDiagnostics: false })),
    ).toBeUndefined();
  });

  it.each([
    [{ crashTimes: 1 }, ["input.crashTimes"]],
    [{ sleepMs: 10_001 }, ["input.sleepMs"]],
    [{ ignoreAbort: true, sleepMs: 60_000 }, ["input.sleepMs", "input.ignoreAbort"]],
  ])("refuses echo diagnostics %j on a stage that has them off, saying why", (input, fields) => {
    const submission = parseSubmission({ type: "echo", input }, now);
    const caller = key(["submit", "read", "admin"]);
    const refused = refusal(() => authorizeSubmission(submission, { caller, echoDiagnostics: false }));
    expect(refused).toMatchObject({ status: 403, code: "forbidden", details: { fields } });
    expect(refused?.message).toMatch(/disturb workers, and this stage has them off \(echoDiagnostics\)/);
    expect(refusal(() => authorizeSubmission(submission, { caller, echoDiagnostics: true }))).toBeUndefined();
  });

  it("lets a short, abortable echo through with diagnostics off", () => {
    const submission = parseSubmission({ type: "echo", input: { sleepMs: 10_000, failTimes: 2 } }, now);
    expect(
      refusal(() => authorizeSubmission(submission, { caller: key(["submit"]), echoDiagnostics: false })),
    ).toBeUndefined();
  });
});

describe("schedules follow the same rules", () => {
  const schedule = (task: Record<string, unknown>) => ({ name: "nightly", expression: "rate(1 day)", task });
  const deps = (echoDiagnostics: boolean) => ({
    now: () => now,
    defaultTimeZone: "UTC",
    echoDiagnostics,
    namespace: "default",
  });
  const errorOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error as ApiError;
    }
    return undefined;
  };

  it("refuses a task.* event in a schedule's task (400 naming task.input.event)", () => {
    const error = errorOf(() =>
      parseScheduleCreation(
        schedule({
          type: "send_notification",
          input: { url: "https://hooks.example.test/", event: "task.failed" },
        }),
        deps(true),
      ),
    );
    expect(error).toMatchObject({ status: 400 });
    expect((error!.details as { issues: { path: string }[] }).issues.map((issue) => issue.path)).toEqual([
      "task.input.event",
    ]);
  });

  it("refuses echo diagnostics in a schedule where the stage has them off (403), and takes them where it has them on", () => {
    const crashing = schedule({ type: "echo", input: { crashTimes: 2 } });
    expect(errorOf(() => parseScheduleCreation(crashing, deps(false)))).toMatchObject({
      status: 403,
      details: { fields: ["task.input.crashTimes"] },
    });
    expect(errorOf(() => parseScheduleCreation(crashing, deps(true)))).toBeUndefined();
  });
});
