/**
 * HTTP edges of the API function: reading API Gateway v2 events and writing
 * JSON responses, including the error body of DESIGN §2.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ApiError, notFound, payloadTooLarge, validationError } from "../core/api-error.ts";
import type { ApiKeyRecord } from "../core/ports.ts";
import { parseOrThrow } from "../core/validation.ts";
import type { PageRouteKey, RouteKey } from "./routes.ts";
import { pathParameterValue } from "./schemas.ts";

/**
 * Largest request body accepted: API Gateway's own limit. (On AWS, Lambda's
 * 6 MB synchronous payload limit refuses bodies between 6 and 10 MB first.)
 * Inputs over 8 KB are kept in S3 (core/payload.ts): a record is billed by its size on every write.
 */
export const maxBodyBytes = 10 * 1024 * 1024;

export interface RouteRequest {
  readonly event: APIGatewayProxyEventV2;
  /** The authenticated caller (a placeholder record on routes without authentication). */
  readonly caller: ApiKeyRecord;
  /** The namespace the request acts in: the caller's, or the one an admin key named (`?namespace=`). */
  readonly namespace: string;
}

export type RouteResult = APIGatewayProxyStructuredResultV2 & { headers?: Record<string, string> };
export type RouteHandler = (request: RouteRequest) => Promise<RouteResult>;
export type RouteHandlers = Partial<Record<RouteKey | PageRouteKey, RouteHandler>>;

/**
 * Handlers for `keys` whose module loads on the first request to one of
 * them, so routes few callers use stay out of the cold start's code.
 */
export function lazyRouteHandlers(
  keys: readonly (RouteKey | PageRouteKey)[],
  load: () => Promise<RouteHandlers>,
): RouteHandlers {
  let loading: Promise<RouteHandlers> | undefined;
  return Object.fromEntries(
    keys.map((key): [string, RouteHandler] => [
      key,
      async (request) => {
        // A failed load (say, a transient error) is tried again by the next request.
        loading ??= load().catch((error: unknown) => {
          loading = undefined;
          throw error;
        });
        const handle = (await loading)[key];
        if (!handle) throw new Error(`the lazily loaded routes lack ${key}`);
        return handle(request);
      },
    ]),
  );
}

export function json(statusCode: number, body: unknown): RouteResult {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    body: JSON.stringify(body),
  };
}

/** 204: done, nothing to say. */
export function noContent(): RouteResult {
  return { statusCode: 204, headers: { "cache-control": "no-store" } };
}

export function errorResponse(error: ApiError): RouteResult {
  const body = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
  return json(error.status, body);
}

/** Parses the JSON body; a missing body reads as `{}`. */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === "") return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  if (Buffer.byteLength(text, "utf8") > maxBodyBytes) {
    throw payloadTooLarge(`request body exceeds ${maxBodyBytes} bytes`);
  }
  if (nestingDepth(text) > maxNestingDepth) {
    throw validationError([{ path: "", message: `body is nested deeper than ${maxNestingDepth} levels` }]);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw validationError([{ path: "", message: "body is not valid JSON" }]);
  }
}

/** Deeper JSON than this is refused: parsing and re-serialising it recursively could exhaust the stack. */
export const maxNestingDepth = 64;

/** The deepest nesting of arrays and objects in JSON text, strings skipped; one pass, no recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x5d || char === 0x7d) depth--;
  }
  return deepest;
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * A path parameter API Gateway matched, checked the one way every route's
 * parameters are (`pathParameterValue`): a bad one is a 400 naming it.
 * Handlers read parameters only through here.
 */
export function pathParameter(event: APIGatewayProxyEventV2, name: string): string {
  return parseOrThrow(pathParameterValue, event.pathParameters?.[name] ?? "", [name]);
}

export const notFoundTask = (id: string) => notFound(`task ${id}`);

export { ApiError };
