/**
 * Use cases of worker management: each lane's worker (its event-source
 * mapping) with its queue depths and last activity; pause, resume and resize
 * a lane's worker at run time.
 */
import * as z from "zod";
import { type Lane } from "../tasks/lanes.ts";
import type { LaneActivity, LaneQueues, WorkerControl } from "./ports.ts";
/** Lambda's bounds on an SQS mapping's MaximumConcurrency. */
export declare const maxConcurrencyBounds: {
  readonly min: 2;
  readonly max: 1000;
};
/** A lane's worker as the API shows it. */
export declare const workerViewSchema: z.ZodObject<
  {
    lane: z.ZodEnum<{
      ai_high_priority: "ai_high_priority";
      knowledge_default: "knowledge_default";
      notification_default: "notification_default";
      default: "default";
    }>;
    function: z.ZodString;
    enabled: z.ZodBoolean;
    state: z.ZodString;
    maxConcurrency: z.ZodNullable<z.ZodInt>;
    mappings: z.ZodArray<
      z.ZodObject<
        {
          priority: z.ZodString;
          state: z.ZodString;
          maxConcurrency: z.ZodNullable<z.ZodInt>;
        },
        z.core.$strip
      >
    >;
    batchSize: z.ZodInt;
    backlog: z.ZodInt;
    inFlight: z.ZodInt;
    delayed: z.ZodInt;
    dlqDepth: z.ZodInt;
    lastActivityAt: z.ZodNullable<z.ZodString>;
  },
  z.core.$strip
>;
export type WorkerView = Readonly<z.output<typeof workerViewSchema>>;
export interface WorkerDeps {
  readonly control: WorkerControl;
  readonly lanes: LaneQueues;
  readonly activity: LaneActivity;
  /** A lane worker's reserved concurrency, when the stage reserves it: its mappings together must stay within. */
  readonly reservedConcurrency: (lane: Lane) => number | undefined;
}
export declare function listWorkers(deps: WorkerDeps): Promise<{
  items: WorkerView[];
  nextCursor: null;
}>;
/** `PATCH /v1/workers/{lane}` body. */
export declare const workerChangeBody: z.ZodObject<
  {
    enabled: z.ZodOptional<z.ZodBoolean>;
    maxConcurrency: z.ZodOptional<z.ZodInt>;
  },
  z.core.$strict
>;
export declare function updateWorker(lane: string, body: unknown, deps: WorkerDeps): Promise<WorkerView>;
