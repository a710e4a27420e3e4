/**
 * Integration tier, HTTP only (any endpoint): where a large input or result
 * lives is set by the server alone (`inputPayload`, `resultPayload`), so a
 * task's own input or result that looks like a placeholder
 * (`{"$payload": {key, bytes}}`) is shown as it is and makes
 * `GET /v1/tasks/{id}` read no other object: not another task's input, not
 * another task's result.
 */
import { describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { api, submit, waitForStatus } from "./api-client.ts";

const large = (label: string) => ({ label, filler: "z".repeat(9_000) });

describe("payload locations", () => {
  it("a large input and result are kept aside by the server and read back in full", async () => {
    const value = large("mine");
    const accepted = await submit({ type: "echo", input: { value } });
    expect(accepted.inputPayload).toMatchObject({ key: `inputs/${accepted.id}.json` });
    expect(accepted.input).toEqual({ $payload: accepted.inputPayload });
    await waitForStatus(accepted.id, ["succeeded"]);
    const task = (await api<Task>("GET", `/v1/tasks/${accepted.id}`)).body;
    expect(task.input).toMatchObject({ value });
    expect(task.result).toEqual(value);
    expect(task.resultPayload).toMatchObject({ key: `results/${accepted.id}/1.json` });
  });

  it("an input or result that looks like a placeholder is returned verbatim, and no other object is read", async () => {
    // Another caller's large input and result, in the payload bucket under keys that follow from its id.
    const victim = await submit({ type: "echo", input: { value: large("victim's secret") } });
    await waitForStatus(victim.id, ["succeeded"]);

    for (const key of [`inputs/${victim.id}.json`, `results/${victim.id}/1.json`]) {
      const placeholder = { $payload: { key, bytes: 9_050 } };
      const accepted = await submit({ type: "echo", input: { value: placeholder } });
      expect(accepted.inputPayload).toBeUndefined();
      await waitForStatus(accepted.id, ["succeeded"]);
      const response = await api<Task>("GET", `/v1/tasks/${accepted.id}`);
      expect(response.status).toBe(200);
      expect(response.body.input).toMatchObject({ value: placeholder });
      // The echoed result is the placeholder itself, not the victim's payload behind it.
      expect(response.body.result).toEqual(placeholder);
      expect(response.body.resultPayload).toBeUndefined();
      expect(JSON.stringify(response.body)).not.toContain("secret");

      const celery = await api<{ result: unknown }>("GET", `/api/v1/tasks/status/${accepted.id}`);
      expect(celery.body.result).toEqual(placeholder);
    }
  });
});
