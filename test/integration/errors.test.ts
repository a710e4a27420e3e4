/**
 * Integration tier, any endpoint (local runtime or test:remote): what bad
 * requests get. Every 4xx names the field at fault; nothing a client sends
 * produces a 5xx.
 */
import { describe, expect, it } from "vitest";
import { api } from "./api-client.ts";

interface ErrorBody {
  error: { code: string; message: string; details?: { issues: { path: string; message: string }[] } };
}

const pathsOf = (body: ErrorBody) => body.error.details?.issues.map((issue) => issue.path) ?? [];

describe("bad requests", () => {
  it.each([
    ["a missing type", { input: {} }, ["type"]],
    ["an unknown type", { type: "no_such_task" }, ["type"]],
    ["a wrongly typed input field", { type: "echo", input: { sleepMs: "soon" } }, ["input.sleepMs"]],
    ["an unknown input field", { type: "echo", input: { colour: "red" } }, ["input.colour"]],
    ["an unknown top-level field", { type: "echo", urgent: true }, ["urgent"]],
    ["a bad priority", { type: "echo", priority: "urgent" }, ["priority"]],
    [
      "a missing required input field",
      { type: "vectorize_document", input: { documentId: "d" } },
      ["input.knowledgeBaseId"],
    ],
    ["a body that is not an object", [1, 2, 3], [""]],
  ])("rejects %s with 400 naming the field", async (_, body, paths) => {
    const response = await api<ErrorBody>("POST", "/v1/tasks", { body });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("validation_error");
    expect(pathsOf(response.body)).toEqual(paths);
  });

  it("rejects a body that is not JSON with 400", async () => {
    const response = await api<ErrorBody>("POST", "/v1/tasks", {
      rawBody: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/not valid JSON/);
  });

  it("answers 404 for an unknown task id", async () => {
    const response = await api<ErrorBody>("GET", "/v1/tasks/00000000-0000-4000-8000-000000000000");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
  });

  it.each([
    ["POST", "/v1/tasks"],
    ["GET", "/v1/tasks/00000000-0000-4000-8000-000000000000"],
  ])("answers 401 on %s %s without a key or with a wrong one", async (method, path) => {
    const body = method === "POST" ? { type: "echo" } : undefined;
    for (const key of [null, "ct_wrong-key", ""]) {
      const response = await api<ErrorBody>(method, path, { key, body });
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("unauthorized");
    }
    const malformed = await api<ErrorBody>(method, path, {
      key: null,
      body,
      headers: { authorization: "Basic abc" },
    });
    expect(malformed.status).toBe(401);
  });
});
