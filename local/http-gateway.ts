/**
 * A local stand-in for API Gateway HTTP APIs: matches requests against the
 * template's routes (`GET /v1/tasks/{id}`, `$default`), builds payload v2
 * events, invokes the integrated function and writes its response back.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { LocalFunction } from "./function-host.ts";
import { listen } from "./listening-server.ts";

export interface GatewayRoute {
  readonly routeKey: string;
  readonly target: LocalFunction;
}

/** API Gateway's own payload limit. */
const maxPayloadBytes = 10 * 1024 * 1024;

interface CompiledRoute {
  readonly routeKey: string;
  readonly method: string;
  readonly pattern: RegExp | undefined;
  readonly parameterNames: string[];
  readonly target: LocalFunction;
  readonly specificity: number;
}

function compile(route: GatewayRoute): CompiledRoute {
  if (route.routeKey === "$default") {
    return { ...route, method: "ANY", pattern: undefined, parameterNames: [], specificity: -1 };
  }
  const [method, path] = route.routeKey.split(" ") as [string, string];
  const parameterNames: string[] = [];
  const source = path
    .split("/")
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy) {
        parameterNames.push(greedy[1]!);
        return "(.+)";
      }
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (parameter) {
        parameterNames.push(parameter[1]!);
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  // Literal segments outrank parameters, as in API Gateway's route selection.
  const specificity = path.split("/").filter((segment) => !segment.startsWith("{")).length;
  return {
    routeKey: route.routeKey,
    method,
    pattern: new RegExp(`^${source}$`),
    parameterNames,
    target: route.target,
    specificity,
  };
}

/** A path segment, percent-decoded; malformed escapes (`%E0%A4%A`) stay as sent, for the function to refuse. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function match(routes: readonly CompiledRoute[], method: string, path: string) {
  for (const route of routes) {
    if (!route.pattern) return { route, pathParameters: undefined };
    if (route.method !== method && route.method !== "ANY") continue;
    const found = route.pattern.exec(path);
    if (!found) continue;
    const pathParameters = Object.fromEntries(
      route.parameterNames.map((name, index) => [name, decodedSegment(found[index + 1]!)]),
    );
    return { route, pathParameters: route.parameterNames.length > 0 ? pathParameters : undefined };
  }
  return undefined;
}

function isTextual(contentType: string | undefined): boolean {
  return (
    !contentType ||
    /^(text\/|application\/(json|xml|x-www-form-urlencoded|[\w.+-]+\+json))/i.test(contentType)
  );
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxPayloadBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(body);
}

function buildEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  routeKey: string,
  pathParameters?: Record<string, string>,
) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== "cookie")
      headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const textual = isTextual(request.headers["content-type"]);
  const now = new Date();
  return {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: request.headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: request.headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(pathParameters ? { pathParameters } : {}),
    ...(body.length > 0 ? { body: textual ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: body.length > 0 && !textual,
  };
}

interface StructuredResult {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

function writeResult(response: ServerResponse, result: unknown): void {
  const structured =
    result !== null && typeof result === "object" && "statusCode" in result
      ? (result as StructuredResult)
      : undefined;
  if (!structured) {
    // Payload v2: a result without statusCode is a 200 JSON body.
    send(response, 200, typeof result === "string" ? result : JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name] = String(value);
  if (structured.cookies?.length) headers["set-cookie"] = structured.cookies;
  response.writeHead(structured.statusCode ?? 200, headers);
  const body = structured.body ?? "";
  response.end(structured.isBase64Encoded ? Buffer.from(body, "base64") : body);
}

export interface RunningGateway {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startHttpGateway(
  routes: readonly GatewayRoute[],
  options: { readonly port: number; readonly host: string },
): Promise<RunningGateway> {
  const compiled = routes.map(compile).sort((a, b) => b.specificity - a.specificity);
  const server: Server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? "/", "http://localhost");
      const found = match(compiled, request.method ?? "GET", url.pathname);
      if (!found) {
        send(response, 404, JSON.stringify({ message: "Not Found" }));
        return;
      }
      const body = await readBody(request);
      if (!body) {
        send(response, 413, JSON.stringify({ message: "Request Entity Too Large" }));
        return;
      }
      const event = buildEvent(request, url, body, found.route.routeKey, found.pathParameters);
      const invocation = await found.route.target.invoke(event);
      if (invocation.ok) writeResult(response, invocation.result);
      else if (invocation.error.errorType === "Sandbox.Timedout")
        send(response, 503, JSON.stringify({ message: "Service Unavailable" }));
      else send(response, 500, JSON.stringify({ message: "Internal Server Error" }));
    } catch (error) {
      if (!response.headersSent) send(response, 500, JSON.stringify({ message: "Internal Server Error" }));
      else response.destroy(error as Error);
    }
  });
  return listen(server, options.port, options.host);
}
