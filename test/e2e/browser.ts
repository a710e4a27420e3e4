/**
 * Browser tier set-up: the Chromium `npm ci` brings (or CLAW_TASKS_CHROMIUM;
 * see ./chromium.ts), headless, driven by playwright-core, against the local runtime the integration tier started.
 * Each test gets its own tab (so its own session storage); screenshots go to
 * test-results/monitor/ as test artifacts.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { projectRoot } from "../../local/synthesize.ts";
import { chromiumInstall } from "./chromium.ts";

export const screenshotDir = path.join(projectRoot, "test-results", "monitor");

export interface MonitorBrowser {
  readonly context: BrowserContext;
  /** Messages the page logged as errors (a CSP violation shows up here). */
  readonly pageErrors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<MonitorBrowser> {
  const browserInstall = await chromiumInstall();
  mkdirSync(screenshotDir, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), "claw-tasks-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browserInstall.executablePath,
    env: { ...process.env, ...browserInstall.env },
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  const pageErrors: string[] = [];
  return {
    context,
    pageErrors,
    async newPage() {
      const page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        // Failed requests (401s, 404s the tests provoke, the favicon) are not script errors.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
          pageErrors.push(message.text());
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
