/**
 * Browser tier: the web monitor in a real browser (headless chromium)
 * against the local runtime: signing in, submitting a task and watching it
 * succeed, cancelling a delayed task, retrying a failed one, pausing and
 * resuming a worker, refusing a wrong key, and saying so when the API lacks
 * a view's routes; the task list's filters, order and selected task in the
 * URL, finding a task by id, durations and sorting, actions shown only to
 * keys whose scopes allow them, retrying the failed tasks a filter shows,
 * and editing schedules and rate limits; workflows as a graph of their nodes
 * (statuses, edges, live refresh, a node opening its task, cancel, a wide
 * layer wrapped). Screenshots: test-results/monitor/.
 *
 * Every wait names its timeout: vitest's default for `expect.poll` is 1 s,
 * too short for a task to run on two shared cores.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import type { WorkflowNodeView, WorkflowView } from "../../functions/core/workflow.ts";
import { api, target, waitForStatus } from "../integration/api-client.ts";
import { launchBrowser, type MonitorBrowser, screenshot } from "./browser.ts";

/** How long any one wait in these tests may take (the build machines' two cores are shared). */
const patience = { timeout: 30_000 };
/** How long a task may take to reach a status (queues are polled on the same loaded cores). */
const taskMs = 60_000;
/** How long one test of several steps, each with its own waits, may take in all. */
const longTest = 180_000;

let browser: MonitorBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const monitorUrl = () => `${target.url}/monitor`;

async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  // Playwright's own waits (clicks, selectors) get the same bound as the polls.
  page.setDefaultTimeout(patience.timeout);
  return page;
}

async function signIn(page: Page, key = target.apiKey): Promise<void> {
  await page.goto(monitorUrl());
  await page.fill("#api-key", key);
  await page.click("#signin-form button[type=submit]");
}

async function signedIn(key = target.apiKey): Promise<Page> {
  const page = await newPage();
  await signIn(page, key);
  try {
    // Sign-in and the first overview are three API calls; on a runtime just started on a loaded machine
    // they have taken over 30 s, so this one wait gets twice the usual.
    await page.waitForSelector("#status-counts", { timeout: 2 * patience.timeout });
  } catch (error) {
    await screenshot(page, "sign-in-failed");
    throw error;
  }
  return page;
}

/** Waits until the view drawn is the one the URL names (not the one before a click or a link). */
const drawn = (page: Page) =>
  // A poll of an evaluation, not waitForFunction: that one compiles its text in the page, which the CSP forbids.
  expect
    .poll(
      () => page.evaluate<boolean>('document.getElementById("view").dataset.shown === location.hash'),
      patience,
    )
    .toBe(true);

/** Opens a view of the monitor by its hash, as a link would, and waits until it is drawn. */
async function open(page: Page, hash: string): Promise<void> {
  await page.goto(`${monitorUrl()}#${hash}`);
  await drawn(page);
}

/** The task id of the task view the page shows. */
const shownTaskId = (page: Page) =>
  page.evaluate<string>('decodeURIComponent(location.hash.slice("#task/".length).split("?")[0])');

const hashOf = (page: Page) => page.evaluate<string>("location.hash");

const statusOf = (page: Page) => page.locator('#task-detail [data-field="status"]');

/** The ids of the task list's rows, top to bottom. */
const rowIds = (page: Page) =>
  page.evaluate<string[]>('[...document.querySelectorAll("#tasks tbody tr")].map((row) => row.dataset.task)');

async function createKey(scopes: string[]): Promise<{ name: string; key: string }> {
  const name = `monitor ${scopes.join(" ")} ${randomUUID().slice(0, 8)}`;
  const response = await api<{ key: string }>("POST", "/v1/keys", { body: { name, scopes } });
  expect(response.status).toBe(201);
  return { name, key: response.body.key };
}

/**
 * Submits a task as a careful client does: a 503 (the local API function timed
 * out, which happens when the machine is loaded) is asked again with the same
 * Idempotency-Key, so a retry never makes a second task.
 */
async function submit(body: unknown): Promise<Task> {
  const headers = { "Idempotency-Key": randomUUID() };
  for (let attempt = 1; ; attempt++) {
    const response = await api<Task>("POST", "/v1/tasks", { body, headers });
    if (response.status === 202) return response.body;
    if (response.status !== 503 || attempt === 5)
      throw new Error(`submit answered ${response.status}: ${JSON.stringify(response.body)}`);
    await sleep(1000 * attempt);
  }
}

/** Submits a workflow, asking again with the same Idempotency-Key after a 503 (as `submit` does). */
async function submitWorkflow(body: unknown): Promise<WorkflowView> {
  const headers = { "Idempotency-Key": randomUUID() };
  for (let attempt = 1; ; attempt++) {
    const response = await api<WorkflowView>("POST", "/v1/workflows", { body, headers });
    if (response.status === 202) return response.body;
    if (response.status !== 503 || attempt === 5)
      throw new Error(`workflow submit answered ${response.status}: ${JSON.stringify(response.body)}`);
    await sleep(1000 * attempt);
  }
}

/** A workflow's nodes as the API gives them (one page holds every node of these tests' workflows). */
async function nodesOf(id: string): Promise<WorkflowNodeView[]> {
  const response = await api<{ items: WorkflowNodeView[] }>("GET", `/v1/workflows/${id}/nodes?limit=1000`);
  expect(response.status).toBe(200);
  return response.body.items;
}

/** The status each node of the graph shows, by node id. */
const nodeStatuses = (page: Page) =>
  page.evaluate<Record<string, string>>(
    'Object.fromEntries([...document.querySelectorAll("#workflow-graph [data-node]")].map((node) => [node.dataset.node, node.dataset.status]))',
  );

/** Where each node of the graph is on the page, by node id. */
const nodeBoxes = (page: Page) =>
  page.evaluate<Record<string, { x: number; y: number; height: number }>>(
    'Object.fromEntries([...document.querySelectorAll("#workflow-graph [data-node]")].map((node) => { const box = node.getBoundingClientRect(); return [node.dataset.node, { x: box.x, y: box.y, height: box.height }]; }))',
  );

/** How long a workflow of a few nodes may take to reach a state (each node is a task on the loaded cores). */
const workflowWait = { timeout: 90_000 };

/** A duration as the monitor writes it: 420 ms, 12.3 s, 4 min 12 s, 2.5 h. */
const durationText = /^(\d+ ms|\d+\.\d s|\d+ min \d+ s|\d+\.\d h)$/;

/** A tag no other test uses, so a filter on it shows only this test's tasks. */
const runTag = () => ({ run: randomUUID().slice(0, 12) });

describe("web monitor", { timeout: longTest }, () => {
  it("refuses a wrong API key and keeps nothing", async () => {
    const page = await newPage();
    await signIn(page, "ct_not-a-key-of-this-deployment");
    await expect.poll(() => page.textContent("#signin-error"), patience).toContain("not accepted");
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
    await expect.poll(() => page.locator("#status-counts .card").count(), patience).toBe(8);
    await expect
      .poll(() => page.locator("svg[aria-label='tasks per minute'] rect").count(), patience)
      .toBeGreaterThan(0);
    await expect.poll(() => page.locator("#lanes tbody tr").count(), patience).toBe(4);
    await screenshot(page, "overview");

    // A status card links to the task list filtered by it.
    await page.click('#status-counts [data-status="succeeded"]');
    await expect.poll(() => hashOf(page), patience).toBe("#tasks?status=succeeded");
    await expect.poll(() => page.inputValue("#filter-status"), patience).toBe("succeeded");

    // A new tab is a new session: signed out.
    const other = await newPage();
    await other.goto(monitorUrl());
    expect(await other.isVisible("#signin")).toBe(true);
    await other.close();
    await page.close();
  });

  it("submits a task and shows it reach succeeded, with its result, duration and attempt timeline", async () => {
    const page = await signedIn();
    await page.click("a[data-view=tasks]");
    await page.click("#submit-panel summary");
    await page.waitForSelector("#submit-form");
    await page.selectOption("#submit-type", "echo");
    await page.fill("#submit-input", '{"value": "from the monitor", "sleepMs": 300, "progressSteps": 2}');
    await page.click("#submit-form button[type=submit]");
    await page.waitForSelector("#task-detail");
    await expect.poll(() => statusOf(page).textContent(), patience).toBe("succeeded");
    const id = await shownTaskId(page);
    expect((await api<Task>("GET", `/v1/tasks/${id}`)).body).toMatchObject({
      status: "succeeded",
      input: { value: "from the monitor" },
    });
    await expect.poll(() => page.textContent("main"), patience).toContain('"from the monitor"');
    const timeline = await page.locator("#timeline .badge").allTextContents();
    expect(timeline).toEqual(["queued", "running", "succeeded"]);
    expect(await page.isDisabled("#cancel-task")).toBe(true);
    // It slept 300 ms: the duration says at least that.
    expect(await page.textContent('#task-detail [data-field="duration"]')).toMatch(
      /^(\d{3} ms|\d+\.\d s|\d+ min \d+ s)$/,
    );
    await screenshot(page, "task-succeeded");

    // The task list shows it, filtered by status and type.
    await page.click("a[data-view=tasks]");
    await page.selectOption("#filter-status", "succeeded");
    await page.selectOption("#filter-type", "echo");
    await expect.poll(() => hashOf(page), patience).toBe("#tasks?status=succeeded&type=echo");
    await expect.poll(() => page.locator(`#tasks tr[data-task="${id}"]`).count(), patience).toBe(1);
    await page.close();
  });

  it("keeps the task list's filters, order and selected task in the URL, so a link opens the same view", async () => {
    const tag = runTag();
    const failed = await submit({ type: "echo", input: { fail: "permanent" }, tags: tag });
    const succeeded = await submit({ type: "echo", input: { value: 1 }, tags: tag });
    await waitForStatus(failed.id, ["failed"], taskMs);
    await waitForStatus(succeeded.id, ["succeeded"], taskMs);
    const page = await signedIn();

    // A link with filters opens the list filtered, its controls showing the filters.
    await open(page, `tasks?status=failed&tag=run:${tag.run}`);
    await expect.poll(() => rowIds(page), patience).toEqual([failed.id]);
    expect(await page.inputValue("#filter-status")).toBe("failed");
    expect(await page.inputValue("#filter-tag")).toBe(`run:${tag.run}`);

    // Changing a filter changes the URL; reloading the page keeps the view.
    await page.selectOption("#filter-status", "");
    await page.selectOption("#filter-type", "echo");
    await expect.poll(() => hashOf(page), patience).toBe(`#tasks?type=echo&tag=run%3A${tag.run}`);
    await drawn(page);
    await expect.poll(() => rowIds(page), patience).toEqual([succeeded.id, failed.id]);
    await page.click('#tasks button[data-sort="status"]');
    await expect.poll(() => hashOf(page), patience).toContain("sort=status&order=asc");
    await drawn(page);
    await expect.poll(() => rowIds(page), patience).toEqual([succeeded.id, failed.id]);
    await page.reload();
    await drawn(page);
    await expect.poll(() => rowIds(page), patience).toEqual([succeeded.id, failed.id]);
    expect(await page.inputValue("#filter-type")).toBe("echo");

    // The selected task is in the URL with the list it came from; going back returns to that list.
    await page.click(`#tasks tr[data-task="${failed.id}"]`);
    await expect.poll(() => statusOf(page).textContent(), patience).toBe("failed");
    const selected = await hashOf(page);
    expect(selected).toBe(`#task/${failed.id}?type=echo&tag=run%3A${tag.run}&sort=status&order=asc`);
    const linked = await signedIn();
    await open(linked, selected.slice(1));
    await expect.poll(() => statusOf(linked).textContent(), patience).toBe("failed");
    await linked.close();
    await page.click("#back-to-list");
    await expect
      .poll(() => hashOf(page), patience)
      .toBe(`#tasks?type=echo&tag=run%3A${tag.run}&sort=status&order=asc`);
    await expect.poll(() => rowIds(page), patience).toEqual([succeeded.id, failed.id]);
    await page.close();
  });

  it("finds a task by its id, and says so when no task has it", async () => {
    const task = await submit({ type: "echo", input: { value: "find me" }, delaySeconds: 3600 });
    const page = await signedIn();
    await page.fill("#find-id", ` ${task.id} `);
    await page.press("#find-id", "Enter");
    await expect.poll(() => page.textContent('#task-detail [data-field="id"]'), patience).toBe(task.id);
    expect(await hashOf(page)).toBe(`#task/${task.id}`);

    const unknown = randomUUID();
    await page.fill("#find-id", unknown);
    await page.press("#find-id", "Enter");
    await expect.poll(() => page.textContent("#task-not-found"), patience).toContain(unknown);
    await api("POST", `/v1/tasks/${task.id}/cancel`);
    await page.close();
  });

  it("shows how long each task ran, and sorts the list by it", async () => {
    const tag = runTag();
    const sleeps = [900, 50, 400];
    const tasks: Task[] = [];
    for (const sleepMs of sleeps) tasks.push(await submit({ type: "echo", input: { sleepMs }, tags: tag }));
    const done = [];
    for (const task of tasks) done.push(await waitForStatus(task.id, ["succeeded"], taskMs));
    // The order to expect follows from the records (on loaded machines, overheads can outweigh the sleeps).
    const ranMs = (task: Task) => Date.parse(task.finishedAt!) - Date.parse(task.startedAt!);
    for (const [index, task] of done.entries()) expect(ranMs(task)).toBeGreaterThanOrEqual(sleeps[index]!);
    const byDuration = [...done].sort((a, b) => ranMs(a) - ranMs(b)).map((task) => task.id);
    const page = await signedIn();
    await open(page, `tasks?tag=run:${tag.run}`);
    // Newest first by default.
    await expect.poll(() => rowIds(page), patience).toEqual(tasks.map((task) => task.id).reverse());
    const durations = await page.locator('#tasks td[data-field="duration"]').allTextContents();
    expect(durations.every((text) => durationText.test(text))).toBe(true);

    await page.click('#tasks button[data-sort="duration"]');
    await expect.poll(() => rowIds(page), patience).toEqual(byDuration);
    expect(await hashOf(page)).toContain("sort=duration&order=asc");
    await page.click('#tasks button[data-sort="duration"]');
    await expect.poll(() => rowIds(page), patience).toEqual([...byDuration].reverse());
    expect(await page.getAttribute("#tasks th[aria-sort] button", "data-sort")).toBe("duration");
    await screenshot(page, "tasks-by-duration");
    await page.close();
  });

  it("shows a key only the actions its scopes allow, and never provokes a 403", async () => {
    const waiting = await submit({ type: "echo", delaySeconds: 3600 });
    const reader = await createKey(["read"]);
    const submitter = await createKey(["read", "submit"]);
    const forbidden: string[] = [];
    const visit = async (key: string) => {
      const page = await signedIn(key);
      page.on("response", (response) => response.status() === 403 && forbidden.push(response.url()));
      return page;
    };
    // What each view shows of its actions: [selector, shown to read, to read+submit, to admin].
    const actions: [string, string, boolean, boolean, boolean][] = [
      ["tasks", "#submit-form", false, true, true],
      [`task/${waiting.id}`, "#cancel-task", false, true, true],
      ["workers", "#workers button", false, false, true],
      ["lanes", "#lanes button", false, false, true],
      ["schedules", "#new-schedule-form", false, false, true],
      ["rate-limits", "#rate-limits form", false, false, true],
    ];
    for (const [index, key] of [reader.key, submitter.key, target.apiKey].entries()) {
      const page = await visit(key);
      for (const [view, selector, ...shown] of actions) {
        await open(page, view);
        // The view is drawn (open waits for it): the action is there, or not.
        await drawn(page);
        const count = await page.locator(selector).count();
        expect(count > 0, `${selector} in ${view}`).toBe(shown[index]);
      }
      if (index === 0) await screenshot(page, "read-only-key");
      await page.close();
    }
    expect(forbidden).toEqual([]);

    // The header names the key and its scopes.
    const page = await visit(reader.key);
    await expect.poll(() => page.textContent("#whoami .name"), patience).toBe(reader.name);
    expect(await page.textContent("#whoami .scopes")).toBe("default · read");
    await page.close();

    // A key that cannot read is refused at sign-in, saying why.
    const writer = await createKey(["submit"]);
    const refused = await newPage();
    await signIn(refused, writer.key);
    await expect.poll(() => refused.textContent("#signin-error"), patience).toContain("needs read");
    expect(await refused.evaluate(() => sessionStorage.length)).toBe(0);
    await refused.close();
    await api("POST", `/v1/tasks/${waiting.id}/cancel`);
  });

  it("cancels a delayed task", async () => {
    const page = await signedIn();
    await page.click("a[data-view=tasks]");
    await page.click("#submit-panel summary");
    await page.waitForSelector("#submit-form");
    await page.fill("#submit-input", '{"value": "later"}');
    await page.fill("#submit-delay", "3600");
    await page.click("#submit-form button[type=submit]");
    await page.waitForSelector("#task-detail");
    await expect.poll(() => statusOf(page).textContent(), patience).toBe("scheduled");
    await page.click("#cancel-task");
    await expect.poll(() => statusOf(page).textContent(), patience).toBe("cancelled");
    const id = await shownTaskId(page);
    expect((await api<Task>("GET", `/v1/tasks/${id}`)).body.status).toBe("cancelled");
    expect(await page.isEnabled("#retry-task")).toBe(true);
    await screenshot(page, "task-cancelled");
    await page.close();
  });

  it("retries a failed task from its page", async () => {
    const failed = await submit({ type: "echo", input: { value: "x", fail: "permanent" } });
    await waitForStatus(failed.id, ["failed"], taskMs);
    const page = await signedIn();
    await open(page, `task/${failed.id}`);
    await expect.poll(() => statusOf(page).textContent(), patience).toBe("failed");
    await page.click("#retry-task");
    // Queued again under its id; the same permanent failure ends it failed again, after a second run.
    await expect
      .poll(async () => (await api<Task>("GET", `/v1/tasks/${failed.id}`)).body.history.length, patience)
      .toBeGreaterThanOrEqual(6);
    await page.close();
  });

  it("retries the failed tasks a filter shows, and no others", async () => {
    const tag = runTag();
    const failing = { type: "echo", input: { fail: "permanent" } };
    const shown = [await submit({ ...failing, tags: tag }), await submit({ ...failing, tags: tag })];
    const succeeded = await submit({ type: "echo", input: { value: 1 }, tags: tag });
    const elsewhere = await submit({ ...failing, tags: runTag() });
    for (const task of [...shown, elsewhere]) await waitForStatus(task.id, ["failed"], taskMs);
    await waitForStatus(succeeded.id, ["succeeded"], taskMs);
    const page = await signedIn();
    await open(page, `tasks?tag=run:${tag.run}`);
    await expect
      .poll(() => page.textContent("#retry-failed"), patience)
      .toBe("Retry the 2 failed tasks shown");
    page.once("dialog", (dialog) => dialog.accept());
    await page.click("#retry-failed");
    await expect.poll(() => page.textContent("#toast"), patience).toContain("Queued again: 2 of 2.");
    // Queued again under their ids, each failed again after a second run (queued, running, failed twice).
    const historyOf = async (task: Task) =>
      (await api<Task>("GET", `/v1/tasks/${task.id}`)).body.history.length;
    for (const task of shown) await expect.poll(() => historyOf(task), patience).toBe(6);
    expect(await historyOf(succeeded)).toBe(3);
    expect(await historyOf(elsewhere)).toBe(3);
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
      await expect.poll(() => row.locator(".badge").textContent(), patience).toBe("paused");
      expect(await enabled()).toBe(false);
      await screenshot(page, "worker-paused");
      await row.getByRole("button", { name: "Resume" }).click();
      await expect.poll(() => row.locator(".badge").textContent(), patience).toBe("running");
      expect(await enabled()).toBe(true);
    } finally {
      // Other tests use this lane: never leave it paused.
      await api("PATCH", `/v1/workers/${lane}`, { body: { enabled: true } });
      await page.close();
    }
  });

  it("creates, edits, disables and deletes a schedule", async () => {
    const name = `monitor-${randomUUID().slice(0, 8)}`;
    const stored = async () =>
      api<{ expression: string; enabled: boolean; description?: string }>("GET", `/v1/schedules/${name}`);
    const page = await signedIn();
    try {
      await page.click("a[data-view=schedules]");
      await page.fill("#new-name", name);
      await page.fill("#new-expression", "sometimes");
      await page.click("#new-schedule-form button[type=submit]");
      // The API's answer names the field to fix.
      await expect.poll(() => page.textContent("#new-error"), patience).toContain("expression");

      await page.fill("#new-expression", "rate(1 hour)");
      await page.selectOption("#new-type", "echo");
      await page.fill("#new-input", '{"value": "scheduled"}');
      await page.click("#new-schedule-form button[type=submit]");
      const row = page.locator(`#schedules tr[data-schedule="${name}"]`);
      await expect.poll(() => row.count(), patience).toBe(1);
      expect((await stored()).body).toMatchObject({ expression: "rate(1 hour)", enabled: true });

      await row.getByRole("button", { name: "Edit" }).click();
      await expect.poll(() => hashOf(page), patience).toBe(`#schedules?edit=${name}`);
      await page.fill("#edit-expression", "rate(2 hours)");
      await page.fill("#edit-description", "edited in the monitor");
      await page.click("#edit-schedule-form button[type=submit]");
      await expect.poll(async () => (await stored()).body.expression, patience).toBe("rate(2 hours)");
      expect((await stored()).body.description).toBe("edited in the monitor");
      await expect.poll(() => row.locator("td.mono").textContent(), patience).toBe("rate(2 hours)");
      await screenshot(page, "schedules");

      await row.getByRole("button", { name: "Disable" }).click();
      await expect.poll(async () => (await stored()).body.enabled, patience).toBe(false);
      page.once("dialog", (dialog) => dialog.accept());
      await row.getByRole("button", { name: "Delete" }).click();
      await expect.poll(async () => (await stored()).status, patience).toBe(404);
      await expect.poll(() => row.count(), patience).toBe(0);
    } finally {
      await api("DELETE", `/v1/schedules/${name}`);
      await page.close();
    }
  });

  it("sets a task type's rate limit and resets it to the catalog's", async () => {
    // A type no other browser test submits, so its limit disturbs nothing.
    const type = "delete_knowledge_vectors";
    const limitOf = async () =>
      (
        await api<{ items: { type: string; perMinute: number | null; source: string }[] }>(
          "GET",
          "/v1/rate-limits",
        )
      ).body.items.find((item) => item.type === type);
    const page = await signedIn();
    try {
      await page.click("a[data-view=rate-limits]");
      const row = page.locator(`#rate-limits tr[data-type="${type}"]`);
      await row.locator("input").fill("42");
      await row.getByRole("button", { name: "Set" }).click();
      await expect.poll(async () => (await limitOf())?.perMinute, patience).toBe(42);
      await expect
        .poll(() => row.locator('[data-field="perMinute"]').textContent(), patience)
        .toBe("42 / min");
      await row.getByRole("button", { name: "Reset" }).click();
      await expect.poll(async () => (await limitOf())?.source, patience).toBe("catalog");
      await expect.poll(() => row.getByRole("button", { name: "Reset" }).count(), patience).toBe(0);
    } finally {
      await api("DELETE", `/v1/rate-limits/${type}`);
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
    await expect.poll(() => page.textContent("#not-available"), patience).toContain("not available");
    await page.click("a[data-view=schedules]");
    await expect.poll(() => page.textContent("#not-available"), patience).toContain("Schedules");
    await page.close();
  });

  it("lists workflows and shows one as a graph: a node per node, an edge per `after`, each node's status, live", async () => {
    const page = await signedIn();
    // A chord whose slow header node keeps the body waiting for a while, and whose failing one is tolerated.
    const submitted = await submitWorkflow({
      workflow: {
        chord: {
          header: [
            { type: "echo", input: { value: 1, sleepMs: 5000 } },
            { type: "echo", input: { value: 2, fail: "permanent" } },
            { type: "echo", input: { value: 3 } },
          ],
          body: { type: "echo", input: {}, resultInto: "value" },
        },
      },
      failurePolicy: { mode: "allow_failures", maxFailures: 1 },
    });

    // The list shows it, newest first, and opens it.
    await open(page, "workflows");
    const row = page.locator(`#workflows tr[data-workflow="${submitted.id}"]`);
    await expect.poll(() => row.count(), patience).toBe(1);
    expect(await row.locator(".badge").textContent()).toBe("running");
    await row.click();
    await expect.poll(() => hashOf(page), patience).toBe(`#workflow/${submitted.id}`);
    await drawn(page);

    // While the slow header node runs, the body waits: drawn as waiting, below the three header nodes.
    await expect.poll(() => nodeStatuses(page), patience).toMatchObject({ n3: "waiting" });
    expect(await page.locator("#workflow-graph [data-node]").count()).toBe(4);
    expect(await page.locator("#workflow-graph .edge").count()).toBe(3);
    const boxes = await nodeBoxes(page);
    expect(new Set(["n0", "n1", "n2"].map((id) => boxes[id]!.y)).size).toBe(1);
    expect(boxes.n3!.y).toBeGreaterThan(boxes.n0!.y + boxes.n0!.height);
    expect(await page.textContent("#workflow-detail [data-field=status]")).toBe("running");

    // Live refresh brings the final statuses, the same as the API's.
    await expect
      .poll(() => page.textContent("#workflow-detail [data-field=status]"), workflowWait)
      .toBe("succeeded");
    const nodes = await nodesOf(submitted.id);
    expect(Object.fromEntries(nodes.map((node) => [node.id, node.status]))).toEqual({
      n0: "succeeded",
      n1: "failed",
      n2: "succeeded",
      n3: "succeeded",
    });
    await expect
      .poll(() => nodeStatuses(page), patience)
      .toEqual(Object.fromEntries(nodes.map((node) => [node.id, node.status])));
    expect(await page.locator("#workflow-graph .edge").count()).toBe(
      nodes.reduce((sum, node) => sum + node.after.length, 0),
    );
    for (const node of nodes) {
      const drawnNode = page.locator(`#workflow-graph [data-node="${node.id}"]`);
      expect(await drawnNode.locator(".status").textContent()).toBe(node.status);
      expect(await drawnNode.getAttribute("class")).toContain(`st-${node.status}`);
    }
    expect(await page.textContent("#workflow-legend [data-status=failed]")).toBe("failed 1");
    expect(await page.textContent("#workflow-counts [data-count=succeeded] .value")).toBe("3");
    // The body got the tolerated failure wrapped, and that is the workflow's result.
    expect(await page.textContent("#workflow-result")).toContain('"ok": false');
    // A read-only view of an ended workflow: no Cancel.
    expect(await page.locator("#cancel-workflow").count()).toBe(0);
    await screenshot(page, "workflow-graph");

    // A node opens its task, and the task links back to its workflow.
    await page.click('#workflow-graph [data-node="n1"]');
    await expect.poll(() => shownTaskId(page), patience).toBe(`${submitted.id}.n1`);
    await expect.poll(() => statusOf(page).textContent(), patience).toBe("failed");
    expect(await page.textContent("#task-workflow")).toContain("node n1");
    await page.click("#task-workflow");
    await expect.poll(() => hashOf(page), patience).toBe(`#workflow/${submitted.id}`);
    await drawn(page);
    await expect.poll(() => page.locator("#workflow-graph [data-node]").count(), patience).toBe(4);

    // The find box, given a workflow's id, offers the workflow.
    await page.fill("#find-id", submitted.id);
    await page.press("#find-id", "Enter");
    await page.click("#open-workflow");
    await expect.poll(() => hashOf(page), patience).toBe(`#workflow/${submitted.id}`);
    await page.close();
  });

  it("cancels a running workflow from its page, shown only to keys that may submit", async () => {
    const page = await signedIn();
    const submitted = await submitWorkflow({
      workflow: {
        chain: [
          { type: "echo", input: { value: "slow", sleepMs: 30_000 } },
          { type: "echo", input: {}, resultInto: "value" },
        ],
      },
    });
    await open(page, `workflow/${submitted.id}`);
    await expect.poll(() => nodeStatuses(page), workflowWait).toEqual({ n0: "running", n1: "waiting" });
    expect(await page.locator("#workflow-graph .edge").count()).toBe(1);
    await screenshot(page, "workflow-running");

    // A read-only key sees the same graph, and no Cancel.
    const reader = await createKey(["read"]);
    const readOnly = await signedIn(reader.key);
    await open(readOnly, `workflow/${submitted.id}`);
    await expect.poll(() => readOnly.locator("#workflow-graph [data-node]").count(), patience).toBe(2);
    expect(await readOnly.locator("#cancel-workflow").count()).toBe(0);
    await readOnly.close();

    page.once("dialog", (dialog) => dialog.accept());
    await page.click("#cancel-workflow");
    await expect
      .poll(() => page.textContent("#workflow-detail [data-field=status]"), patience)
      .toBe("cancelled");
    expect((await api<WorkflowView>("GET", `/v1/workflows/${submitted.id}`)).body.status).toBe("cancelled");
    // The running node ends through its AbortSignal; the one after it is never created.
    await expect.poll(() => nodeStatuses(page), workflowWait).toEqual({ n0: "cancelled", n1: "skipped" });
    expect((await nodesOf(submitted.id)).map((node) => node.status)).toEqual(["cancelled", "skipped"]);
    expect(await page.locator("#cancel-workflow").count()).toBe(0);
    await screenshot(page, "workflow-cancelled");
    await page.close();
  });

  it("wraps a wide layer and reads every page of nodes", async () => {
    const items = Array.from({ length: 210 }, (_, index) => index);
    const submitted = await submitWorkflow({
      workflow: {
        chain: [
          { map: { items, task: { type: "echo", input: {} }, itemInto: "value" } },
          { type: "echo", input: {}, resultInto: "value" },
        ],
      },
    });
    try {
      const page = await signedIn();
      await open(page, `workflow/${submitted.id}`);
      // 211 nodes: more than one page of the monitor's node reads (200).
      await expect.poll(() => page.locator("#workflow-graph [data-node]").count(), patience).toBe(211);
      expect(await page.locator("#workflow-graph .edge").count()).toBe(210);
      const boxes = await nodeBoxes(page);
      const rows = new Set(items.map((index) => boxes[`n${index}`]!.y));
      expect(rows.size).toBeGreaterThan(10);
      // Wrapped to the view's width: nothing to scroll sideways, and the last node below every mapped one.
      const overflow = await page.evaluate<number>(
        'document.querySelector(".graph").scrollWidth - document.querySelector(".graph").clientWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      expect(boxes.n210!.y).toBeGreaterThan(Math.max(...rows));
      // A live refresh redraws the graph where the operator had scrolled it.
      await page.evaluate('document.querySelector(".graph").scrollTop = 400');
      const updated = await page.textContent("#updated");
      await expect.poll(() => page.textContent("#updated"), patience).not.toBe(updated);
      await drawn(page);
      expect(await page.evaluate<number>('document.querySelector(".graph").scrollTop')).toBe(400);
      await screenshot(page, "workflow-wide");
      await page.close();
    } finally {
      await api("POST", `/v1/workflows/${submitted.id}/cancel`);
    }
  });

  it("ran every page without script errors or policy violations", () => {
    expect(browser.pageErrors).toEqual([]);
  });
});
