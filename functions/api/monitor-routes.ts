/**
 * The web monitor: one self-contained HTML document (inline script and
 * style, charts drawn as SVG), bundled into the API function as text. The
 * route serves only this static page and needs no key; the page signs in
 * with an API key kept in the browser tab's session storage and reads
 * everything it shows from the authenticated API.
 *
 * The page (74 KB) is a chunk of its own, loaded by the first GET /monitor,
 * so the cold start of every other route does not parse it.
 */
import { onFirstUse } from "../adapters/lazy-port.ts";
import type { RouteHandlers, RouteResult } from "./http.ts";

const monitorPage = onFirstUse(async (): Promise<RouteResult> => {
  const [{ default: page }, { contentSecurityPolicyFor }] = await Promise.all([
    import("../monitor/monitor.html"),
    import("../monitor/content-security-policy.ts"),
  ]);
  return {
    statusCode: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": contentSecurityPolicyFor(page),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
    },
    body: page,
  };
});

export function monitorRoutes(): RouteHandlers {
  return {
    "GET /monitor": async () => {
      const response = await monitorPage();
      return { ...response, headers: { ...response.headers } };
    },
  };
}
