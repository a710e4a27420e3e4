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

export async function listen(server: Server, port = 0, host = "127.0.0.1"): Promise<ListeningServer> {
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
