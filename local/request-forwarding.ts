/**
 * Passing a request on to an upstream endpoint as it came (method, path,
 * headers with the upstream's host, body), and its answer back: what the
 * local runtime's loopback proxies in front of the emulators share (the IAM
 * check, the fault injection).
 */
import { type Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { type Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** A request's whole body. */
export async function readRequestBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Sends `request` (its body already read) to `upstream` and pipes the answer to `response`; a failure is a 502. */
export function forwardRequest(
  request: IncomingMessage,
  response: ServerResponse,
  upstream: URL,
  body: Buffer,
  agents?: { readonly http: Agent; readonly https: HttpsAgent },
): void {
  const secure = upstream.protocol === "https:";
  const forwarded = (secure ? httpsRequest : httpRequest)(
    {
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: { ...request.headers, host: upstream.host },
      ...(agents ? { agent: secure ? agents.https : agents.http } : {}),
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
}
