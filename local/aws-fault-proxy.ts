/**
 * A loopback proxy between the functions and one AWS endpoint that can fail
 * chosen calls on purpose: the faults an emulator cannot produce (5xx,
 * throttling) for the fault-path tests. Rules are added over HTTP
 * (`POST /__claw-faults`, `DELETE /__claw-faults`) so tests in any process can
 * set them; a rule matches an operation (`X-Amz-Target`, e.g.
 * `AmazonSQS.SendMessage`; for REST services such as EventBridge Scheduler,
 * the method and first path segment, e.g. `POST /schedules`) and substrings
 * of the request path and body, for a number of calls
 * (`DELETE /__claw-faults?includes=<part>` lifts the rules naming that part;
 * `GET` with the same query tells how often each has fired).
 *
 * It also counts requests for tests that measure what one task costs: a
 * watch (`POST /__claw-faults/watches` `{name, includes}`) counts, per
 * operation, the requests whose path or body holds any of its strings (a
 * task id, a marker in its input); `GET /__claw-faults/watches?name=<name>`
 * reads the counts, `DELETE` ends the watch. Only the local runtime starts
 * the proxy, and only when asked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listen } from "./listening-server.ts";
import { forwardRequest, readRequestBody } from "./request-forwarding.ts";

export interface FaultRule {
  /** The operation, as in the X-Amz-Target header. */
  readonly target: string;
  /** Every one of these must occur in the request body. */
  readonly bodyIncludes?: readonly string[];
  /** How many matching calls fail. */
  readonly times: number;
  /** @default 500 */
  readonly status?: number;
  /** The AWS error code returned. @default InternalServerError */
  readonly code?: string;
}

export interface FaultProxy {
  readonly url: string;
  stop(): Promise<void>;
}

export const faultControlPath = "/__claw-faults";
export const watchControlPath = `${faultControlPath}/watches`;

/** Requests per operation that a watch saw. */
export type RequestCounts = Record<string, number>;

/** The operation a request calls: its X-Amz-Target (JSON protocols), else `METHOD /first-segment` (REST). */
function operationOf(request: IncomingMessage): string {
  const target = request.headers["x-amz-target"];
  if (target) return String(target);
  const [segment = ""] = new URL(request.url ?? "/", "http://proxy").pathname.split("/").filter(Boolean);
  return `${request.method} /${segment}`;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: { rule: FaultRule; left: number }[] = [];
  const watches = new Map<string, { includes: readonly string[]; counts: RequestCounts }>();

  const watchControl = async (request: IncomingMessage, response: ServerResponse) => {
    const name = new URL(request.url ?? "", "http://proxy").searchParams.get("name") ?? "";
    if (request.method === "GET") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(watches.get(name)?.counts ?? {}));
      return;
    }
    if (request.method === "DELETE") {
      watches.delete(name);
    } else {
      // Setting a watch again changes its strings and keeps its counts.
      const watch = JSON.parse((await readRequestBody(request)).toString("utf8")) as {
        name: string;
        includes: string[];
      };
      watches.set(watch.name, { includes: watch.includes, counts: watches.get(watch.name)?.counts ?? {} });
    }
    response.writeHead(204).end();
  };

  const control = async (request: IncomingMessage, response: ServerResponse) => {
    const includes = new URL(request.url ?? "", "http://proxy").searchParams.get("includes");
    const named = (rule: FaultRule) => includes === null || rule.bodyIncludes?.includes(includes) === true;
    if (request.method === "GET") {
      // How often each rule has fired, so a test can prove its fault happened.
      const fired = rules
        .filter(({ rule }) => named(rule))
        .map(({ rule, left }) => ({ ...rule, fired: rule.times - left }));
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(fired));
      return;
    }
    if (request.method === "DELETE") {
      // `?includes=x` removes the rules that match bodies containing x; no query removes every rule.
      for (let index = rules.length - 1; index >= 0; index--) {
        if (named(rules[index]!.rule)) rules.splice(index, 1);
      }
    } else {
      const rule = JSON.parse((await readRequestBody(request)).toString("utf8")) as FaultRule;
      rules.push({ rule, left: rule.times });
    }
    response.writeHead(204).end();
  };

  const server = createServer(async (request, response) => {
    try {
      const path = request.url?.split("?")[0];
      if (path === faultControlPath) return await control(request, response);
      if (path === watchControlPath) return await watchControl(request, response);
      const body = await readRequestBody(request);
      const operation = operationOf(request);
      // REST services name the resource in the path (a schedule's name), JSON ones in the body.
      const text = `${request.url}\n${body.toString("utf8")}`;
      for (const { includes, counts } of watches.values()) {
        if (includes.some((part) => text.includes(part))) counts[operation] = (counts[operation] ?? 0) + 1;
      }
      const match = rules.find(
        ({ rule, left }) =>
          left > 0 &&
          rule.target === operation &&
          (rule.bodyIncludes ?? []).every((part) => text.includes(part)),
      );
      if (match) {
        match.left--;
        const code = match.rule.code ?? "InternalServerError";
        response.writeHead(match.rule.status ?? 500, {
          "content-type": "application/x-amz-json-1.0",
          "x-amzn-errortype": code,
          "x-amzn-query-error": `${code};Receiver`,
        });
        response.end(JSON.stringify({ __type: code, message: `injected fault (${operation})` }));
        return;
      }
      forwardRequest(request, response, target, body);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    }
  });
  return listen(server);
}
