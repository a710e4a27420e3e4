/**
 * Routes about workflows (docs/workflows.md): submit, list, read, nodes,
 * cancel. Loaded on the first workflow request, not at the API's init.
 */
import { createHash } from "node:crypto";
import { validationError } from "../core/api-error.ts";
import { submitterOf } from "../core/api-keys.ts";
import { InvalidCursor } from "../core/ports.ts";
import {
  cancelWorkflow,
  retryWorkflow,
  submitWorkflow,
  type WorkflowDeps,
  workflowNodesPage,
  workflowView,
} from "../core/run-workflow.ts";
import { authorizeSubmission } from "../core/submission.ts";
import { parseOrThrow } from "../core/validation.ts";
import { compileWorkflow, workflowListQuery, workflowNodesQuery } from "../core/workflow.ts";
import type { ApiDeps } from "./dependencies.ts";
import { header, json, pathParameter, type RouteHandlers, type RouteRequest, readJsonBody } from "./http.ts";
import { idempotencyKeyHeader } from "./schemas.ts";

export function workflowRoutes(deps: ApiDeps): RouteHandlers {
  const depsOf = (request: RouteRequest): WorkflowDeps => {
    const scoped = deps.inNamespace(request.namespace);
    return { ...scoped, workflows: scoped.workflows, namespace: request.namespace };
  };

  return {
    "POST /v1/workflows": async (request) => {
      const body = readJsonBody(request.event);
      const compiled = compileWorkflow(body, deps.now());
      for (const node of [...compiled.nodes, ...(compiled.onError ? [compiled.onError] : [])]) {
        authorizeSubmission(node.submission, {
          caller: request.caller,
          echoDiagnostics: deps.echoDiagnostics,
        });
      }
      const key = header(request.event, "idempotency-key");
      const idempotency =
        key === undefined
          ? undefined
          : {
              scope: request.caller.keyHash,
              key: parseOrThrow(idempotencyKeyHeader, key, ["Idempotency-Key"]),
              requestHash: createHash("sha256").update(JSON.stringify(body)).digest("hex"),
            };
      const workflowDeps = depsOf(request);
      const { id, replayed } = await submitWorkflow(
        compiled,
        workflowDeps,
        idempotency,
        submitterOf(request.caller),
      );
      const response = json(202, await workflowView(id, workflowDeps));
      if (replayed) response.headers = { ...response.headers, "idempotent-replayed": "true" };
      return response;
    },

    "GET /v1/workflows": async (request) => {
      const query = parseOrThrow(workflowListQuery, request.event.queryStringParameters ?? {});
      const workflowDeps = depsOf(request);
      const page = await workflowDeps.workflows.list(query.limit, query.cursor).catch((error: unknown) => {
        if (error instanceof InvalidCursor)
          throw validationError([{ path: "cursor", message: error.message }]);
        throw error;
      });
      const items = await Promise.all(page.ids.map((id) => workflowView(id, workflowDeps, false)));
      return json(200, { items, nextCursor: page.nextCursor });
    },

    "GET /v1/workflows/{id}": async (request) =>
      json(200, await workflowView(pathParameter(request.event, "id"), depsOf(request))),

    "GET /v1/workflows/{id}/nodes": async (request) => {
      const query = parseOrThrow(workflowNodesQuery, request.event.queryStringParameters ?? {});
      return json(
        200,
        await workflowNodesPage(
          pathParameter(request.event, "id"),
          query.limit,
          Number(query.cursor ?? 0),
          depsOf(request),
        ),
      );
    },

    "POST /v1/workflows/{id}/retry": async (request) =>
      json(202, await retryWorkflow(pathParameter(request.event, "id"), depsOf(request))),

    "POST /v1/workflows/{id}/cancel": async (request) =>
      json(200, await cancelWorkflow(pathParameter(request.event, "id"), depsOf(request))),
  };
}
