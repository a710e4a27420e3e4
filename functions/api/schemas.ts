/**
 * The API's request and response schemas that are not part of the core
 * model. Route handlers validate with them and the route table
 * (routes.ts) carries them into the OpenAPI document, so each is written once.
 */
import * as z from "zod";
import { apiErrorCodes } from "../core/api-error.ts";
import { scopes } from "../core/authenticate.ts";
import { workerViewSchema } from "../core/manage-workers.ts";
import { defaultNamespace, namespaceName } from "../core/namespaces.ts";
import { laneDepthSchema, taskCountsSchema } from "../core/ports.ts";
import { scheduleViewSchema } from "../core/schedule-schemas.ts";
import { taskSchema, taskStatuses } from "../core/task.ts";
import { taskTypes } from "../tasks/catalog.ts";
import { laneNames } from "../tasks/lanes.ts";

/** `GET /v1/tasks` query. */
export const listTasksQuery = z.strictObject({
  status: z.enum(taskStatuses).optional(),
  type: z.enum(taskTypes).optional(),
  tag: z
    .string()
    .regex(/^[^:]{1,64}:.{0,256}$/, "key:value")
    .optional()
    .describe("A tag as key:value."),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2_400).optional().describe("The nextCursor of the previous page."),
});

/**
 * Every path parameter of every route (ids of tasks, keys, conversations,
 * knowledge bases; schedule names, lanes, task types): checked before any
 * route looks at it, so an overlong or odd id is a 400 naming the parameter,
 * never a key DynamoDB refuses (a 500). Task ids are ULIDs or
 * `<schedule>@<ISO time>`, key ids SHA-256 hex, the rest `identifier`s or
 * names: all fit. A route may narrow it further (`params` in routes.ts).
 */
export const pathParameterValue = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:@~-]+$/, "1 to 200 letters, digits and _ . : @ ~ - only");

/** `Idempotency-Key` header of the submit routes. */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, "1 to 255 printable ASCII characters")
  .describe("The same key and body within 24 h return the original task; another body gets 409.");

/** `PUT /v1/rate-limits/{type}` body. */
export const rateLimitBody = z.strictObject({
  perMinute: z.int().min(1).max(100_000).nullable().describe("Starts per minute; null: unlimited."),
});

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(apiErrorCodes),
    message: z.string(),
    details: z
      .unknown()
      .optional()
      .describe("For validation_error: {issues: [{path, message}]}, each path naming a field."),
  }),
});

export const healthSchema = z.object({ status: z.literal("ok"), time: z.iso.datetime() });

export const taskPageSchema = z.object({
  items: z.array(taskSchema),
  nextCursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last."),
});

export const statsSchema = taskCountsSchema.extend({
  lanes: z.array(laneDepthSchema),
  time: z.iso.datetime(),
});

export const activityQuery = z.strictObject({
  minutes: z.coerce.number().int().min(1).max(120).default(60).describe("How many minutes, up to 120."),
});

const activityMinuteSchema = z.object({
  minute: z.iso.datetime().describe("The minute's start."),
  submitted: z.int(),
  started: z.int(),
  retried: z.int(),
  succeeded: z.int(),
  failed: z.int(),
  cancelled: z.int(),
  expired: z.int(),
});

export const activitySchema = z.object({ items: z.array(activityMinuteSchema), time: z.iso.datetime() });

export const queueListSchema = z.object({ items: z.array(laneDepthSchema) });

export const redriveResultSchema = z.object({ lane: z.enum(laneNames), moved: z.int().min(0) });

export const rateLimitSchema = z.object({
  type: z.enum(taskTypes),
  perMinute: z.int().nullable().describe("The limit in force; null: unlimited."),
  source: z.enum(["override", "catalog"]),
  catalogPerMinute: z.int().nullable(),
});

export const rateLimitListSchema = z.object({ items: z.array(rateLimitSchema) });

export const openApiDocumentSchema = z
  .record(z.string(), z.unknown())
  .describe("This API's OpenAPI 3.1 document.");

/** `POST /v1/keys` body. */
export const newKeyBody = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w .:@-]+$/, "letters, digits, spaces and _ . : @ - only"),
  scopes: z
    .array(z.enum(scopes))
    .min(1)
    .default([...scopes]),
  ratePerSecond: z.number().positive().max(10_000).optional(),
  namespace: namespaceName
    .default(defaultNamespace)
    .describe("The namespace the key acts in: it sees and acts on that namespace's tasks only."),
});

/** An API key as the API shows it: never the key itself, except once on creation. */
export const apiKeySchema = z.object({
  id: z.string().describe("SHA-256 (hex) of the key."),
  name: z.string(),
  scopes: z.array(z.enum(scopes)),
  ratePerSecond: z.number().optional(),
  namespace: z.string().describe("The namespace the key acts in."),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});

/** `GET /v1/whoami`: the calling key (a revoked key never gets this far). */
export const callerKeySchema = apiKeySchema.omit({ revokedAt: true });

export const apiKeyListSchema = z.object({ items: z.array(apiKeySchema), nextCursor: z.null() });

export const createdApiKeySchema = apiKeySchema.extend({
  key: z.string().describe("The key; shown only in this answer."),
});

/** `GET /v1/conversations/{id}` query. */
export const conversationQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2_000).optional(),
});

const modelRefSchema = z.object({ provider: z.enum(["offline", "bedrock", "openai"]), id: z.string() });

export const conversationPageSchema = z.object({
  conversationId: z.string(),
  items: z.array(
    z.object({
      role: z.enum(["user", "assistant"]),
      content: z.string(),
      at: z.string(),
      taskId: z.string(),
      model: modelRefSchema.optional(),
      usage: z.object({ inputTokens: z.int(), outputTokens: z.int() }).optional(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

/** `GET /v1/knowledge-bases/{kb}/search` query. */
export const searchQuery = z.strictObject({
  q: z.string({ error: "required: the text to search for" }).trim().min(1).max(2_000),
  k: z.coerce.number().int().min(1).max(50).default(5),
});

export const searchResultSchema = z.object({
  knowledgeBaseId: z.string(),
  query: z.string(),
  model: modelRefSchema,
  items: z.array(
    z.object({
      documentId: z.string(),
      chunkIndex: z.int(),
      score: z.number(),
      text: z.string(),
      metadata: z.record(z.string(), z.string()).optional(),
    }),
  ),
});

export const schedulePageSchema = z.object({
  items: z.array(scheduleViewSchema),
  nextCursor: z.string().nullable(),
});

export const workerListSchema = z.object({ items: z.array(workerViewSchema), nextCursor: z.null() });
