/**
 * Browser tier: the web monitor in a real browser (headless chromium)
 * against the local runtime: signing in, submitting a task and watching it
 * succeed, cancelling a delayed task, retrying a failed one, pausing and
 * resuming a worker, refusing a wrong key, and saying so when the API lacks
 * a view's routes. Screenshots: test-results/monitor/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { api, submit, target, waitForStatus } from "../integration/api-client.ts";
import { launchBrowser, type MonitorBrowser, screenshot } from "./browser.ts";

let browser: MonitorBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const monitorUrl = () => `${target.url}/monitor`;

/**
 * How long the page may take to show a change: explicit, not vitest's 1 s
 * default, since the monitor refreshes on its own timer and the machine may
 * be busy. A task that must run first gets `runWait`.
 */
const uiWait = { timeout: 10_000 * target.patience, interval: 100 };
const runWait = { timeout: 20_000 * target.patience, interval: 200 };

async function signIn(page: Page, key = target.apiKey): Promise<void> {
  await page.goto(monitorUrl());
  await page.fill("#api-key", key);
  await page.click("#signin-form button[type=submit]");
}

async function signedIn(): Promise<Page> {
  const page = await browser.newPage();
  await signIn(page);
  await page.waitForSelector("#status-counts");
  return page;
}

/** The task id of the task view the page shows. */
const shownTaskId = (page: Page) =>
  page.evaluate<string>('decodeURIComponent(location.hash.slice("#task/".length))');

const statusOf = (page: Page) => page.locator('#task-detail [data-field="status"]');

describe("web monitor", () => {
  it("refuses a wrong API key and keeps nothing", async () => {
    const page = await browser.newPage();
    await signIn(page, "ct_not-a-key-of-this-deployment");
    await expect.poll(() => page.textContent("#signin-error"), uiWait).toContain("not accepted");
    expect(await page.isVisible("#view")).toBe(false);
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    await screenshot(page, "wrong-key");
    await page.close();
  });

  it("signs in with a key held in the tab's session only, and shows counts, charts and lanes", async () => {
    await submit({ type: "echo", input: { value: "for the overview" } });
    const page = await signedIn();
    expect(await page.evaluate(() => sessionStorage.getItem("claw-tasks.apiKey"))).toBe(target.apiKey);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect((await browser.context.cookies()).length).toBe(0);
    await expect.poll(() => page.locator("#status-counts .card").count(), uiWait).toBe(8);
    await expect
      .poll(() => page.locator("svg[aria-label='tasks per minute'] rect").count(), uiWait)
      .toBeGreaterThan(0);
    await expect.poll(() => page.locator("#lanes tbody tr").count(), uiWait).toBe(4);
    await screenshot(page, "overview");

    // A new tab is a new session: signed out.
    const other = await browser.newPage();
    await other.goto(monitorUrl());
    expect(await other.isVisible("#signin")).toBe(true);
    await other.close();
    await page.close();
  });

  it("submits a task and shows it reach succeeded, with its result and attempt timeline", async () => {
    const page = await signedIn();
    await page.click("a[data-view=tasks]");
    await page.waitForSelector("#submit-form");
    await page.selectOption("#submit-type", "echo");
    await page.fill("#submit-input", '{"value": "from the monitor", "sleepMs": 300, "progressSteps": 2}');
    await page.click("#submit-form button[type=submit]");
    await page.waitForSelector("#task-detail");
    await expect.poll(() => statusOf(page).textContent(), runWait).toBe("succeeded");
    const id = await shownTaskId(page);
    expect((await api<Task>("GET", `/v1/tasks/${id}`)).body).toMatchObject({
      status: "succeeded",
      input: { value: "from the monitor" },
    });
    await expect.poll(() => page.textContent("main"), uiWait).toContain('"from the monitor"');
    const timeline = await page.locator("#timeline .badge").allTextContents();
    expect(timeline).toEqual(["queued", "running", "succeeded"]);
    expect(await page.isDisabled("#cancel-task")).toBe(true);
    await screenshot(page, "task-succeeded");

    // The task list shows it, filtered by status and type.
    await page.click("a[data-view=tasks]");
    await page.selectOption("#filter-status", "succeeded");
    await page.selectOption("#filter-type", "echo");
    await expect.poll(() => page.locator(`#tasks tr[data-task="${id}"]`).count(), uiWait).toBe(1);
    await page.close();
  });

  it("cancels a delayed task", async () => {
    const page = await signedIn();
    await page.click("a[data-view=tasks]");
    await page.waitForSelector("#submit-form");
    await page.fill("#submit-input", '{"value": "later"}');
    await page.fill("#submit-delay", "3600");
    await page.click("#submit-form button[type=submit]");
    await page.waitForSelector("#task-detail");
    await expect.poll(() => statusOf(page).textContent(), uiWait).toBe("scheduled");
    await page.click("#cancel-task");
    await expect.poll(() => statusOf(page).textContent(), uiWait).toBe("cancelled");
    const id = await shownTaskId(page);
    expect((await api<Task>("GET", `/v1/tasks/${id}`)).body.status).toBe("cancelled");
    expect(await page.isEnabled("#retry-task")).toBe(true);
    await screenshot(page, "task-cancelled");
    await page.close();
  });

  it("retries a failed task from its page", async () => {
    const failed = await submit({ type: "echo", input: { value: "x", fail: "permanent" } });
    await waitForStatus(failed.id, ["failed"]);
    const page = await signedIn();
    await page.goto(`${monitorUrl()}#task/${failed.id}`);
    await expect.poll(() => statusOf(page).textContent(), uiWait).toBe("failed");
    await page.click("#retry-task");
    // Queued again under its id; the same permanent failure ends it failed again, after a second run.
    await expect
      .poll(async () => (await api<Task>("GET", `/v1/tasks/${failed.id}`)).body.history.length, runWait)
      .toBeGreaterThanOrEqual(6);
    await page.close();
  });

  it("pauses and resumes a lane's worker", async () => {
    const lane = "notification_default";
    const enabled = async () =>
      (await api<{ items: { lane: string; enabled: boolean }[] }>("GET", "/v1/workers")).body.items.find(
        (item) => item.lane === lane,
      )?.enabled;
    const page = await signedIn();
    try {
      await page.click("a[data-view=workers]");
      const row = page.locator(`#workers tr[data-lane="${lane}"]`);
      await row.getByRole("button", { name: "Pause" }).click();
      await expect.poll(() => row.locator(".badge").textContent(), uiWait).toBe("paused");
      expect(await enabled()).toBe(false);
      await screenshot(page, "worker-paused");
      await row.getByRole("button", { name: "Resume" }).click();
      await expect.poll(() => row.locator(".badge").textContent(), uiWait).toBe("running");
      expect(await enabled()).toBe(true);
    } finally {
      // Other tests use this lane: never leave it paused.
      await api("PATCH", `/v1/workers/${lane}`, { body: { enabled: true } });
      await page.close();
    }
  });

  it("says a view is not available when the API lacks its routes", async () => {
    const page = await signedIn();
    // Fault injection: answer as an API without worker or schedule routes would.
    await page.route(/\/v1\/(workers|schedules)/, (route) =>
      route.fulfill({ status: 404, contentType: "application/json", body: '{"message":"Not Found"}' }),
    );
    await page.click("a[data-view=workers]");
    await expect.poll(() => page.textContent("#not-available"), uiWait).toContain("not available");
    await page.click("a[data-view=schedules]");
    await expect.poll(() => page.textContent("#not-available"), uiWait).toContain("Schedules");
    await page.close();
  });

  it("ran every page without script errors or policy violations", () => {
    expect(browser.pageErrors).toEqual([]);
  });
});
