/**
 * WebhookTransport over node:http(s) with the SSRF guard
 * (functions/core/network-guard.ts): the host name is resolved first, every
 * address it resolves to must pass, and the connection is made to the
 * checked address (the request's `lookup` answers with it), while TLS still
 * verifies the certificate against the host name. Redirects are not followed.
 * Only ports 80 and 443 unless the stage allows more, and `http:` only where
 * the stage allows it. A refusal says "destination refused" and names no
 * address the host resolved to (that would map the private network for the
 * caller); the worker logs the address with the task id.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { BlockList } from "node:net";
import { isIP } from "node:net";
import { blockedReason, type PortRule, standardWebhookPorts } from "../core/network-guard.ts";
import { permanentFailure, TaskFailure } from "../core/task-failure.ts";
import type { WebhookResponse, WebhookTransport } from "../core/task-ports.ts";

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface GuardedTransportOptions {
  /** Ranges admitted despite the guard (local development). */
  readonly allowList?: BlockList;
  /** Ports a webhook may reach. @default 80 and 443 */
  readonly allowedPorts?: PortRule;
  /** Deliver to plain `http:` URLs (development stages). @default false: `https:` only */
  readonly allowHttp?: boolean;
  /** Per request, on top of the task's signal. @default 10 s */
  readonly timeoutMs?: number;
  /** @default the system resolver (all addresses) */
  readonly resolve?: Resolver;
}

const excerptBytes = 2_048;

/** The refusal every blocked destination gets: the same words, no resolved address. */
function destinationRefused(why: string, detail?: string): TaskFailure {
  return permanentFailure("webhook_target_blocked", `destination refused: ${why}`, detail);
}

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Resolves `hostname` and refuses it unless every address passes the guard; answers the address to use. */
export async function vetTarget(
  hostname: string,
  resolve: Resolver,
  allowList?: BlockList,
): Promise<{ address: string; family: 4 | 6 }> {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: { address: string; family: number }[];
  if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) }];
  else {
    try {
      addresses = await resolve(bare);
    } catch (error) {
      throw new TaskFailure("webhook_unreachable", `could not resolve ${bare}`, {
        retryable: true,
        cause: error,
        detail: (error as Error).message,
      });
    }
  }
  if (addresses.length === 0) {
    throw new TaskFailure("webhook_unreachable", `${bare} resolves to no address`, { retryable: true });
  }
  for (const { address } of addresses) {
    const reason = blockedReason(address, allowList);
    if (reason) {
      // An address the caller wrote may be named; one that DNS answered may not.
      throw isIP(bare)
        ? destinationRefused(`${bare} is a ${reason} address`)
        : destinationRefused(
            `${bare} resolves to an address webhooks may not reach`,
            `${bare} resolves to ${address}, a ${reason} address`,
          );
    }
  }
  const chosen = addresses[0]!;
  return { address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}

export function createGuardedWebhookTransport(options: GuardedTransportOptions = {}): WebhookTransport {
  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const allowedPorts = options.allowedPorts ?? standardWebhookPorts;
  const allowHttp = options.allowHttp ?? false;
  return {
    async post(url, headers, body, signal): Promise<WebhookResponse> {
      const target = new URL(url);
      if (target.protocol !== "https:" && (target.protocol !== "http:" || !allowHttp)) {
        throw destinationRefused(
          `${target.protocol} URLs are not delivered here; use https:${allowHttp ? " or http:" : " (this stage allows no plain http)"}`,
        );
      }
      const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
      if (!allowedPorts(port)) {
        throw destinationRefused(`port ${port} is not allowed; webhooks reach ports 80 and 443`);
      }
      const { address, family } = await vetTarget(target.hostname, resolve, options.allowList);
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const requestSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      return await new Promise<WebhookResponse>((resolvePromise, reject) => {
        const request = send(
          target,
          {
            method: "POST",
            headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
            signal: requestSignal,
            // Connect to the vetted address only; the Host header and TLS name stay the URL's.
            lookup: (_hostname, lookupOptions, callback) => {
              if ((lookupOptions as { all?: boolean }).all) callback(null, [{ address, family }] as never);
              else callback(null, address, family);
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            let received = 0;
            response.on("data", (chunk: Buffer) => {
              if (received < excerptBytes) chunks.push(chunk);
              received += chunk.length;
            });
            response.on("end", () =>
              resolvePromise({
                status: response.statusCode ?? 0,
                bodyExcerpt: Buffer.concat(chunks).toString("utf8").slice(0, excerptBytes),
              }),
            );
            response.on("error", reject);
          },
        );
        request.on("error", (error) => {
          if (signal.aborted) reject(signal.reason);
          else
            reject(
              new TaskFailure(
                "webhook_unreachable",
                `webhook ${target.protocol}//${target.host} unreachable (${(error as NodeJS.ErrnoException).code ?? error.name})`,
                { retryable: true, cause: error, detail: error.message },
              ),
            );
        });
        request.end(body);
      });
    },
  };
}
