/**
 * The web monitor: one self-contained HTML document (inline script and
 * style, charts drawn as SVG), bundled into the API function as text. The
 * route serves only this static page and needs no key; the page signs in
 * with an API key kept in the browser tab's session storage and reads
 * everything it shows from the authenticated API.
 */
import { contentSecurityPolicyFor } from "../monitor/content-security-policy.ts";
import monitorPage from "../monitor/monitor.html";
import type { RouteHandlers } from "./http.ts";

const headers = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": contentSecurityPolicyFor(monitorPage),
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export function monitorRoutes(): RouteHandlers {
  return {
    "GET /monitor": async () => ({ statusCode: 200, headers, body: monitorPage }),
  };
}
