/**
 * Unit tier: the catalog's time limits and deferred-claim thresholds follow
 * the defaults unless a type says why, and docs/task-types.md is what the
 * catalog generates.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  defaultClaimAfterMs,
  defaultTimeLimits,
  taskCatalog,
  taskTypes,
} from "../../functions/tasks/catalog.ts";
import { taskTypesDocFile, taskTypesMarkdown } from "../../tools/task-types-doc.ts";

describe("time limits", () => {
  it("default to the original's soft 300 s / hard 600 s", () => {
    expect(defaultTimeLimits).toEqual({ softSeconds: 300, hardSeconds: 600 });
  });

  it.each(taskTypes)("%s: says in one line why, exactly when its limits differ from the default", (type) => {
    const { timeLimits, timeLimitsReason } = taskCatalog[type];
    const differs =
      timeLimits.softSeconds !== defaultTimeLimits.softSeconds ||
      timeLimits.hardSeconds !== defaultTimeLimits.hardSeconds;
    if (differs) {
      expect(timeLimitsReason, `${type} has its own limits: give timeLimitsReason`).toMatch(
        /^[^\n]{10,160}$/,
      );
    } else {
      expect(timeLimitsReason, `${type} has the default limits: drop timeLimitsReason`).toBeUndefined();
    }
  });
});

describe("deferred claim", () => {
  it.each(taskTypes)("%s: says in one line why, exactly when it claims sooner than the default", (type) => {
    const { claimAfterMs, claimAfterReason } = taskCatalog[type];
    if (claimAfterMs !== undefined && claimAfterMs !== defaultClaimAfterMs) {
      expect(claimAfterReason, `${type} claims sooner: give claimAfterReason`).toMatch(/^[^\n]{10,160}$/);
      expect(claimAfterMs).toBeGreaterThanOrEqual(0);
    } else {
      expect(claimAfterReason, `${type} claims after the default: drop claimAfterReason`).toBeUndefined();
    }
  });
});

describe("docs/task-types.md", () => {
  it("is what the catalog generates (run npm run docs:task-types after changing the catalog)", () => {
    expect(readFileSync(taskTypesDocFile, "utf8")).toBe(taskTypesMarkdown());
  });

  it("shows each type with its limits, lane and the original's queue", () => {
    const markdown = taskTypesMarkdown();
    for (const type of taskTypes) {
      const row = markdown.split("\n").find((line) => line.startsWith(`| \`${type}\``));
      expect(row).toContain(`\`${taskCatalog[type].lane}\``);
      expect(row).toContain(
        `${taskCatalog[type].timeLimits.softSeconds} s / ${taskCatalog[type].timeLimits.hardSeconds} s`,
      );
    }
    expect(markdown).toContain(
      "| `generate_ai_response` | `ai_high_priority` (`ai_high_priority`) | 10/min (global) (10/m)",
    );
  });
});
