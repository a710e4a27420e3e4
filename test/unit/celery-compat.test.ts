/**
 * Unit tier: the translations of the Celery-compatible routes (states,
 * priorities, snake_case inputs), and the migration guide's place.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  camelCaseKeys,
  celeryCompatRoutes,
  celeryStateOf,
  laneMismatch,
  priorityOfCelery,
  statusesOfCeleryState,
} from "../../functions/api/celery-compat.ts";
import { celeryCompatRouteHandlers } from "../../functions/api/celery-compat-routes.ts";
import type { ApiDeps } from "../../functions/api/dependencies.ts";
import { routeKeyOf } from "../../functions/api/routes.ts";
import { taskStatuses } from "../../functions/core/task.ts";

describe("Celery states", () => {
  it("name every status, scheduled as PENDING and expired as REVOKED", () => {
    expect(Object.keys(celeryStateOf).sort()).toEqual([...taskStatuses].sort());
    expect(celeryStateOf.scheduled).toBe("PENDING");
    expect(celeryStateOf.expired).toBe("REVOKED");
    expect(statusesOfCeleryState("PENDING")).toEqual(["queued", "scheduled"]);
    expect(statusesOfCeleryState("REVOKED")).toEqual(["cancelled", "expired"]);
  });
});

describe("Celery priorities", () => {
  it("map 7-9 to high, 4-6 to normal, 0-3 to low, none to normal", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(priorityOfCelery)).toEqual([
      "low",
      "low",
      "low",
      "low",
      "normal",
      "normal",
      "normal",
      "high",
      "high",
      "high",
    ]);
    expect(priorityOfCelery(undefined)).toBe("normal");
  });
});

describe("inputs", () => {
  it("turn snake_case names into the catalog's, leaving the caller's own maps alone", () => {
    expect(
      camelCaseKeys({
        conversation_id: "c",
        documents: [{ document_id: "d", metadata: { source_url: "x" } }],
        payload: { order_id: 1 },
      }),
    ).toEqual({
      conversationId: "c",
      documents: [{ documentId: "d", metadata: { source_url: "x" } }],
      payload: { order_id: 1 },
    });
  });

  it("name the right lane for a wrong queue", () => {
    expect(laneMismatch("echo", "default", "ai_high_priority")).toContain('queue="default"');
    expect(laneMismatch("echo", "default", "default")).toBeUndefined();
    expect(laneMismatch("echo", "default", undefined)).toBeUndefined();
  });
});

describe("the migration guide", () => {
  const root = path.join(import.meta.dirname, "..", "..");
  const guide = readFileSync(path.join(root, "docs", "migrating-from-celery.md"), "utf8");

  it("is linked from the README", () => {
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toContain("(docs/migrating-from-celery.md)");
  });

  it.each([
    "task_annotations",
    "task_soft_time_limit",
    "worker_concurrency",
    "--scale",
    "task_acks_late",
    "RedBeat",
    "Celery Beat",
    "FLOWER_PASSWORD",
    "REDIS_URL",
    "docker-compose -f docker-compose.prod.yml up -d",
    "logs -f celery-worker",
    "verify_celery.sh",
    "claw-tasks doctor",
    "claw-tasks logs",
  ])("covers %s", (element) => {
    expect(guide).toContain(element);
  });
});

describe("Celery-compatible route handlers", () => {
  it("has one for every route of the table (they load on first use, so the cold start's check cannot see them)", () => {
    const handlers = celeryCompatRouteHandlers({} as ApiDeps);
    expect(Object.keys(handlers).sort()).toEqual(celeryCompatRoutes.map(routeKeyOf).sort());
  });
});
