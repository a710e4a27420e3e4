/**
 * A loopback proxy between the functions and one AWS endpoint that can fail
 * chosen calls on purpose: the faults an emulator cannot produce (5xx,
 * throttling) for the fault-path tests. Rules are added over HTTP
 * (`POST /__claw-faults`, `DELETE /__claw-faults`) so tests in any process can
 * set them; a rule matches an operation (`X-Amz-Target`, e.g.
 * `AmazonSQS.SendMessage`) and substrings of the request body, for a number
 * of calls (`DELETE /__claw-faults?includes=<part>` lifts the rules naming
 * that part; `GET` with the same query tells how often each has fired). Only the local runtime starts it, and only when asked.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { listen } from "./listening-server.ts";

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

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: { rule: FaultRule; left: number }[] = [];

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
      const rule = JSON.parse((await readAll(request)).toString("utf8")) as FaultRule;
      rules.push({ rule, left: rule.times });
    }
    response.writeHead(204).end();
  };

  const server = createServer(async (request, response) => {
    try {
      if (request.url?.split("?")[0] === faultControlPath) return await control(request, response);
      const body = await readAll(request);
      const operation = String(request.headers["x-amz-target"] ?? "");
      const text = body.toString("utf8");
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
      const forwarded = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: target.host },
        },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(response);
        },
      );
      forwarded.on("error", (error) => {
        if (!response.headersSent) response.writeHead(502);
        response.end(String(error));
      });
      forwarded.end(body);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    }
  });
  return listen(server);
}
