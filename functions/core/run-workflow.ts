/**
 * Use cases of workflows: submit one, move it on when a node ends, cancel
 * it, and show it. The compiled canvas (workflow.ts) says what waits for
 * what; the store (workflow-ports.ts) keeps one state item per workflow.
 *
 * How a node's end moves its workflow, exactly once (`advanceWorkflow`, run
 * from the task table's stream for every node task that ends):
 *
 * 1. `settle`: one conditional write on the state counts the node's outcome
 *    and takes one off the waiting count of each node after it; a node
 *    counted before is refused (a redelivered stream record, a retried
 *    batch), and the state is read back instead.
 * 2. From that state, whatever should follow is done again, each step
 *    idempotent: a node whose waiting count is 0 is started (its task is
 *    written with a deterministic id in one transaction that also checks the
 *    workflow still runs, then sent; a repeated step finds the task and sends
 *    it again only while it is still queued, which the claim runs once); a
 *    failure the policy does not tolerate ends the workflow (conditional) and
 *    tells every node to stop; the last node's end ends the workflow.
 *
 * So a crash between any two steps is repaired by the next delivery of the
 * same stream record, which redoes what is missing and nothing else.
 */
import { conflict, notFound } from "./api-error.ts";
import { envelopeOf } from "./envelope.ts";
import { offloadIfLarge, type PayloadLocation, payloadKeys, resolvePayload } from "./payload.ts";
import type { IdempotencyClaim, PayloadStore, TaskQueue, TaskStore } from "./ports.ts";
import type { Submission } from "./submission.ts";
import { type IdempotencyRequest, idempotencyWindowSeconds, newTask } from "./submit-task.ts";
import { isTerminal, type Task, type TaskSubmitter, type TaskWorkflowRef } from "./task.ts";
import { timeOfTaskId } from "./task-ids.ts";
import {
  assembleValue,
  type CompiledWorkflow,
  isFailure,
  type NodeOutcome,
  type NodeValue,
  nodeInput,
  nodeOutcomes,
  nodesOf,
  nodeTaskId,
  onErrorNodeId,
  toleratedFailures,
  type WorkflowError,
  type WorkflowNodeView,
  type WorkflowView,
} from "./workflow.ts";
import type { StoredNode, WorkflowMeta, WorkflowState, WorkflowStore } from "./workflow-ports.ts";

export interface WorkflowDeps {
  readonly workflows: WorkflowStore;
  /** The task store of the workflow's namespace. */
  readonly store: TaskStore;
  readonly queue: TaskQueue;
  readonly payloads: PayloadStore;
  readonly namespace: string;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly log: (message: string, details: Record<string, unknown>) => void;
}

/** How many node writes or sends run at once. */
const parallelSteps = 16;

async function inBatches<T>(items: readonly T[], step: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += parallelSteps) {
    await Promise.all(items.slice(start, start + parallelSteps).map(step));
  }
}

function nodeTask(
  meta: Pick<WorkflowMeta, "id" | "namespace" | "submittedBy">,
  node: { readonly id: string; readonly index: number; readonly submission: Submission },
  input: { readonly value: unknown; readonly payload?: Task["inputPayload"] },
  now: Date,
): Task {
  const workflow: TaskWorkflowRef = { id: meta.id, node: node.id, index: node.index };
  return {
    ...newTask({ ...node.submission, input: input.value }, nodeTaskId(meta.id, node.id), now, {
      namespace: meta.namespace,
      ...(meta.submittedBy ? { submittedBy: meta.submittedBy } : {}),
    }),
    ...(input.payload ? { inputPayload: input.payload } : {}),
    workflow,
  };
}

/** Writes a new task and sends it; a task written before is sent again only while it waits. */
async function startTask(task: Task, deps: WorkflowDeps): Promise<void> {
  const created = await deps.store.create(task);
  if (!created.created) {
    const existing = await deps.store.get(task.id);
    if (existing?.status !== "queued") return;
  }
  await deps.queue.send(envelopeOf(task));
}

/** Where a node's own input is kept when large (its task's input, with the upstream value, is its own key). */
const ownInputKey = (workflowId: string, nodeId: string) =>
  payloadKeys.input(`${nodeTaskId(workflowId, nodeId)}.own`);

/** The node with a large input of its own moved to S3 (a placeholder in its submission, `inputPayload` set). */
async function withInputKept<T extends { readonly submission: Submission }>(
  node: T,
  key: string,
  deps: Pick<WorkflowDeps, "payloads">,
): Promise<T & { readonly inputPayload?: PayloadLocation }> {
  const kept = await offloadIfLarge(node.submission.input, key, deps.payloads);
  return kept.payload
    ? { ...node, submission: { ...node.submission, input: kept.value }, inputPayload: kept.payload }
    : node;
}

/** A node's own input, read back from S3 when it was kept there. */
const ownInputOf = (
  node: { readonly submission: Submission; readonly inputPayload?: PayloadLocation },
  deps: Pick<WorkflowDeps, "payloads">,
) => resolvePayload(node.submission.input, node.inputPayload, deps.payloads);

export interface SubmittedWorkflow {
  readonly id: string;
  readonly replayed: boolean;
}

/**
 * Submits a compiled workflow: its records first (meta, state, nodes), then
 * the tasks of the nodes that wait for nothing. With an Idempotency-Key the
 * key is taken first, as for tasks; a replay answers the workflow it created.
 */
export async function submitWorkflow(
  compiled: CompiledWorkflow,
  deps: WorkflowDeps,
  idempotency?: IdempotencyRequest & { readonly requestHash: string },
  submittedBy?: TaskSubmitter,
): Promise<SubmittedWorkflow> {
  const now = deps.now();
  const id = deps.newId();
  if (idempotency) {
    const claim: IdempotencyClaim = {
      scope: `workflow:${idempotency.scope}`,
      key: idempotency.key,
      requestHash: idempotency.requestHash,
      ttlSeconds: idempotencyWindowSeconds,
    };
    const reserved = await deps.store.reserveIdempotencyKey(claim, id, now);
    if (!reserved.created) {
      if (reserved.requestHash !== claim.requestHash) {
        throw conflict("this Idempotency-Key was used with a different request in the last 24 h", {
          workflowId: reserved.existingTaskId,
        });
      }
      if (await deps.workflows.meta(reserved.existingTaskId)) {
        return { id: reserved.existingTaskId, replayed: true };
      }
      // The first request took the key and died before writing its workflow: this one writes it.
      return submitWorkflowUnder(reserved.existingTaskId, compiled, deps, now, submittedBy);
    }
  }
  return submitWorkflowUnder(id, compiled, deps, now, submittedBy);
}

async function submitWorkflowUnder(
  id: string,
  compiled: CompiledWorkflow,
  deps: WorkflowDeps,
  now: Date,
  submittedBy: TaskSubmitter | undefined,
): Promise<SubmittedWorkflow> {
  const meta: WorkflowMeta = {
    id,
    namespace: deps.namespace,
    failurePolicy: compiled.failurePolicy,
    nodeCount: compiled.nodes.length,
    result: compiled.result,
    ...(compiled.onError
      ? {
          onError: await withInputKept(
            {
              submission: compiled.onError.submission,
              ...(compiled.onError.resultInto ? { resultInto: compiled.onError.resultInto } : {}),
            },
            ownInputKey(id, onErrorNodeId),
            deps,
          ),
        }
      : {}),
    ...(compiled.tags ? { tags: compiled.tags } : {}),
    ...(submittedBy ? { submittedBy } : {}),
    createdAt: now.toISOString(),
  };
  const waiting = Object.fromEntries(
    compiled.nodes.filter((node) => node.after.length > 0).map((node) => [node.index, node.after.length]),
  );
  // Large inputs go to S3 first: node items and the nodes' tasks keep a placeholder and a reference.
  const nodes = await Promise.all(
    compiled.nodes.map((node) => withInputKept(node, ownInputKey(id, node.id), deps)),
  );
  await deps.workflows.create(meta, nodes, waiting);
  const roots = nodes.filter((node) => node.after.length === 0);
  await inBatches(roots, async (node) => {
    const input = {
      value: node.submission.input,
      ...(node.inputPayload ? { payload: node.inputPayload } : {}),
    };
    await startTask(nodeTask(meta, node, input, now), deps);
  });
  return { id, replayed: false };
}

/** The outcome a node's ended task counts as. */
function outcomeOf(task: Task): NodeOutcome {
  const status = task.status;
  return (nodeOutcomes as readonly string[]).includes(status) ? (status as NodeOutcome) : "failed";
}

function failureOf(
  node: Pick<StoredNode, "id">,
  taskId: string,
  task: Task | undefined,
  outcome: NodeOutcome,
) {
  return {
    nodeId: node.id,
    taskId,
    outcome,
    ...(task?.error ? { error: task.error } : {}),
    message: `node ${node.id} ${outcome === "skipped" ? "was skipped" : `ended ${outcome}`}${task?.error ? `: ${task.error.message}` : ""}`,
  } satisfies WorkflowError;
}

/**
 * Moves a workflow on after one of its nodes' tasks ended (see the module
 * comment). Safe to call any number of times for the same task.
 */
export async function advanceWorkflow(task: Task, deps: WorkflowDeps): Promise<void> {
  const ref = task.workflow;
  if (!ref || !isTerminal(task.status)) return;
  if (ref.node === onErrorNodeId) return;
  const [meta, node, current] = await Promise.all([
    deps.workflows.meta(ref.id),
    deps.workflows.node(ref.id, ref.index),
    deps.store.get(task.id),
  ]);
  if (!meta || !node) {
    deps.log("workflow node ended, but its workflow is not there", { taskId: task.id, workflowId: ref.id });
    return;
  }
  // An end the task has moved on from (queued again by a retry of the workflow) is not this run's.
  if (current && current.updatedAt !== task.updatedAt) {
    deps.log("workflow node's end skipped: its task has changed since", {
      taskId: task.id,
      status: current.status,
    });
    return;
  }
  await settleAndFollow(meta, node, outcomeOf(task), task, deps);
}

async function settleAndFollow(
  meta: WorkflowMeta,
  node: StoredNode,
  outcome: NodeOutcome,
  task: Task | undefined,
  deps: WorkflowDeps,
): Promise<void> {
  const failed = isFailure(outcome);
  const failure = failed ? failureOf(node, nodeTaskId(meta.id, node.id), task, outcome) : undefined;
  const { state } = await deps.workflows.settle(meta.id, node, outcome, failure, deps.now());
  const tolerated = state.failures <= toleratedFailures(meta.failurePolicy, meta.nodeCount);
  if (failed && !tolerated) {
    if (meta.failurePolicy.mode === "wait_all") {
      await skipAfter(meta, node, deps);
    } else {
      await deps.workflows.end(meta.id, "failed", deps.now(), failure);
    }
  } else if (state.status === "running") {
    await inBatches(
      node.next.filter((next) => state.waiting[next] === 0),
      (next) => startWaitingNode(meta, next, deps),
    );
  }
  await finishIfDone(meta, deps, state);
}

/** Under wait_all: what runs after a failed node never runs; each such node counts as skipped. */
async function skipAfter(meta: WorkflowMeta, node: StoredNode, deps: WorkflowDeps): Promise<void> {
  await inBatches(node.next, async (next) => {
    const downstream = await deps.workflows.node(meta.id, next);
    if (!downstream) return;
    // Further down too, also when this one was counted before: a crash may have stopped the walk below it.
    await deps.workflows.settle(meta.id, downstream, "skipped", undefined, deps.now());
    await skipAfter(meta, downstream, deps);
  });
}

/** What a node's upstream node yielded, as its downstream nodes receive it. */
async function valuesOf(meta: WorkflowMeta, nodes: readonly StoredNode[], deps: WorkflowDeps) {
  const tasks = await deps.workflows.nodeTasks(
    meta.id,
    nodes.map((node) => node.id),
  );
  const values = new Map<number, NodeValue>();
  await Promise.all(
    nodes.map(async (node) => {
      const task = tasks.get(node.id);
      values.set(
        node.index,
        task?.status === "succeeded"
          ? { ok: true, value: await resolvePayload(task.result ?? null, task.resultPayload, deps.payloads) }
          : {
              ok: false,
              error: task?.error ?? {
                type: task ? task.status : "skipped",
                message: task ? `ended ${task.status}` : "never ran",
                retryable: false,
              },
            },
      );
    }),
  );
  return values;
}

async function startWaitingNode(meta: WorkflowMeta, index: number, deps: WorkflowDeps): Promise<void> {
  const node = await deps.workflows.node(meta.id, index);
  if (!node?.from) return;
  const upstream = await Promise.all(node.after.map((after) => deps.workflows.node(meta.id, after)));
  const values = await valuesOf(
    meta,
    upstream.filter((item) => item !== undefined),
    deps,
  );
  const wrapped = meta.failurePolicy.mode === "allow_failures";
  // Without allow_failures a node runs only on values: an upstream failure ends the workflow, or (wait_all) skips it.
  if (!wrapped && [...values.values()].some((value) => !value.ok)) return;
  const value = assembleValue(node.from, (after) => values.get(after)!, wrapped);
  const taskId = nodeTaskId(meta.id, node.id);
  const own = { ...node, submission: { ...node.submission, input: await ownInputOf(node, deps) } };
  const input = await offloadIfLarge(nodeInput(own, value), payloadKeys.input(taskId), deps.payloads);
  const task = nodeTask(meta, node, input, deps.now());
  const start = await deps.workflows.startNode(meta.id, index, task);
  if (start.outcome === "created" || (start.outcome === "exists" && start.task.status === "queued")) {
    await deps.queue.send(envelopeOf(task));
  }
}

/** Ends a workflow whose nodes have all been counted; tells the nodes of an ended one to stop. */
async function finishIfDone(meta: WorkflowMeta, deps: WorkflowDeps, settled: WorkflowState): Promise<void> {
  // The state as this node's settle left it; read again only when something else may have changed it.
  const changedSince = settled.status === "running" && settled.failures > 0;
  let state = changedSince ? await deps.workflows.state(meta.id) : settled;
  if (!state) return;
  if (state.status === "running" && state.settled.size >= state.nodeCount) {
    const failed = state.failures > toleratedFailures(meta.failurePolicy, meta.nodeCount);
    await deps.workflows.end(
      meta.id,
      failed ? "failed" : "succeeded",
      deps.now(),
      failed ? state.firstFailure : undefined,
    );
    state = await deps.workflows.state(meta.id);
    if (!state) return;
  }
  if (state.status !== "running" && !state.cascaded) await stopEverything(meta, state, deps);
}

/**
 * Cancels every node task of an ended workflow that has not ended (waiting
 * ones at once, running ones through their AbortSignal), starts `onError`
 * once if it failed, then notes that this was done. Repeated until that
 * note is written, so a crash halfway is finished by the next node's end.
 */
async function stopEverything(meta: WorkflowMeta, state: WorkflowState, deps: WorkflowDeps): Promise<void> {
  if (state.status === "failed" && meta.onError) {
    const submission = meta.onError.submission;
    const error = state.error ?? state.firstFailure;
    const own = await ownInputOf(meta.onError, deps);
    const input = meta.onError.resultInto
      ? { ...(own as Record<string, unknown>), [meta.onError.resultInto]: error ?? null }
      : own;
    const taskId = nodeTaskId(meta.id, onErrorNodeId);
    const kept = await offloadIfLarge(input, payloadKeys.input(taskId), deps.payloads);
    await startTask(
      nodeTask(meta, { id: onErrorNodeId, index: meta.nodeCount, submission }, kept, deps.now()),
      deps,
    );
  }
  if (state.status !== "succeeded") {
    const nodes = await allNodes(meta, deps);
    const candidates = nodes.filter(
      (node) => !state.settled.has(node.index) && (node.after.length === 0 || state.created.has(node.index)),
    );
    await inBatches(candidates, async (node) => {
      const result = await deps.store.cancel(nodeTaskId(meta.id, node.id), deps.now());
      if (result.outcome === "cancelled" || result.outcome === "requested") {
        deps.log("workflow node cancelled", {
          workflowId: meta.id,
          nodeId: node.id,
          outcome: result.outcome,
        });
      }
    });
  }
  await deps.workflows.markCascaded(meta.id);
}

/** What `repairWorkflow` found missing and did. */
export interface WorkflowRepair {
  /** Ended node tasks whose end had not been counted. */
  readonly counted: number;
  /** Nodes whose upstream had ended but whose task had not been written. */
  readonly started: number;
  /** Whether the workflow was ended (or its nodes told to stop) by the repair. */
  readonly ended: boolean;
}

/**
 * Finishes what the stream left undone for one workflow: the stream retries
 * a failing record, but not for ever, and a record it gives up on leaves the
 * workflow `running` with a node's end never counted (or counted, and what
 * follows never started). Every ended node task not counted is counted now
 * (`advanceWorkflow`, in canvas order, as the stream would), a node whose
 * upstream is all counted but that was never written is started, under
 * wait_all the skipping after a failed node is walked again, and a workflow
 * whose nodes are all counted is ended; an ended one is told to stop if that
 * was not noted. The same idempotent steps as the stream's: safe beside it.
 */
export async function repairWorkflow(id: string, deps: WorkflowDeps): Promise<WorkflowRepair> {
  const [meta, first] = await Promise.all([deps.workflows.meta(id), deps.workflows.state(id)]);
  if (!meta || !first) return { counted: 0, started: 0, ended: false };
  if (first.status !== "running") {
    if (first.cascaded) return { counted: 0, started: 0, ended: false };
    await stopEverything(meta, first, deps);
    return { counted: 0, started: 0, ended: true };
  }
  const { nodes, tasks } = await nodesWithTasks(meta, deps);
  const uncounted = nodes.flatMap((node) => {
    const task = tasks.get(node.id);
    return task && isTerminal(task.status) && !first.settled.has(node.index) ? [task] : [];
  });
  for (const task of uncounted) await advanceWorkflow(task, deps);
  const state = uncounted.length > 0 ? await deps.workflows.state(id) : first;
  if (state?.status === "running") {
    if (meta.failurePolicy.mode === "wait_all") {
      // A walk that skipped what follows a failed node may have stopped halfway.
      const failedNodes = nodes.filter((node) => {
        const task = tasks.get(node.id);
        return task !== undefined && state.settled.has(node.index) && isFailure(outcomeOf(task));
      });
      await inBatches(failedNodes, (node) => skipAfter(meta, node, deps));
    }
    // A node written whose message never went out is an unsent queued task: the health check's
    // unsent repair sends it (after unsentAfterSeconds), as for any task; not twice from here.
    const ready = nodes.filter(
      (node) =>
        node.after.length > 0 &&
        state.waiting[node.index] === 0 &&
        !state.settled.has(node.index) &&
        !state.created.has(node.index),
    );
    await inBatches(ready, (node) => startWaitingNode(meta, node.index, deps));
    const after = await deps.workflows.state(id);
    if (after) await finishIfDone(meta, deps, after);
  }
  const last = await deps.workflows.state(id);
  const started = (last?.created.size ?? 0) - first.created.size;
  const ended = last?.status !== "running";
  const repair = { counted: uncounted.length, started, ended };
  if (isRepair(repair)) deps.log("workflow repaired", { workflowId: id, ...repair });
  return repair;
}

/** Whether a repair changed anything. */
function isRepair(repair: WorkflowRepair): boolean {
  return repair.counted + repair.started > 0 || repair.ended;
}

/** What `repairStalledWorkflows` looked at and mended. */
export interface StalledWorkflows {
  /** Running workflows whose state had not changed for the quiet period. */
  readonly checked: number;
  /** Of those, the ones a repair changed (at most 50 ids listed). */
  readonly repaired: readonly string[];
  readonly repairedCount: number;
}

/**
 * Repairs the running workflows of one namespace submitted since `since`
 * (newest first, at most `limit` looked at) whose state has not changed
 * since `quietSince`: a workflow whose nodes are merely long is read and
 * left as it is. check_task_health runs it for every namespace.
 */
export async function repairStalledWorkflows(
  options: { readonly since: Date; readonly quietSince: Date; readonly limit: number },
  deps: WorkflowDeps,
): Promise<StalledWorkflows> {
  const quietSince = options.quietSince.toISOString();
  const repaired: string[] = [];
  let checked = 0;
  let looked = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await deps.workflows.list(Math.min(100, options.limit - looked), cursor, options.since);
    const inWindow = page.ids.filter((id) => (timeOfTaskId(id) ?? options.since) >= options.since);
    looked += page.ids.length;
    for (const id of inWindow) {
      const state = await deps.workflows.state(id);
      if (state?.status !== "running" || state.updatedAt >= quietSince) continue;
      checked += 1;
      if (isRepair(await repairWorkflow(id, deps))) repaired.push(id);
    }
    if (inWindow.length < page.ids.length || !page.nextCursor || looked >= options.limit) break;
    cursor = page.nextCursor;
  }
  return { checked, repaired: repaired.slice(0, 50), repairedCount: repaired.length };
}

async function allNodes(meta: WorkflowMeta, deps: WorkflowDeps): Promise<StoredNode[]> {
  return deps.workflows.nodes(meta.id, 0, meta.nodeCount);
}

/** Every node of a workflow, and the tasks of those that have one (batched reads). */
async function nodesWithTasks(meta: WorkflowMeta, deps: WorkflowDeps) {
  const nodes = await allNodes(meta, deps);
  const tasks = await deps.workflows.nodeTasks(
    meta.id,
    nodes.map((node) => node.id),
  );
  return { nodes, tasks };
}

/** Cancels a running workflow and every node of it; an ended one is a 409. */
export async function cancelWorkflow(id: string, deps: WorkflowDeps): Promise<WorkflowView> {
  const meta = await deps.workflows.meta(id);
  if (!meta) throw notFound(`workflow ${id}`);
  const ended = await deps.workflows.end(id, "cancelled", deps.now(), undefined);
  if (!ended) {
    const state = await deps.workflows.state(id);
    throw conflict(`workflow ${id} is ${state?.status ?? "gone"} and cannot be cancelled`, {
      status: state?.status,
    });
  }
  const state = await deps.workflows.state(id);
  if (state) await stopEverything(meta, state, deps);
  return workflowView(id, deps);
}

/**
 * Retries the failed part of an ended (failed or cancelled) workflow: what
 * succeeded stays, every other node runs again (a node task that ended
 * unsuccessfully is queued again under its id; a node never created is
 * started once what it waits for has succeeded). 409 while a node task has
 * not ended yet (a cancelled workflow's running nodes are still stopping).
 */
export async function retryWorkflow(id: string, deps: WorkflowDeps): Promise<WorkflowView> {
  const [meta, state] = await Promise.all([deps.workflows.meta(id), deps.workflows.state(id)]);
  if (!meta || !state) throw notFound(`workflow ${id}`);
  if (state.status !== "failed" && state.status !== "cancelled") {
    throw conflict(`workflow ${id} is ${state.status}; only failed or cancelled workflows can be retried`, {
      status: state.status,
    });
  }
  const { nodes, tasks } = await nodesWithTasks(meta, deps);
  const stillActive = nodes.filter((node) => {
    const task = tasks.get(node.id);
    return task !== undefined && !isTerminal(task.status);
  });
  if (stillActive.length > 0) {
    throw conflict(
      `workflow ${id} still has ${stillActive.length} node(s) that have not ended; retry once they have`,
      {
        nodes: stillActive.map((node) => node.id),
      },
    );
  }
  // Every node's end must be counted first: an end counted after the restart would count for the new run.
  const uncounted = nodes.filter((node) => tasks.has(node.id) && !state.settled.has(node.index));
  if (uncounted.length > 0) {
    throw conflict(
      `workflow ${id} is still counting the end of ${uncounted.length} node(s); retry in a moment`,
      { nodes: uncounted.map((node) => node.id) },
    );
  }
  const kept = new Set(
    nodes.filter((node) => tasks.get(node.id)?.status === "succeeded").map((node) => node.index),
  );
  const waiting = Object.fromEntries(
    nodes
      .filter((node) => node.after.length > 0 && !kept.has(node.index))
      .map((node) => [node.index, node.after.filter((after) => !kept.has(after)).length]),
  );
  const created = new Set(
    nodes.filter((node) => node.after.length > 0 && tasks.has(node.id)).map((node) => node.index),
  );
  const again = nodes.filter((node) => !kept.has(node.index));
  // Queued again first, sent only after the restart: a repeated stream record of an old end then finds
  // its task changed and is skipped, and no new end can reach the old state. (A crash before the sends
  // leaves them queued without a message, which check_task_health sends again.)
  const requeued: Task[] = [];
  await inBatches(again, async (node) => {
    const task = tasks.get(node.id);
    if (!task) return;
    const result = await deps.store.requeue(task.id, deps.now());
    if (result.task) requeued.push(result.task);
  });
  const restarted = await deps.workflows.restart(
    id,
    state,
    { settled: kept, created, waiting, counts: { succeeded: kept.size } },
    deps.now(),
  );
  if (!restarted) throw conflict(`workflow ${id} changed while it was being retried; try again`);
  await inBatches(requeued, (task) => deps.queue.send(envelopeOf(task)));
  await inBatches(
    again.filter((node) => !tasks.has(node.id) && node.after.length > 0 && waiting[node.index] === 0),
    (node) => startWaitingNode(meta, node.index, deps),
  );
  return workflowView(id, deps);
}

// --- Views -------------------------------------------------------------------------------------

function countsOf(meta: WorkflowMeta, state: WorkflowState): WorkflowView["counts"] {
  const ended = Object.fromEntries(
    nodeOutcomes.map((outcome) => [outcome, state.counts[outcome] ?? 0]),
  ) as Record<NodeOutcome, number>;
  const roots = meta.nodeCount - Object.keys(state.waiting).length;
  const started = roots + state.created.size;
  const settledStarted = state.settled.size - ended.skipped;
  const active = Math.max(0, started - settledStarted);
  const unsettled = meta.nodeCount - state.settled.size - active;
  // Nodes of an ended workflow that were never created will never be: they count as skipped.
  return state.status === "running"
    ? { waiting: Math.max(0, unsettled), active, ...ended }
    : { waiting: 0, active, ...ended, skipped: ended.skipped + Math.max(0, unsettled) };
}

/**
 * A workflow as the API shows it; its result is read from its nodes when it
 * succeeded, unless `withResult` is false (the listing: a page of workflows
 * would otherwise read every one's result tasks and S3 payloads).
 */
export async function workflowView(id: string, deps: WorkflowDeps, withResult = true): Promise<WorkflowView> {
  const [meta, state] = await Promise.all([deps.workflows.meta(id), deps.workflows.state(id)]);
  if (!meta || !state) throw notFound(`workflow ${id}`);
  let result: unknown;
  if (state.status === "succeeded" && withResult) {
    const sources = nodesOf(meta.result);
    const nodes = (await Promise.all(sources.map((index) => deps.workflows.node(id, index)))).filter(
      (node) => node !== undefined,
    );
    const values = await valuesOf(meta, nodes, deps);
    result = assembleValue(
      meta.result,
      (index) => values.get(index)!,
      meta.failurePolicy.mode === "allow_failures",
    );
  }
  return {
    id,
    namespace: meta.namespace,
    status: state.status,
    failurePolicy: meta.failurePolicy,
    nodeCount: meta.nodeCount,
    counts: countsOf(meta, state),
    createdAt: meta.createdAt,
    updatedAt: state.updatedAt,
    ...(state.finishedAt ? { finishedAt: state.finishedAt } : {}),
    ...(state.status === "succeeded" && withResult ? { result } : {}),
    ...(state.error ? { error: state.error } : {}),
    ...(meta.tags ? { tags: meta.tags } : {}),
  };
}

/** A page of a workflow's nodes in canvas order, each with its task's status. */
export async function workflowNodesPage(
  id: string,
  limit: number,
  cursor: number,
  deps: WorkflowDeps,
): Promise<{ items: WorkflowNodeView[]; nextCursor: string | null }> {
  const [meta, state] = await Promise.all([deps.workflows.meta(id), deps.workflows.state(id)]);
  if (!meta || !state) throw notFound(`workflow ${id}`);
  const nodes = await deps.workflows.nodes(id, cursor, limit);
  const tasks = await deps.workflows.nodeTasks(
    id,
    nodes.map((node) => node.id),
  );
  const items = nodes.map((node): WorkflowNodeView => {
    const task = tasks.get(node.id);
    const status = task
      ? task.status
      : state.status === "running" && !state.settled.has(node.index)
        ? "waiting"
        : "skipped";
    return {
      id: node.id,
      index: node.index,
      taskId: nodeTaskId(id, node.id),
      type: node.submission.type,
      after: [...node.afterIds],
      status,
      ...(task?.status === "succeeded" ? { result: task.result ?? null } : {}),
      ...(task?.error ? { error: task.error } : {}),
    };
  });
  const next = cursor + nodes.length;
  return { items, nextCursor: nodes.length === limit && next < meta.nodeCount ? String(next) : null };
}
