/**
 * The OpenAPI 3.1 document, generated from the route table and its zod
 * schemas (the ones the handlers validate with) by zod's own JSON Schema
 * conversion. Request schemas are converted as inputs (defaults make fields
 * optional), responses as outputs (every field the API sends, nothing else).
 */
import * as z from "zod";
import { workerViewSchema } from "../core/manage-workers.ts";
import { namespaceName } from "../core/namespaces.ts";
import { laneDepthSchema } from "../core/ports.ts";
import { scheduleViewSchema } from "../core/schedule-schemas.ts";
import { taskErrorInfoSchema, taskSchema } from "../core/task.ts";
import { celeryCompatTag, celeryErrorSchema } from "./celery-compat.ts";
import { actsInNamespace, apiRoutes, type RouteContract } from "./routes.ts";
import { errorBodySchema, pathParameterValue, rateLimitSchema, taskPageSchema } from "./schemas.ts";

type JsonSchema = Record<string, unknown>;

/** Response schemas shown once under components and referenced by name. */
const namedResponseSchemas: readonly [string, z.ZodType][] = [
  ["Task", taskSchema],
  ["TaskError", taskErrorInfoSchema],
  ["TaskPage", taskPageSchema],
  ["LaneDepth", laneDepthSchema],
  ["RateLimit", rateLimitSchema],
  ["Schedule", scheduleViewSchema],
  ["Worker", workerViewSchema],
  ["Error", errorBodySchema],
  ["CeleryError", celeryErrorSchema],
];

/** The routes without a tag of their own are the native API's. */
const nativeTag = "claw-tasks";
const tags = [
  { name: nativeTag, description: "The claw-tasks API (`/v1`)." },
  {
    name: celeryCompatTag,
    description:
      "The original Celery service's routes under `/api/v1`: snake_case bodies, Celery state names (PENDING, STARTED, RETRY, SUCCESS, FAILURE, REVOKED; `scheduled` reads PENDING, `expired` REVOKED), FastAPI-like answers and errors (`detail`). The same use cases as `/v1`, and the same Bearer key. See docs/migrating-from-celery.md.",
  },
];

const errorDescriptions: Readonly<Record<number, string>> = {
  400: "validation_error: details.issues[].path names each bad field.",
  401: "unauthorized: missing, unknown or revoked API key.",
  403: "forbidden: the API key lacks the route's scope (or, on submit, the task type's), or the stage does not allow the request (echo diagnostics).",
  404: "not_found.",
  409: "conflict: the task's state does not allow it, or an Idempotency-Key was reused with another body.",
  413: "payload_too_large: the body is over 10 MB.",
  429: "throttled: too many requests for this API key (Retry-After says when to try again).",
  500: "internal_error.",
  503: "service_unavailable: the task could not be queued (details.taskId; retry it by id).",
};

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Drops what zod writes on a standalone schema and OpenAPI does not want inside a document. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

const componentUri = (id: string) => `#/components/schemas/${id}`;

function convert(registry: z.core.$ZodRegistry<{ id: string }>, io: "input" | "output") {
  const { schemas } = z.toJSONSchema(registry, { io, target: "draft-2020-12", uri: componentUri });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, embedded(schema)]));
}

function inline(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  return embedded(z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as JsonSchema);
}

function parametersOf(route: RouteContract): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  for (const [, name] of route.path.matchAll(/\{(\w+)\}/g)) {
    const schema = route.params?.[name!];
    parameters.push({
      name,
      in: "path",
      required: true,
      schema: inline(schema ?? pathParameterValue, "input"),
    });
  }
  for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
    const converted = inline(schema as z.ZodType, "input");
    parameters.push({
      name,
      in: "query",
      required: !(schema as z.ZodType).safeParse(undefined).success,
      ...(typeof converted.description === "string" ? { description: converted.description } : {}),
      schema: converted,
    });
  }
  if (actsInNamespace(route)) {
    parameters.push({
      name: "namespace",
      in: "query",
      required: false,
      description:
        "The namespace to act in: the key's own by default; only an admin key may name another (403 otherwise).",
      schema: inline(namespaceName, "input"),
    });
  }
  for (const [name, schema] of Object.entries(route.headers ?? {})) {
    const converted = inline(schema, "input");
    parameters.push({
      name,
      in: "header",
      required: false,
      ...(typeof converted.description === "string" ? { description: converted.description } : {}),
      schema: converted,
    });
  }
  return parameters;
}

function buildDocument() {
  const requests = z.registry<{ id: string }>();
  const responses = z.registry<{ id: string }>();
  for (const [id, schema] of namedResponseSchemas) responses.add(schema, { id });

  const routes: readonly RouteContract[] = apiRoutes;
  const refOf = (registry: z.core.$ZodRegistry<{ id: string }>, schema: z.ZodType, id: string) => {
    if (!registry.has(schema)) registry.add(schema, { id });
    return { $ref: componentUri(registry.get(schema)!.id) };
  };

  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const name = capitalized(route.operationId);
    const answers: Record<string, JsonSchema> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      answers[status] = {
        description: response.description,
        ...(response.schema
          ? {
              content: {
                "application/json": { schema: refOf(responses, response.schema, `${name}Response`) },
              },
            }
          : {}),
      };
    }
    const keyErrors = route.scope === "public" ? [] : route.scope === "key" ? [401, 429] : [401, 403, 429];
    // A bad path parameter is a 400 on every route that has one (pathParameterValue); so is a bad
    // `namespace` on a route acting in a namespace.
    const parameterErrors = route.path.includes("{") || actsInNamespace(route) ? [400] : [];
    const errorStatuses = [...new Set([...route.errors, ...parameterErrors, ...keyErrors, 500])];
    for (const status of errorStatuses.sort((a, b) => a - b)) {
      // Authentication, throttling and internal errors come before a route's own handler: the API's own body.
      const own = route.errorSchema && ![401, 403, 429, 500].includes(status);
      answers[status] = {
        description: errorDescriptions[status] ?? "An error.",
        content: {
          "application/json": {
            schema: own
              ? refOf(responses, route.errorSchema!, `${name}Error`)
              : { $ref: componentUri("Error") },
          },
        },
      };
    }
    const parameters = parametersOf(route);
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: route.operationId,
      tags: [route.tag ?? nativeTag],
      summary: route.summary,
      ...(route.scope === "public"
        ? { security: [] }
        : {
            description:
              route.scope === "key"
                ? "Needs an API key, with any scopes."
                : `Needs an API key with the \`${route.scope}\` scope.`,
          }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: refOf(requests, route.body, `${name}Request`) } },
            },
          }
        : {}),
      responses: answers,
    };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "claw-tasks",
      version: "1",
      description:
        "The asynchronous task system of the CLAW.AI backend. Every route but /v1/health needs `Authorization: Bearer <api key>` with the scope the route names (submit, read or admin; /v1/whoami takes any key). Every key acts in its namespace: tasks, conversations, knowledge bases and schedules of another namespace answer as ids that do not exist; an admin key may name another with `?namespace=`. Errors are `{error: {code, message, details?}}`.",
    },
    security: [{ apiKey: [] }],
    tags,
    paths,
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An API key." } },
      schemas: { ...convert(responses, "output"), ...convert(requests, "input") },
    },
  };
}

let document: ReturnType<typeof buildDocument> | undefined;

/** The OpenAPI 3.1 document of this API (built once per process). */
export function openApiDocument(): ReturnType<typeof buildDocument> {
  document ??= buildDocument();
  return document;
}
