/**
 * Workflows, pure: the canvas a client sends (chain, group, chord, map, or a
 * DAG of nodes; docs/workflows.md) compiled into a list of task nodes, each
 * knowing the nodes it waits for and how their values reach its input, and
 * the rules that decide what a node's end does to its workflow. No I/O.
 */
import * as z from "zod";
import { ApiError, type FieldIssue, validationError } from "./api-error.ts";
import { parseSubmission, type Submission, tagsSchema } from "./submission.ts";
import { type TaskErrorInfo, taskErrorInfoSchema } from "./task.ts";

/** The most nodes one workflow may have. */
export const maxWorkflowNodes = 1_000;

export const workflowStatuses = ["running", "succeeded", "failed", "cancelled"] as const;
export type WorkflowStatus = (typeof workflowStatuses)[number];

/** How a node ended, as its workflow counts it: a task's end, or `skipped` (never created). */
export const nodeOutcomes = ["succeeded", "failed", "cancelled", "expired", "skipped"] as const;
export type NodeOutcome = (typeof nodeOutcomes)[number];

export const failurePolicySchema = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("fail_fast") }),
    z.strictObject({ mode: z.literal("wait_all") }),
    z.strictObject({
      mode: z.literal("allow_failures"),
      maxFailures: z.int().min(0).optional(),
      maxFailurePercent: z.number().min(0).max(100).optional(),
    }),
  ])
  .describe(
    "fail_fast (default): the first failure fails the workflow and cancels the rest. wait_all: a failure skips what runs after it, the rest runs, then the workflow fails. allow_failures: up to maxFailures (or maxFailurePercent of the nodes) may fail; values then arrive as {ok, value | error}.",
  );
export type FailurePolicy = z.output<typeof failurePolicySchema>;

/**
 * Where a node's upstream value comes from: one node's value, or a list of
 * such values in order (a group's, a chord header's), nested as the canvas is.
 */
export type ValueSource = { readonly node: number } | { readonly list: readonly ValueSource[] };

/** One task of a workflow, compiled. `index` is its place in canvas order. */
export interface WorkflowNode {
  readonly index: number;
  /** Unique in the workflow; the task id is `<workflow id>.<node id>`. */
  readonly id: string;
  readonly submission: Submission;
  /** The input field the upstream value goes into; absent: immutable (the value is ignored). */
  readonly resultInto?: string;
  /** What it waits for, and how the values combine; absent for the nodes that start at once. */
  readonly from?: ValueSource;
  /** The nodes it waits for (every node in `from`), in order, without repeats. */
  readonly after: readonly number[];
  /** Their ids. */
  readonly afterIds: readonly string[];
  /** The nodes that wait for it. */
  readonly next: readonly number[];
}

export interface CompiledWorkflow {
  readonly nodes: readonly WorkflowNode[];
  /** The workflow's own value: what its top-level canvas yields. */
  readonly result: ValueSource;
  readonly failurePolicy: FailurePolicy;
  readonly onError?: WorkflowNode;
  readonly tags?: Readonly<Record<string, string>>;
}

const nodeIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
/** The node id of the `onError` task; a canvas may not use it. */
export const onErrorNodeId = "on_error";

/** The request body of `POST /v1/workflows`: the canvas is checked by `compileWorkflow`, node by node. */
export const workflowRequestSchema = z.strictObject({
  workflow: z
    .record(z.string(), z.unknown())
    .describe(
      "The canvas: one of {type, input, resultInto?, id?, priority?, maxAttempts?, timeLimits?, tags?} (a task), {chain: [canvas]}, {group: [canvas]}, {chord: {header: [canvas], body: canvas}}, {map: {items: [value], task: task, itemInto: field}} or {nodes: [task + {id, after?: [id]}]} (a DAG, top level only). See docs/workflows.md.",
    ),
  failurePolicy: failurePolicySchema.optional(),
  onError: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("A task created once if the workflow fails; `resultInto` receives the workflow's error."),
  tags: tagsSchema.optional(),
});

/** The error a failed workflow records: which node ended how. */
export const workflowErrorSchema = z.object({
  nodeId: z.string(),
  taskId: z.string(),
  outcome: z.enum(nodeOutcomes),
  error: taskErrorInfoSchema.optional(),
  message: z.string(),
});
export type WorkflowError = z.output<typeof workflowErrorSchema>;

const shapeKeys = ["type", "chain", "group", "chord", "map", "nodes"] as const;

class Compiler {
  readonly nodes: {
    id: string | undefined;
    submission: Submission;
    resultInto?: string;
    from?: ValueSource;
  }[] = [];
  readonly issues: FieldIssue[] = [];

  readonly now: Date;

  constructor(now: Date) {
    this.now = now;
  }

  fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  /** A task node at `path`, waiting for `from`; returns its value. */
  task(raw: Record<string, unknown>, path: string, from: ValueSource | undefined): ValueSource | undefined {
    const { id, resultInto, after: _after, itemInto: _itemInto, ...body } = raw;
    if (id !== undefined && (typeof id !== "string" || !nodeIdPattern.test(id) || id === onErrorNodeId)) {
      this.fail(`${path}.id`, `1-64 of letters, digits, _ and -; not "${onErrorNodeId}"`);
    }
    if (
      resultInto !== undefined &&
      (typeof resultInto !== "string" || !/^[A-Za-z0-9_]{1,64}$/.test(resultInto))
    ) {
      this.fail(`${path}.resultInto`, "the name of an input field");
    }
    if (typeof resultInto === "string" && from === undefined) {
      this.fail(`${path}.resultInto`, "this node has nothing upstream to receive a value from");
    }
    if ("delaySeconds" in body || "runAt" in body || "expiresAt" in body || "callbackUrl" in body) {
      this.fail(path, "workflow nodes take no delaySeconds, runAt, expiresAt or callbackUrl");
      return undefined;
    }
    let submission: Submission;
    try {
      submission = parseSubmission(
        { ...body, input: body.input ?? {} },
        this.now,
        typeof resultInto === "string" ? resultInto : undefined,
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const issues = (error.details as { issues?: FieldIssue[] } | undefined)?.issues ?? [
        { path: "", message: error.message },
      ];
      for (const issue of issues) this.fail(issue.path ? `${path}.${issue.path}` : path, issue.message);
      return undefined;
    }
    const index = this.nodes.length;
    this.nodes.push({
      id: typeof id === "string" ? id : undefined,
      submission,
      ...(typeof resultInto === "string" ? { resultInto } : {}),
      ...(from ? { from } : {}),
    });
    return { node: index };
  }

  canvas(raw: unknown, path: string, from: ValueSource | undefined): ValueSource | undefined {
    if (!isObject(raw))
      return this.fail(path, "a canvas: an object with type, chain, group, chord, map or nodes");
    const shapes = shapeKeys.filter((key) => key in raw);
    if (shapes.length !== 1) {
      return this.fail(path, `exactly one of ${shapeKeys.join(", ")} (found ${shapes.join(", ") || "none"})`);
    }
    const shape = shapes[0]!;
    if (shape === "type") return this.task(raw, path, from);
    const extra = Object.keys(raw).filter((key) => key !== shape);
    if (extra.length > 0) return this.fail(`${path}.${extra[0]}`, "unknown field");
    const value = raw[shape];
    switch (shape) {
      case "chain": {
        if (!Array.isArray(value) || value.length === 0)
          return this.fail(`${path}.chain`, "a non-empty list");
        let upstream = from;
        for (const [index, member] of value.entries()) {
          upstream = this.canvas(member, `${path}.chain[${index}]`, upstream);
          if (upstream === undefined) return undefined;
        }
        return upstream;
      }
      case "group": {
        if (!Array.isArray(value) || value.length === 0)
          return this.fail(`${path}.group`, "a non-empty list");
        return this.members(value, `${path}.group`, from);
      }
      case "chord": {
        if (
          !isObject(value) ||
          !Array.isArray(value.header) ||
          value.header.length === 0 ||
          !("body" in value)
        ) {
          return this.fail(`${path}.chord`, "{header: [canvas, ...], body: canvas}");
        }
        const extraKeys = Object.keys(value).filter((key) => key !== "header" && key !== "body");
        if (extraKeys.length > 0) return this.fail(`${path}.chord.${extraKeys[0]}`, "unknown field");
        const header = this.members(value.header, `${path}.chord.header`, from);
        const body = this.canvas(value.body, `${path}.chord.body`, header ?? { list: [] });
        return header && body;
      }
      case "map": {
        if (!isObject(value) || !Array.isArray(value.items) || !isObject(value.task)) {
          return this.fail(`${path}.map`, "{items: [value, ...], task: task, itemInto: field}");
        }
        const itemInto = value.itemInto;
        if (typeof itemInto !== "string" || !/^[A-Za-z0-9_]{1,64}$/.test(itemInto)) {
          return this.fail(`${path}.map.itemInto`, "the name of the task's input field each item goes into");
        }
        if (value.items.length === 0) return this.fail(`${path}.map.items`, "a non-empty list");
        const task = value.task;
        const members = value.items.map((item) => ({
          ...task,
          input: { ...(isObject(task.input) ? task.input : {}), [itemInto]: item },
        }));
        return this.members(members, `${path}.map.task`, from, (index) => `${path}.map.items[${index}]`);
      }
      default:
        return this.fail(`${path}.nodes`, "a DAG of nodes is allowed at the top level only");
    }
  }

  members(
    list: readonly unknown[],
    path: string,
    from: ValueSource | undefined,
    pathOf: (index: number) => string = (index) => `${path}[${index}]`,
  ): ValueSource | undefined {
    const values: ValueSource[] = [];
    let complete = true;
    // Every member is checked, so one answer names every bad field.
    for (const [index, member] of list.entries()) {
      const value = this.canvas(member, pathOf(index), from);
      if (value === undefined) complete = false;
      else values.push(value);
    }
    return complete ? { list: values } : undefined;
  }

  dag(raw: unknown, path: string): ValueSource | undefined {
    if (!Array.isArray(raw) || raw.length === 0) return this.fail(path, "a non-empty list of nodes");
    const ids = new Map<string, number>();
    for (const [index, node] of raw.entries()) {
      const id = isObject(node) ? node.id : undefined;
      if (typeof id !== "string")
        return this.fail(`${path}[${index}].id`, "required in a DAG: the node's name");
      if (ids.has(id)) return this.fail(`${path}[${index}].id`, `"${id}" names two nodes`);
      ids.set(id, index);
    }
    // Kahn's order, so every node is compiled after what it waits for.
    const afterOf = (index: number): string[] => {
      const after = (raw[index] as Record<string, unknown>).after;
      return Array.isArray(after) ? (after as string[]) : [];
    };
    for (const [index, node] of raw.entries()) {
      const after = (node as Record<string, unknown>).after;
      if (after === undefined) continue;
      if (!Array.isArray(after) || after.some((name) => typeof name !== "string")) {
        return this.fail(`${path}[${index}].after`, "a list of node ids");
      }
      for (const [position, name] of (after as string[]).entries()) {
        if (!ids.has(name)) return this.fail(`${path}[${index}].after[${position}]`, `no node "${name}"`);
      }
    }
    const order: number[] = [];
    const placed = new Set<number>();
    while (order.length < raw.length) {
      const ready = raw
        .map((_, index) => index)
        .filter((index) => !placed.has(index) && afterOf(index).every((name) => placed.has(ids.get(name)!)));
      if (ready.length === 0) return this.fail(path, "the nodes' `after` lists make a cycle");
      for (const index of ready) {
        placed.add(index);
        order.push(index);
      }
    }
    const compiledIndex = new Map<number, number>();
    for (const index of order) {
      const after = afterOf(index).map((name) => ({ node: compiledIndex.get(ids.get(name)!)! }));
      const from: ValueSource | undefined =
        after.length === 0 ? undefined : after.length === 1 ? after[0] : { list: after };
      const value = this.task(raw[index] as Record<string, unknown>, `${path}[${index}]`, from);
      if (value === undefined) return undefined;
      compiledIndex.set(index, (value as { node: number }).node);
    }
    const downstream = new Set(raw.flatMap((_, index) => afterOf(index)));
    const sinks = raw
      .map((node, index) => ({ id: (node as Record<string, unknown>).id as string, index }))
      .filter(({ id }) => !downstream.has(id))
      .map(({ index }) => ({ node: compiledIndex.get(index)! }));
    return sinks.length === 1 ? sinks[0] : { list: sinks };
  }
}

/** The node indices a value source reads, in order, without repeats. */
export function nodesOf(source: ValueSource | undefined): number[] {
  if (source === undefined) return [];
  if ("node" in source) return [source.node];
  return [...new Set(source.list.flatMap(nodesOf))];
}

/**
 * Compiles a `POST /v1/workflows` body into nodes; throws a 400 naming every
 * bad field (`workflow.chord.header[3].input.value`) before anything runs.
 */
export function compileWorkflow(body: unknown, now: Date): CompiledWorkflow {
  const request = parseOrIssues(body);
  const compiler = new Compiler(now);
  const result =
    "nodes" in request.workflow && Object.keys(request.workflow).length === 1
      ? compiler.dag(request.workflow.nodes, "workflow.nodes")
      : compiler.canvas(request.workflow, "workflow", undefined);
  let onError: Omit<WorkflowNode, "index" | "next" | "after" | "afterIds"> | undefined;
  if (request.onError) {
    const errorCompiler = new Compiler(now);
    // `resultInto` of onError receives the workflow's error: it has an upstream, the workflow.
    errorCompiler.task(request.onError, "onError", { node: -1 });
    compiler.issues.push(...errorCompiler.issues);
    const compiled = errorCompiler.nodes[0];
    if (compiled) {
      const { from: _from, id: _id, ...rest } = compiled;
      onError = { ...rest, id: onErrorNodeId };
    }
  }
  if (compiler.nodes.length > maxWorkflowNodes) {
    compiler.fail("workflow", `at most ${maxWorkflowNodes} nodes (this one has ${compiler.nodes.length})`);
  }
  const explicit = new Set(compiler.nodes.flatMap((node) => (node.id ? [node.id] : [])));
  if (explicit.size !== compiler.nodes.filter((node) => node.id).length) {
    compiler.fail("workflow", "two nodes have the same id");
  }
  const ids = compiler.nodes.map((node, index) => node.id ?? `n${index}`);
  const generatedClash = compiler.nodes.findIndex((node, index) => !node.id && explicit.has(`n${index}`));
  if (generatedClash >= 0) compiler.fail("workflow", `the id n${generatedClash} is given to another node`);
  if (compiler.issues.length > 0 || result === undefined) throw validationError(compiler.issues);

  const next = compiler.nodes.map(() => [] as number[]);
  compiler.nodes.forEach((node, index) => {
    for (const upstream of nodesOf(node.from)) next[upstream]!.push(index);
  });
  const nodes = compiler.nodes.map(
    (node, index): WorkflowNode => ({
      index,
      id: ids[index]!,
      submission: node.submission,
      ...(node.resultInto ? { resultInto: node.resultInto } : {}),
      ...(node.from ? { from: node.from } : {}),
      after: nodesOf(node.from),
      afterIds: nodesOf(node.from).map((upstream) => ids[upstream]!),
      next: next[index]!,
    }),
  );
  return {
    nodes,
    result,
    failurePolicy: request.failurePolicy ?? { mode: "fail_fast" },
    ...(onError ? { onError: { ...onError, index: nodes.length, after: [], afterIds: [], next: [] } } : {}),
    ...(request.tags ? { tags: request.tags } : {}),
  };
}

function parseOrIssues(body: unknown): z.output<typeof workflowRequestSchema> {
  const parsed = workflowRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw validationError(
    parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })),
  );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

// --- What a node's end does ---------------------------------------------------------------------

/** How many failures the policy tolerates in a workflow of `nodeCount` nodes. */
export function toleratedFailures(policy: FailurePolicy, nodeCount: number): number {
  if (policy.mode !== "allow_failures") return 0;
  const byCount = policy.maxFailures ?? Number.POSITIVE_INFINITY;
  const byPercent =
    policy.maxFailurePercent === undefined
      ? Number.POSITIVE_INFINITY
      : Math.floor((policy.maxFailurePercent / 100) * nodeCount);
  const tolerated = Math.min(byCount, byPercent);
  return Number.isFinite(tolerated) ? tolerated : nodeCount;
}

/** Whether an outcome counts against the failure policy: a task that ended otherwise than `succeeded` (a skip does not). */
export const isFailure = (outcome: NodeOutcome): boolean => outcome !== "succeeded" && outcome !== "skipped";

/** What one node's value is, as its downstream nodes receive it. */
export type NodeValue =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: TaskErrorInfo };

/**
 * The upstream value of a node (or the workflow's result): each leaf is the
 * node's result, or under `allow_failures` `{ok, value | error}`.
 */
export function assembleValue(
  source: ValueSource,
  valueOfNode: (node: number) => NodeValue,
  wrapped: boolean,
): unknown {
  if ("list" in source) return source.list.map((member) => assembleValue(member, valueOfNode, wrapped));
  const value = valueOfNode(source.node);
  if (wrapped) return value;
  if (!value.ok) throw new Error(`node ${source.node} has no value: ${value.error.message}`);
  return value.value;
}

/** The input a node starts with: its own, with the upstream value in `resultInto`. */
export function nodeInput(node: Pick<WorkflowNode, "submission" | "resultInto">, upstream: unknown): unknown {
  if (!node.resultInto) return node.submission.input;
  return { ...(node.submission.input as Record<string, unknown>), [node.resultInto]: upstream };
}

/** The task id of a workflow's node. */
export const nodeTaskId = (workflowId: string, nodeId: string): string => `${workflowId}.${nodeId}`;

// --- Views (the API's answers; the OpenAPI document shows these schemas) --------------------------

const nodeCountsSchema = z.object(
  Object.fromEntries(["waiting", "active", ...nodeOutcomes].map((name) => [name, z.int().min(0)])) as Record<
    "waiting" | "active" | NodeOutcome,
    z.ZodInt
  >,
);

export const workflowViewSchema = z
  .object({
    id: z.string(),
    namespace: z.string(),
    status: z.enum(workflowStatuses),
    failurePolicy: failurePolicySchema,
    nodeCount: z.int().min(1),
    counts: nodeCountsSchema.describe(
      "Nodes by where they are: waiting (not created yet), active (created, not ended), and by how they ended.",
    ),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().optional(),
    result: z
      .unknown()
      .optional()
      .describe("When succeeded: the top-level canvas's value (left out of listings: read the workflow)."),
    error: workflowErrorSchema.optional().describe("When failed: the node that failed it, and why."),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .meta({ description: "A workflow (docs/workflows.md)." });
export type WorkflowView = z.output<typeof workflowViewSchema>;

export const workflowNodeViewSchema = z.object({
  id: z.string(),
  index: z.int().min(0),
  taskId: z.string(),
  type: z.string(),
  after: z.array(z.string()).describe("The ids of the nodes it waits for."),
  status: z
    .string()
    .describe("Its task's status; `waiting` before it is created, `skipped` if it never will be."),
  result: z.unknown().optional(),
  error: taskErrorInfoSchema.optional(),
});
export type WorkflowNodeView = z.output<typeof workflowNodeViewSchema>;

export const workflowNodePageSchema = z.object({
  items: z.array(workflowNodeViewSchema),
  nextCursor: z.string().nullable(),
});

export const workflowPageSchema = z.object({
  items: z.array(workflowViewSchema),
  nextCursor: z.string().nullable(),
});

export const workflowListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2_000).optional(),
});

export const workflowNodesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: z
    .string()
    .regex(/^\d{1,5}$/, "a cursor from this API")
    .optional(),
});
