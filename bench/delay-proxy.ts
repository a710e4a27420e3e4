/**
 * A loopback HTTP proxy in front of one AWS endpoint that holds every request
 * for a fixed delay before forwarding it. Put between the functions and the
 * emulators, it makes each sequential AWS call on a path cost `delayMs` more,
 * so the extra latency of the path, divided by the delay, counts its
 * sequential round trips.
 */
import { once } from "node:events";
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface DelayProxy {
  readonly url: string;
  /** Added to every request; change it at any time. */
  delayMs: number;
  stop(): Promise<void>;
}

export async function startDelayProxy(target: string): Promise<DelayProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const proxy: DelayProxy = {
    url: "",
    delayMs: 0,
    async stop() {},
  };
  const server = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    if (proxy.delayMs > 0) await sleep(proxy.delayMs);
    const forwarded = httpRequest(
      {
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on("error", (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { "content-type": "text/plain" });
      outgoing.end(`delay proxy: ${error.message}`);
    });
    forwarded.end(Buffer.concat(chunks));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  });
}
