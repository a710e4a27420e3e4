/**
 * Workflows (docs/workflows.md): the canvas a `POST /v1/workflows` takes,
 * typed from the task catalog, the builders that make one (`task`, `chain`,
 * `group`, `chord`, `map`, `dag`), and what the workflow routes answer.
 *
 * The builders return the contract's JSON as it is: what you build is what
 * is sent. A node without `resultInto` ignores the upstream value (Celery's
 * `.si()`); with it, the input field of that name receives it.
 *
 * The answers' types are written here from the contract until the API's
 * schemas for them exist; then they should come from there, as `Task` does.
 */
import type { TaskStatus, TaskTimeLimits } from "../../../functions/core/task.ts";
import type {
  WorkflowError as ServerWorkflowError,
  WorkflowNodeView as ServerWorkflowNodeView,
  WorkflowView as ServerWorkflowView,
} from "../../../functions/core/workflow.ts";
import type { TaskSubmissionInput, TaskType } from "../../../functions/tasks/catalog.ts";
import type { Priority } from "../../../functions/tasks/lanes.ts";

/** The input fields of a task type. */
export type InputField<T extends TaskType> = Extract<keyof TaskSubmissionInput<T>, string>;

/** A node's input: the type's, where the fields the workflow fills in (`resultInto`, `itemInto`) may be left out. */
export type NodeInput<T extends TaskType, Filled extends string = never> = [Filled] extends [never]
  ? TaskSubmissionInput<T>
  : Omit<TaskSubmissionInput<T>, Filled> & Partial<Pick<TaskSubmissionInput<T>, Filled & InputField<T>>>;

/** A task node's options besides its type and input. */
export interface NodeOptions<Field extends string = string> {
  /** `[A-Za-z0-9_-]{1,64}`, unique in the workflow; default `n0`, `n1`, ... in canvas order. */
  readonly id?: string;
  readonly priority?: Priority;
  readonly maxAttempts?: number;
  readonly timeLimits?: TaskTimeLimits;
  readonly tags?: Readonly<Record<string, string>>;
  /** The input field that receives the upstream value; without it the node ignores that value. */
  readonly resultInto?: Field;
}

/** One task of the catalog in a workflow. */
export type TaskNode<T extends TaskType = TaskType> = NodeOptions<InputField<T>> & {
  readonly type: T;
  readonly input: Partial<TaskSubmissionInput<T>>;
};

/** A task node of any type (a union over the catalog, so each keeps its own input type). */
export type AnyTaskNode = { [T in TaskType]: TaskNode<T> }[TaskType];

export interface ChainCanvas {
  readonly chain: readonly Canvas[];
}
export interface GroupCanvas {
  readonly group: readonly Canvas[];
}
export interface ChordCanvas {
  readonly chord: { readonly header: readonly Canvas[]; readonly body: Canvas };
}
export interface MapCanvas {
  readonly map: { readonly items: readonly unknown[]; readonly task: AnyTaskNode; readonly itemInto: string };
}
/** A node of a DAG: a task node with an id, after the nodes it names. */
export type DagNode = AnyTaskNode & { readonly id: string; readonly after?: readonly string[] };
export interface DagCanvas {
  readonly nodes: readonly DagNode[];
}

/** What a canvas may hold. */
export type Canvas = AnyTaskNode | ChainCanvas | GroupCanvas | ChordCanvas | MapCanvas;
/** A workflow: any canvas, or a DAG (top level only). */
export type WorkflowCanvas = Canvas | DagCanvas;

/** `fail_fast` (default), `wait_all`, or `allow_failures` up to a count or a percentage of the nodes. */
export type FailurePolicy = ServerWorkflowView["failurePolicy"];

/** `submitWorkflow`'s options: the body's other fields, and the Idempotency-Key. */
export interface WorkflowOptions {
  readonly failurePolicy?: FailurePolicy;
  /** Created once if the workflow fails, with `input[resultInto]` set to the workflow's error. */
  readonly onError?: AnyTaskNode;
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Sent as `Idempotency-Key`: the same key and body within 24 h return the
   * first workflow. Default: a random key, so the client's own retries never
   * make two; `false` sends none (and a submit whose answer was lost is not sent again).
   */
  readonly idempotencyKey?: string | false;
}

/** The server's own view types (functions/core/workflow.ts), so the client cannot drift from them. */
export type WorkflowStatus = ServerWorkflowView["status"];
/** How many nodes are in each state: `waiting` (not created yet), `active` (created, not ended), and the ends. */
export type WorkflowCounts = ServerWorkflowView["counts"];
/** Why a workflow failed: the node at fault (`nodeId`), its task, how it ended and its error. */
export type WorkflowError = ServerWorkflowError;
/** `GET /v1/workflows/{id}`. */
export type Workflow = ServerWorkflowView;
/** A node's status: its task's, or `waiting` (not created yet) or `skipped` (never will be). */
export type WorkflowNodeStatus = TaskStatus | "waiting" | "skipped";
/** One node of `GET /v1/workflows/{id}/nodes`; its task is `GET /v1/tasks/{taskId}`. */
export type WorkflowNode = Omit<ServerWorkflowNodeView, "type" | "status"> & {
  readonly type: TaskType;
  readonly status: WorkflowNodeStatus;
};

export interface WorkflowPage {
  readonly items: Workflow[];
  readonly nextCursor: string | null;
}
export interface WorkflowNodePage {
  readonly items: WorkflowNode[];
  readonly nextCursor: string | null;
}

const ended: readonly WorkflowStatus[] = ["succeeded", "failed", "cancelled"];

/** True once a workflow has ended. */
export const isWorkflowFinished = (workflow: Pick<Workflow, "status">) => ended.includes(workflow.status);

/**
 * A task node: `task("echo", {value: 1})`; with `{resultInto: "value"}` the
 * field `value` receives the upstream value (and may be left out of `input`).
 */
export function task<T extends TaskType, const Field extends InputField<T> = never>(
  type: T,
  input: NodeInput<T, Field>,
  options: NodeOptions<Field> = {},
): TaskNode<T> {
  return { type, input: input as Partial<TaskSubmissionInput<T>>, ...options } as TaskNode<T>;
}

/** Each member starts when the one before it has ended; its value is the last member's. */
export function chain(...members: readonly Canvas[]): ChainCanvas {
  return { chain: members };
}

/** All members at once; its value is the list of their values, in order. */
export function group(...members: readonly Canvas[]): GroupCanvas {
  return { group: members };
}

/** The body starts when every header member has ended; it may take their values as a list (`resultInto`). */
export function chord(header: readonly Canvas[], body: Canvas): ChordCanvas {
  return { chord: { header, body } };
}

/** `map("echo", {itemInto: "value", items: [1, 2, 3]})`: one task per item, with `input[itemInto] = item`. */
export function map<T extends TaskType, const Into extends InputField<T>>(
  type: T,
  spec: {
    readonly itemInto: Into;
    readonly items: readonly TaskSubmissionInput<T>[Into][];
    /** The other fields, the same for every item. */
    readonly input?: NodeInput<T, Into>;
  } & NodeOptions<InputField<T>>,
): MapCanvas {
  const { itemInto, items, input = {}, ...options } = spec;
  return { map: { items, itemInto, task: { type, input, ...options } as AnyTaskNode } };
}

/** A DAG of task nodes (top level only): `dag([{...task("echo", {value: 1}), id: "a"}, {..., after: ["a"]}])`. */
export function dag(nodes: readonly DagNode[]): DagCanvas {
  return { nodes };
}
