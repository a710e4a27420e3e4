/**
 * The port of workflow records (functions/adapters/dynamodb-workflow-store.ts).
 * A workflow is kept as a few items beside its tasks: what was asked (meta,
 * written once), its nodes (written once), and its state, the one item every
 * node's end updates with a single conditional write.
 */
import type { PayloadLocation } from "./payload.ts";
import type { Submission } from "./submission.ts";
import type { Task, TaskSubmitter } from "./task.ts";
import type {
  FailurePolicy,
  NodeOutcome,
  ValueSource,
  WorkflowError,
  WorkflowNode,
  WorkflowStatus,
} from "./workflow.ts";

/**
 * A node as stored: its compiled form (workflow.ts); a large input of its
 * own is kept in S3 (`inputPayload`) with a placeholder in its submission,
 * so a node item stays small whatever its input.
 */
export type StoredNode = WorkflowNode & { readonly inputPayload?: PayloadLocation };

/** What a workflow was asked to do; written once. */
export interface WorkflowMeta {
  readonly id: string;
  readonly namespace: string;
  readonly failurePolicy: FailurePolicy;
  readonly nodeCount: number;
  /** The workflow's value: read from its nodes' results when asked for. */
  readonly result: ValueSource;
  readonly onError?: {
    readonly submission: Submission;
    readonly resultInto?: string;
    readonly inputPayload?: PayloadLocation;
  };
  readonly tags?: Readonly<Record<string, string>>;
  readonly submittedBy?: TaskSubmitter;
  readonly createdAt: string;
}

/** Where a workflow stands; every node's end changes it once. */
export interface WorkflowState {
  readonly id: string;
  readonly status: WorkflowStatus;
  readonly nodeCount: number;
  /** Nodes whose end has been counted (their index). */
  readonly settled: ReadonlySet<number>;
  /** Nodes created after the start (the nodes without upstream are created by the submit). */
  readonly created: ReadonlySet<number>;
  /** Per waiting node (index): how many of its upstream nodes have not ended. */
  readonly waiting: Readonly<Record<number, number>>;
  readonly counts: Readonly<Partial<Record<NodeOutcome, number>>>;
  /** Nodes that ended failed, cancelled or expired (skipped ones are not counted). */
  readonly failures: number;
  /** The first failure, kept for the workflow's error. */
  readonly firstFailure?: WorkflowError;
  readonly error?: WorkflowError;
  /** Set when every node of an ended workflow has been told to stop. */
  readonly cascaded?: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
}

export type NodeStart =
  /** The node's task was written now. */
  | { readonly outcome: "created" }
  /** It was written before (a repeated step): here it is. */
  | { readonly outcome: "exists"; readonly task: Task }
  /** The workflow ended, or the node was skipped: it is never created. */
  | { readonly outcome: "stopped" };

export interface WorkflowPage {
  readonly ids: readonly string[];
  readonly nextCursor: string | null;
}

/** Workflow records of one namespace. */
export interface WorkflowStore {
  /** Writes meta, state, listing entry and nodes of a new workflow (its tasks are written by the caller). */
  create(
    meta: WorkflowMeta,
    nodes: readonly StoredNode[],
    waiting: Readonly<Record<number, number>>,
  ): Promise<void>;
  meta(id: string): Promise<WorkflowMeta | undefined>;
  state(id: string): Promise<WorkflowState | undefined>;
  /** Nodes from `fromIndex` on, in order, at most `limit`. */
  nodes(id: string, fromIndex: number, limit: number): Promise<StoredNode[]>;
  node(id: string, index: number): Promise<StoredNode | undefined>;
  /** The tasks of the given node ids that exist, by node id (one batched read). */
  nodeTasks(id: string, nodeIds: readonly string[]): Promise<Map<string, Task>>;
  /**
   * Counts a node's end once: marks it settled, counts its outcome, and takes
   * one off the waiting count of each node in `next`. `applied: false` when it
   * had been counted (a repeated step); either way, the state after.
   */
  settle(
    id: string,
    node: { readonly index: number; readonly next: readonly number[] },
    outcome: NodeOutcome,
    failure: WorkflowError | undefined,
    now: Date,
  ): Promise<{ applied: boolean; state: WorkflowState }>;
  /**
   * Writes a waiting node's task, once, and only while the workflow runs and
   * the node is not settled (one transaction with the state).
   */
  startNode(id: string, index: number, task: Task): Promise<NodeStart>;
  /** Ends a running workflow; false when it had ended. */
  end(
    id: string,
    status: Exclude<WorkflowStatus, "running">,
    now: Date,
    error?: WorkflowError,
  ): Promise<boolean>;
  /**
   * Sets an ended workflow running again with the given state (retry of the
   * failed part); false when its state changed since `seen` was read.
   */
  restart(
    id: string,
    seen: Pick<WorkflowState, "status" | "updatedAt">,
    state: Pick<WorkflowState, "settled" | "created" | "waiting" | "counts">,
    now: Date,
  ): Promise<boolean>;
  /** Notes that every node of the ended workflow has been told to stop. */
  markCascaded(id: string): Promise<void>;
  /**
   * Workflow ids, newest first. With `since`, only the month partitions from
   * its month on are read (the ids of that month may still be older).
   */
  list(limit: number, cursor: string | undefined, since?: Date): Promise<WorkflowPage>;
}
