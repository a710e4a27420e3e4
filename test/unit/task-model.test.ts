/**
 * Unit tier: the task state machine and the failure/backoff rules the worker
 * applies between attempts.
 */
import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../functions/core/backoff.ts";
import {
  canTransition,
  isTerminal,
  statusChanges,
  statusesLeadingTo,
  taskStatuses,
} from "../../functions/core/task.ts";
import {
  describeFailure,
  failureLogDetails,
  permanentFailure,
  TaskFailure,
} from "../../functions/core/task-failure.ts";
import type { RetryPolicy } from "../../functions/tasks/catalog.ts";

describe("task state machine", () => {
  it("never leaves succeeded", () => {
    for (const to of taskStatuses) expect(canTransition("succeeded", to)).toBe(false);
  });

  it("lets failed, cancelled and expired tasks be queued again (retry by id) and nothing else", () => {
    for (const from of ["failed", "cancelled", "expired"] as const) {
      expect(taskStatuses.filter((to) => canTransition(from, to))).toEqual(["queued"]);
    }
  });

  it("runs a task only from queued, scheduled, retrying, or a running attempt whose lease ran out", () => {
    expect(statusesLeadingTo("running").sort()).toEqual(["queued", "retrying", "running", "scheduled"]);
  });

  it("ends attempts from running, or straight from waiting when the attempt ended unclaimed", () => {
    expect(statusesLeadingTo("succeeded")).toEqual(["queued", "scheduled", "running", "retrying"]);
    expect(statusesLeadingTo("retrying")).toEqual(["queued", "scheduled", "running", "retrying"]);
    // The one write of an unclaimed attempt starts from where a claim starts, never from an end.
    expect(statusChanges.recordAttempt.from).toEqual(statusChanges.claim.from);
    expect(statusChanges.recordAttempt.to).toEqual(statusChanges.finishAttempt.to);
  });

  it("lets every status change a store makes only take transitions the table lists", () => {
    for (const [name, change] of Object.entries(statusChanges)) {
      for (const from of change.from) {
        for (const to of change.to) expect(canTransition(from, to), `${name}: ${from} -> ${to}`).toBe(true);
      }
    }
  });

  it("fails a waiting task whose message cannot be sent or is dead-lettered, delayed or not", () => {
    expect(statusChanges.failUnsent.from).toEqual(["queued", "scheduled"]);
    expect(statusChanges.deadLetter.from).toEqual(["queued", "scheduled", "running", "retrying"]);
  });

  it("calls exactly the four end states terminal", () => {
    expect(taskStatuses.filter(isTerminal)).toEqual(["succeeded", "failed", "cancelled", "expired"]);
  });
});

describe("failure description", () => {
  const nonRetryable = ["validation_error", "not_implemented"];

  it("keeps a TaskFailure's type and retryability", () => {
    const error = describeFailure(
      new TaskFailure("upstream_busy", "try later", { retryable: true }),
      nonRetryable,
    );
    expect(error).toEqual({ type: "upstream_busy", message: "try later", retryable: true });
  });

  it("makes a catalog non-retryable type permanent even when thrown as retryable", () => {
    const error = describeFailure(
      new TaskFailure("not_implemented", "later", { retryable: true }),
      nonRetryable,
    );
    expect(error.retryable).toBe(false);
  });

  it("treats anything else thrown as a retryable task_error, recorded by its name, its message logged", () => {
    const leaky = new TypeError("AccessDenied on arn:aws:s3:::private-bucket/tenant-a/secret.txt");
    expect(describeFailure(leaky, nonRetryable)).toEqual({
      type: "task_error",
      message: "unexpected error (TypeError); the worker's log has the details under this task's id",
      retryable: true,
    });
    expect(failureLogDetails(leaky)).toMatchObject({
      errorType: "task_error",
      error: `TypeError: ${leaky.message}`,
    });
    expect(describeFailure("a string", nonRetryable).message).not.toContain("a string");
    expect(describeFailure(permanentFailure("bad_input", "no"), nonRetryable).retryable).toBe(false);
  });

  it("records a TaskFailure's message and logs its detail, which the record never holds", () => {
    const failure = new TaskFailure("model_unavailable", "the model is unavailable", {
      retryable: true,
      detail: "https://internal-llm.corp.example/v1 answered 503: upstream pool 10.0.0.4 down",
    });
    expect(JSON.stringify(describeFailure(failure, nonRetryable))).not.toContain("internal-llm");
    expect(failureLogDetails(failure)).toMatchObject({ detail: failure.detail });
  });
});

describe("retry backoff (full jitter)", () => {
  const policy: RetryPolicy = {
    maxAttempts: 10,
    backoffBaseSeconds: 2,
    backoffCapSeconds: 60,
    nonRetryableErrors: [],
  };

  it("spans zero to base * 2^(attempt-1)", () => {
    expect(retryDelaySeconds(policy, 1, () => 0)).toBe(0);
    expect(retryDelaySeconds(policy, 1, () => 0.999)).toBe(2);
    expect(retryDelaySeconds(policy, 3, () => 0.999)).toBe(8);
  });

  it("never exceeds the cap, nor SQS's 900 s delay limit", () => {
    expect(retryDelaySeconds(policy, 30, () => 0.999)).toBe(60);
    const longCap = { ...policy, backoffCapSeconds: 100_000 };
    expect(retryDelaySeconds(longCap, 30, () => 0.999)).toBe(900);
  });
});
