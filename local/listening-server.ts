/**
 * Starts a node:http server and returns its URL and a stop that closes
 * open connections too; the local runtime's stand-ins all end this way.
 */
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ListeningServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Loopback addresses: the local runtime's servers have no authentication of their own. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(host);
}

/** Listens on `host`, which must be a loopback address (the stand-ins behind the API take anyone who reaches them). */
export async function listen(server: Server, port = 0, host = "127.0.0.1"): Promise<ListeningServer> {
  if (!isLoopbackHost(host)) {
    throw new Error(
      `the local runtime listens on loopback only, not on ${host}: its stand-ins have no authentication`,
    );
  }
  server.listen(port, host);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
