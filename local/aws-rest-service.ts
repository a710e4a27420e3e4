/**
 * A loopback HTTP server that speaks an AWS REST-JSON protocol well enough for
 * the SDK v3 clients: routes by method and path template, JSON bodies, and
 * errors the SDK turns into its typed exceptions (`x-amzn-errortype`).
 * Requests are not authenticated: IAM is not enforced locally.
 */
import { createServer, type Server } from "node:http";
import { listen } from "./listening-server.ts";

/** An error the service answers with; `type` is the SDK's exception name (ResourceNotFoundException, ...). */
export class AwsServiceError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

export interface RestRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

export interface RestRoute {
  readonly method: string;
  /** e.g. `/schedules/{Name}` */
  readonly path: string;
  readonly handle: (request: RestRequest) => unknown | Promise<unknown>;
}

export interface RunningRestService {
  readonly url: string;
  stop(): Promise<void>;
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .replace(/\/$/, "")
    .split("/")
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (!parameter) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(parameter[1]!);
      return "([^/]+)";
    })
    .join("/");
  return { pattern: new RegExp(`^${source}/?$`), names };
}

export async function startRestService(
  name: string,
  routes: readonly RestRoute[],
): Promise<RunningRestService> {
  const compiled = routes.map((route) => ({ ...route, ...compile(route.path) }));
  const server: Server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(JSON.stringify(body));
    };
    try {
      const url = new URL(request.url ?? "/", "http://localhost");
      let params: Record<string, string> | undefined;
      const route = compiled.find((candidate) => {
        if (candidate.method !== request.method) return false;
        const found = candidate.pattern.exec(url.pathname);
        if (!found) return false;
        params = Object.fromEntries(
          candidate.names.map((key, index) => [key, decodeURIComponent(found[index + 1]!)]),
        );
        return true;
      });
      if (!route) {
        throw new AwsServiceError(
          404,
          "UnknownOperationException",
          `the local ${name} does not serve ${request.method} ${url.pathname}`,
        );
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const result = await route.handle({ params: params ?? {}, query: url.searchParams, body });
      reply(200, result ?? {});
    } catch (error) {
      const failure =
        error instanceof AwsServiceError
          ? error
          : new AwsServiceError(500, "InternalServerException", (error as Error).message);
      reply(
        failure.status,
        { message: failure.message, Message: failure.message },
        { "x-amzn-errortype": failure.type },
      );
    }
  });
  return listen(server);
}

/** AWS REST-JSON timestamps: epoch seconds. */
export const epochSeconds = (date: Date) => date.getTime() / 1000;
