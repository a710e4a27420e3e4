/**
 * Integration tier: workflows over HTTP (docs/workflows.md). A chain of 3, a
 * group of 50 and a chord of 100 run to completion with their results where
 * the canvas says; failures end workflows as each policy documents; cancel
 * leaves no node running; bad canvases are 400s naming the field.
 */
import { describe, expect, it } from "vitest";
import type { WorkflowNodeView, WorkflowView } from "../../functions/core/workflow.ts";
import { api, eventually, waitForStatus } from "./api-client.ts";

async function submitWorkflow(body: unknown, headers: Record<string, string> = {}): Promise<WorkflowView> {
  const response = await api<WorkflowView>("POST", "/v1/workflows", { body, headers });
  if (response.status !== 202) {
    throw new Error(`POST /v1/workflows answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

async function waitForWorkflow(id: string, timeoutMs = 60_000): Promise<WorkflowView> {
  return eventually(
    async () => (await api<WorkflowView>("GET", `/v1/workflows/${id}`)).body,
    (workflow) => workflow.status !== "running",
    timeoutMs,
  );
}

async function allNodes(id: string): Promise<WorkflowNodeView[]> {
  const nodes: WorkflowNodeView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=40&cursor=${cursor}` : "?limit=40";
    const page = await api<{ items: WorkflowNodeView[]; nextCursor: string | null }>(
      "GET",
      `/v1/workflows/${id}/nodes${query}`,
    );
    expect(page.status).toBe(200);
    nodes.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return nodes;
}

const echo = (value: unknown, extra: Record<string, unknown> = {}) => ({
  type: "echo",
  input: { value },
  ...extra,
});

describe("workflows", () => {
  it("runs a chain of 3, each node receiving the previous result where resultInto says", async () => {
    const submitted = await submitWorkflow({
      workflow: {
        chain: [
          echo(1),
          { type: "echo", input: {}, resultInto: "value" },
          { type: "echo", input: { value: "immutable" } },
        ],
      },
    });
    expect(submitted.status).toBe("running");
    expect(submitted.nodeCount).toBe(3);
    const done = await waitForWorkflow(submitted.id);
    expect(done.status).toBe("succeeded");
    expect(done.counts.succeeded).toBe(3);
    const nodes = await allNodes(submitted.id);
    expect(nodes.map((node) => node.id)).toEqual(["n0", "n1", "n2"]);
    expect(nodes.map((node) => node.after)).toEqual([[], ["n0"], ["n1"]]);
    const second = await api<{ input: { value: unknown }; workflow: unknown }>(
      "GET",
      `/v1/tasks/${nodes[1]!.taskId}`,
    );
    // echo's result is its input's value: the second node got the first's result as its value.
    expect(nodes[0]!.result).toBe(1);
    expect(second.body.input.value).toBe(1);
    expect(second.body.workflow).toEqual({ id: submitted.id, node: "n1", index: 1 });
    expect(done.result).toEqual(nodes[2]!.result);
  });

  it("runs a group of 50 and a chord of 100 whose body gets the header values in order", async () => {
    const group = await submitWorkflow({
      workflow: { group: Array.from({ length: 50 }, (_, index) => echo(index)) },
    });
    const chord = await submitWorkflow({
      workflow: {
        chord: {
          header: Array.from({ length: 100 }, (_, index) => echo(index)),
          body: { type: "echo", input: {}, resultInto: "value" },
        },
      },
    });
    const groupDone = await waitForWorkflow(group.id, 120_000);
    expect(groupDone.status).toBe("succeeded");
    expect(groupDone.counts.succeeded).toBe(50);
    // echo's result is its input's value.
    expect(groupDone.result).toEqual(Array.from({ length: 50 }, (_, index) => index));

    const chordDone = await waitForWorkflow(chord.id, 120_000);
    expect(chordDone.status).toBe("succeeded");
    expect(chordDone.counts.succeeded).toBe(101);
    expect(chordDone.result).toEqual(Array.from({ length: 100 }, (_, index) => index));
  });

  it("maps a task over items and joins a DAG's nodes in `after` order", async () => {
    const mapped = await submitWorkflow({
      workflow: {
        chain: [
          { map: { items: ["a", "b", "c"], task: { type: "echo", input: {} }, itemInto: "value" } },
          { type: "echo", input: {}, resultInto: "value" },
        ],
      },
    });
    const dag = await submitWorkflow({
      workflow: {
        nodes: [
          { id: "left", ...echo("L") },
          { id: "right", ...echo("R") },
          { id: "join", type: "echo", input: {}, after: ["right", "left"], resultInto: "value" },
        ],
      },
    });
    const mappedDone = await waitForWorkflow(mapped.id);
    expect(mappedDone.status).toBe("succeeded");
    expect(mappedDone.result).toEqual(["a", "b", "c"]);
    const dagDone = await waitForWorkflow(dag.id);
    expect(dagDone.status).toBe("succeeded");
    expect(dagDone.result).toEqual(["R", "L"]);
  });

  it("carries inputs and results beyond the inline limit by reference: a body whose input is 1.35 MB", async () => {
    // Each child's input and result is 450 KB (past DynamoDB's 400 KB item and SQS's 256 KB message);
    // the body receives all three.
    const values = ["a", "b", "c"].map((letter) => letter.repeat(450_000));
    const submitted = await submitWorkflow({
      workflow: {
        chord: {
          header: values.map((value) => ({ type: "echo", input: { value } })),
          body: { type: "echo", input: {}, resultInto: "value" },
        },
      },
    });
    const done = await waitForWorkflow(submitted.id);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual(values);
    const body = await api<{ input: { value: string[] }; inputPayload?: { bytes: number } }>(
      "GET",
      `/v1/tasks/${submitted.id}.n3`,
    );
    // Kept in S3, resolved in full when read.
    expect(body.body.inputPayload?.bytes).toBeGreaterThan(1_350_000);
    expect(body.body.input.value).toEqual(values);
  });

  it("fail_fast: a failing header child fails the workflow, the body is skipped, onError runs once", async () => {
    const submitted = await submitWorkflow({
      workflow: {
        chord: {
          header: [echo(1), echo(2, { input: { value: 2, fail: "permanent" } }), echo(3)],
          body: { type: "echo", input: {}, resultInto: "value" },
        },
      },
      onError: { type: "echo", input: {}, resultInto: "value" },
    });
    const done = await waitForWorkflow(submitted.id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ nodeId: "n1", outcome: "failed" });
    const nodes = await allNodes(submitted.id);
    expect(nodes[3]!.status).toBe("skipped");
    const onError = await waitForStatus(`${submitted.id}.on_error`, ["succeeded"]);
    expect((onError.input as { value: { nodeId: string } }).value.nodeId).toBe("n1");
  });

  it("retries the failed part: what succeeded stays, the cancelled node runs again, the join fires", async () => {
    const submitted = await submitWorkflow({
      workflow: {
        chord: {
          header: [echo(1), echo(2, { input: { value: 2, sleepMs: 2_500 } }), echo(3)],
          body: { type: "echo", input: {}, resultInto: "value" },
        },
      },
    });
    // The quick children succeed; the slow one is cancelled while it runs.
    await eventually(
      () => allNodes(submitted.id),
      (nodes) =>
        nodes[0]!.status === "succeeded" &&
        nodes[2]!.status === "succeeded" &&
        nodes[1]!.status === "running",
    );
    expect((await api("POST", `/v1/workflows/${submitted.id}/cancel`)).status).toBe(200);
    const stopped = await eventually(
      () => allNodes(submitted.id),
      (nodes) => nodes[1]!.status === "cancelled",
    );
    // A node task is retried through its workflow, not alone (its end was counted once).
    const alone = await api<{ error: { message: string } }>("POST", `/v1/tasks/${stopped[1]!.taskId}/retry`);
    expect(alone.status).toBe(409);
    expect(alone.body.error.message).toContain(`/v1/workflows/${submitted.id}/retry`);
    // 409 until the workflow has counted the cancelled node's end (the stream takes a moment).
    const retried = await eventually(
      () => api<WorkflowView>("POST", `/v1/workflows/${submitted.id}/retry`),
      (response) => response.status !== 409,
    );
    expect(retried.status).toBe(202);
    expect(retried.body.status).toBe("running");
    const done = await waitForWorkflow(submitted.id);
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual([1, 2, 3]);
    // The children that had succeeded did not run again.
    for (const index of [0, 2]) {
      const task = await api<{ attempts: number }>("GET", `/v1/tasks/${stopped[index]!.taskId}`);
      expect(task.body.attempts).toBe(1);
    }
    expect((await api("POST", `/v1/workflows/${submitted.id}/retry`)).status).toBe(409);
  });

  it("wait_all: the other branches run to their end, then the workflow fails", async () => {
    const submitted = await submitWorkflow({
      workflow: {
        group: [
          { chain: [echo("a", { input: { value: "a", fail: "permanent" } }), echo("after a")] },
          { chain: [echo("b", { input: { value: "b", sleepMs: 300 } }), echo("after b")] },
        ],
      },
      failurePolicy: { mode: "wait_all" },
    });
    const done = await waitForWorkflow(submitted.id);
    expect(done.status).toBe("failed");
    expect(done.counts).toMatchObject({ failed: 1, succeeded: 2, skipped: 1, active: 0, waiting: 0 });
    const nodes = await allNodes(submitted.id);
    expect(nodes.map((node) => node.status)).toEqual(["failed", "skipped", "succeeded", "succeeded"]);
  });

  it("allow_failures: the join receives {ok, value | error} per child and the workflow succeeds", async () => {
    const submitted = await submitWorkflow({
      workflow: {
        chord: {
          header: [echo(1), echo(2, { input: { value: 2, fail: "permanent" } })],
          body: { type: "echo", input: {}, resultInto: "value" },
        },
      },
      failurePolicy: { mode: "allow_failures", maxFailures: 1 },
    });
    const done = await waitForWorkflow(submitted.id);
    expect(done.status).toBe("succeeded");
    // The workflow's own value is wrapped as well: the body's result, which is what the body received.
    const body = done.result as { ok: boolean; value: { ok: boolean }[] };
    expect(body.ok).toBe(true);
    const joined = body.value;
    expect(joined[0]).toEqual({ ok: true, value: 1 });
    expect(joined[1]).toMatchObject({ ok: false, error: { type: expect.any(String) } });
  });

  it("cancel stops every node: waiting ones at once, running ones through their signal", async () => {
    const submitted = await submitWorkflow({
      workflow: {
        chain: [
          { group: [echo("slow", { input: { value: "slow", sleepMs: 8_000 } }), echo("quick")] },
          { type: "echo", input: {}, resultInto: "value" },
        ],
      },
    });
    await eventually(
      async () => (await allNodes(submitted.id))[0]!.status,
      (status) => status === "running",
    );
    const cancelled = await api<WorkflowView>("POST", `/v1/workflows/${submitted.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    const nodes = await eventually(
      () => allNodes(submitted.id),
      (list) => list.every((node) => !["queued", "running", "retrying"].includes(node.status)),
    );
    expect(nodes[0]!.status).toBe("cancelled");
    expect(nodes[2]!.status).toBe("skipped");
    expect((await api("POST", `/v1/workflows/${submitted.id}/cancel`)).status).toBe(409);
  });

  it("checks every node before anything runs, naming the field", async () => {
    const bad = await api<{ error: { code: string; details: { issues: { path: string }[] } } }>(
      "POST",
      "/v1/workflows",
      {
        body: {
          workflow: {
            chord: {
              header: [echo(1), { type: "echo", input: { value: 1, sleepMs: -5 } }],
              body: { type: "no_such_type", input: {} },
            },
          },
        },
      },
    );
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.issues.map((issue) => issue.path);
    expect(paths).toContain("workflow.chord.header[1].input.sleepMs");
    expect(paths).toContain("workflow.chord.body.type");
    for (const body of [
      { workflow: { chain: [] } },
      { workflow: { type: "echo", input: {}, resultInto: "value" } },
      {
        workflow: {
          nodes: [
            { id: "a", ...echo(1), after: ["b"] },
            { id: "b", ...echo(2), after: ["a"] },
          ],
        },
      },
      { workflow: { group: [echo(1)], chain: [echo(2)] } },
    ]) {
      expect((await api("POST", "/v1/workflows", { body })).status).toBe(400);
    }
  });

  it("answers the same workflow for a repeated Idempotency-Key, and 404 for an unknown id", async () => {
    const headers = { "Idempotency-Key": `wf-${Date.now()}` };
    const body = { workflow: { chain: [echo(1), echo(2)] } };
    const first = await submitWorkflow(body, headers);
    const again = await api<WorkflowView>("POST", "/v1/workflows", { body, headers });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await api("GET", "/v1/workflows/01ARZ3NDEKTSV4RRFFQ69G5FAV")).status).toBe(404);
    const listed = await api<{ items: WorkflowView[] }>("GET", "/v1/workflows?limit=100");
    expect(listed.body.items.map((workflow) => workflow.id)).toContain(first.id);
  });
});
