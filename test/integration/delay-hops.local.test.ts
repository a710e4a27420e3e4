/**
 * Integration tier, local only: a delay longer than the longest single queue
 * delay reaches its task in hops. The test runtime caps one hop at 2 s
 * (MAX_DELAY_HOP_SECONDS, global-setup.ts; 900 s on AWS), so a 5 s delay
 * needs at least three sends: the workers' log must show at least two
 * deliveries that sent the message on before the task ran. Local only: it
 * reads the functions' log of the local runtime.
 */
import { expect, it } from "vitest";
import { deliveryOutcomesOf, eventually, submit, waitForStatus } from "./api-client.ts";

it("hops a delay past the single-delay limit, then runs the task once when due", async () => {
  // MAX_DELAY_HOP_SECONDS of the test runtime (global-setup.ts).
  const hopSeconds = 2;
  const delaySeconds = 5;
  expect(delaySeconds).toBeGreaterThan(2 * hopSeconds);
  const accepted = await submit({ type: "echo", input: { value: "hopped" }, delaySeconds });
  const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 20_000);
  expect(done.status).toBe("succeeded");
  expect(done.history.map((entry) => entry.status)).toEqual(["scheduled", "running", "succeeded"]);
  // The worker logs a delivery after recording its outcome: wait for the line of the one that ran it.
  const outcomes = await eventually(
    async () => deliveryOutcomesOf(accepted.id),
    (found) => found.some((entry) => entry.outcome === "succeeded"),
  );
  const hops = outcomes.filter((entry) => entry.outcome === "deferred");
  expect(hops.length).toBeGreaterThanOrEqual(Math.ceil(delaySeconds / hopSeconds) - 1);
  for (const hop of hops) expect(Date.parse(hop.at)).toBeLessThan(Date.parse(accepted.runAt!));
  expect(outcomes.filter((entry) => entry.outcome !== "deferred").map((entry) => entry.outcome)).toEqual([
    "succeeded",
  ]);
  expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(accepted.runAt!));
});
