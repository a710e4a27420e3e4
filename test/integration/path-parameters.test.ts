/**
 * Integration tier, HTTP only (any endpoint): every path parameter of every
 * route in the route table is checked the same way. A 2 KB id, or one with
 * characters no id has, answers 400 naming the parameter on each route,
 * the Celery-compatible `/api/v1` ones included; never a 5xx (a 2 KB task id
 * on cancel or retry was a key DynamoDB refuses, answered 500).
 */
import { describe, expect, it } from "vitest";
import { apiRoutes } from "../../functions/api/routes.ts";
import { api } from "./api-client.ts";

const routesWithParameters = apiRoutes.filter((route) => route.path.includes("{"));

const badIds: Record<string, string> = {
  "a 2 KB id": "a".repeat(2_048),
  "odd characters": `x<y>"z' é\u0000%`,
  "a space": "has space",
};

interface ErrorBody {
  error?: { code: string; details?: { issues?: { path: string }[] } };
}

describe("path parameters", () => {
  it("the route table has the routes this test is about", () => {
    const keys = routesWithParameters.map((route) => `${route.method} ${route.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        "POST /v1/tasks/{id}/cancel",
        "POST /v1/tasks/{id}/retry",
        "DELETE /v1/keys/{id}",
        "PATCH /v1/schedules/{name}",
        "GET /v1/knowledge-bases/{kb}/search",
        "GET /v1/conversations/{id}",
        "PATCH /v1/workers/{lane}",
        "POST /v1/queues/{lane}/redrive",
        "POST /api/v1/tasks/retry/{task_id}",
        "POST /api/v1/tasks/workers/{queue}/pause",
      ]),
    );
  });

  for (const [label, badId] of Object.entries(badIds)) {
    it(`${label} answers 400 naming the parameter, on every route that takes one`, async () => {
      const answers = await Promise.all(
        routesWithParameters.map(async (route) => {
          const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
          const path = route.path.replace(/\{\w+\}/g, encodeURIComponent(badId));
          // A valid-looking body, so that only the parameter can be at fault.
          const body = route.method === "GET" || route.method === "DELETE" ? undefined : {};
          const response = await api<ErrorBody>(route.method, path, body === undefined ? {} : { body });
          const named = response.body?.error?.details?.issues?.map((issue) => issue.path) ?? [];
          return { route: `${route.method} ${route.path}`, status: response.status, names, named };
        }),
      );
      const wrong = answers
        .filter((answer) => answer.status !== 400 || !answer.named.includes(answer.names[0]!))
        .map((answer) => `${answer.route} -> ${answer.status} naming [${answer.named.join(", ")}]`);
      expect(wrong).toEqual([]);
    });
  }

  it("a well-formed id that names nothing is still a 404", async () => {
    expect((await api("POST", "/v1/tasks/01J0000000000000000000NONE/cancel")).status).toBe(404);
    expect((await api("GET", "/api/v1/tasks/status/no-such-task")).status).toBe(404);
  });
});
