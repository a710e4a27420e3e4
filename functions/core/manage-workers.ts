/**
 * Use cases of worker management: each lane's worker (its event-source
 * mapping) with its queue depths and last activity; pause, resume and resize
 * a lane's worker at run time.
 */
import * as z from "zod";
import { isLane, type Lane, laneNames, type Priority, priorityConcurrency } from "../tasks/lanes.ts";
import { notFound, validationError } from "./api-error.ts";
import type { LaneActivity, LaneQueues, WorkerControl, WorkerMapping } from "./ports.ts";
import { parseOrThrow } from "./validation.ts";

/** Lambda's bounds on an SQS mapping's MaximumConcurrency. */
export const maxConcurrencyBounds = { min: 2, max: 1_000 } as const;

const nullableCount = z.int().min(0).nullable();

/** A lane's worker as the API shows it. */
export const workerViewSchema = z.object({
  lane: z.enum(laneNames),
  function: z.string(),
  enabled: z
    .boolean()
    .describe("False once a pause was asked for (also while the mappings are still `disabling`)."),
  state: z
    .string()
    .describe(
      "Lambda's state of the lane's mappings, lower case (enabled, disabling, disabled, ...); `updating` while they differ.",
    ),
  maxConcurrency: nullableCount.describe(
    "The lane's size: the normal queue's MaximumConcurrency (high and low get their shares of it).",
  ),
  mappings: z
    .array(z.object({ priority: z.string(), state: z.string(), maxConcurrency: nullableCount }))
    .describe("Each priority queue's mapping."),
  batchSize: z.int(),
  backlog: z.int().min(0).describe("Messages waiting to be taken."),
  inFlight: z.int().min(0).describe("Messages taken by the worker and not yet done."),
  delayed: z.int().min(0).describe("Messages not visible yet (retry backoff, delays)."),
  dlqDepth: z.int().min(0),
  lastActivityAt: z.string().nullable(),
});
export type WorkerView = Readonly<z.output<typeof workerViewSchema>>;

export interface WorkerDeps {
  readonly control: WorkerControl;
  readonly lanes: LaneQueues;
  readonly activity: LaneActivity;
  /** The priorities with a mapping of their own in a lane (all three, or `normal` alone when the stage shares one queue). */
  readonly mappedPriorities: (lane: Lane) => readonly Priority[];
  /** A lane worker's reserved concurrency, when the stage reserves it: its mappings together must stay within. */
  readonly reservedConcurrency: (lane: Lane) => number | undefined;
}

const pausedStates = new Set(["disabled", "disabling"]);

async function viewOf(lane: Lane, mappings: readonly WorkerMapping[], deps: WorkerDeps): Promise<WorkerView> {
  const [depth, lastActivityAt] = await Promise.all([
    deps.lanes.depth(lane),
    deps.activity.lastActivity(lane),
  ]);
  const states = mappings.map((mapping) => mapping.state.toLowerCase());
  const normal = mappings.find((mapping) => mapping.priority === "normal");
  return {
    lane,
    function: mappings[0]?.functionName ?? "",
    enabled: !states.some((state) => pausedStates.has(state)),
    state: states.every((state) => state === states[0]) ? (states[0] ?? "unknown") : "updating",
    maxConcurrency: normal?.maxConcurrency ?? null,
    mappings: mappings.map((mapping) => ({
      priority: mapping.priority,
      state: mapping.state.toLowerCase(),
      maxConcurrency: mapping.maxConcurrency ?? null,
    })),
    batchSize: normal?.batchSize ?? mappings[0]?.batchSize ?? 0,
    backlog: depth.visible,
    inFlight: depth.inFlight,
    delayed: depth.delayed,
    dlqDepth: depth.deadLetters,
    lastActivityAt: lastActivityAt ?? null,
  };
}

export async function listWorkers(deps: WorkerDeps): Promise<{ items: WorkerView[]; nextCursor: null }> {
  const items = await Promise.all(
    laneNames.map(async (lane) => viewOf(lane, await deps.control.get(lane), deps)),
  );
  return { items, nextCursor: null };
}

/** `PATCH /v1/workers/{lane}` body. */
export const workerChangeBody = z
  .strictObject({
    enabled: z.boolean().optional(),
    maxConcurrency: z.int().min(maxConcurrencyBounds.min).max(maxConcurrencyBounds.max).optional(),
  })
  .refine((body) => body.enabled !== undefined || body.maxConcurrency !== undefined, {
    message: "give enabled and/or maxConcurrency",
  });

export async function updateWorker(lane: string, body: unknown, deps: WorkerDeps): Promise<WorkerView> {
  if (!isLane(lane)) throw notFound(`lane ${lane}`);
  const change = parseOrThrow(workerChangeBody, body);
  const reserved = deps.reservedConcurrency(lane);
  if (change.maxConcurrency !== undefined && reserved !== undefined) {
    const size = change.maxConcurrency;
    const needed = deps
      .mappedPriorities(lane)
      .reduce((sum, priority) => sum + priorityConcurrency(size, priority), 0);
    if (needed > reserved) {
      throw validationError([
        {
          path: "maxConcurrency",
          message: `too large: the lane's mappings would need ${needed} executions, its worker reserves ${reserved} (raise the stage's lane concurrency and deploy)`,
        },
      ]);
    }
  }
  const mapping = await deps.control.update(lane, change);
  return viewOf(lane, mapping, deps);
}
