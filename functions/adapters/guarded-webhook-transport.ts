/**
 * WebhookTransport over node:http(s) with the SSRF guard
 * (functions/core/network-guard.ts): the host name is resolved first, every
 * address it resolves to must pass, and the connection is made to the
 * checked address (the request's `lookup` answers with it), while TLS still
 * verifies the certificate against the host name. Redirects are not followed.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { BlockList } from "node:net";
import { isIP } from "node:net";
import { blockedReason } from "../core/network-guard.ts";
import { permanentFailure, TaskFailure } from "../core/task-failure.ts";
import type { WebhookResponse, WebhookTransport } from "../core/task-ports.ts";

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface GuardedTransportOptions {
  /** Ranges admitted despite the guard (local development). */
  readonly allowList?: BlockList;
  /** Per request, on top of the task's signal. @default 10 s */
  readonly timeoutMs?: number;
  /** @default the system resolver (all addresses) */
  readonly resolve?: Resolver;
}

const excerptBytes = 2_048;

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
      throw new TaskFailure("webhook_unreachable", `could not resolve ${bare}: ${(error as Error).message}`, {
        retryable: true,
        cause: error,
      });
    }
  }
  if (addresses.length === 0) {
    throw new TaskFailure("webhook_unreachable", `${bare} resolves to no address`, { retryable: true });
  }
  for (const { address } of addresses) {
    const reason = blockedReason(address, allowList);
    if (reason) {
      throw permanentFailure(
        "webhook_target_blocked",
        `webhook target ${bare} resolves to ${address}, a ${reason} address; refused`,
      );
    }
  }
  const chosen = addresses[0]!;
  return { address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}

export function createGuardedWebhookTransport(options: GuardedTransportOptions = {}): WebhookTransport {
  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async post(url, headers, body, signal): Promise<WebhookResponse> {
      const target = new URL(url);
      if (target.protocol !== "https:" && target.protocol !== "http:") {
        throw permanentFailure(
          "webhook_target_blocked",
          `webhook URL must be http(s), got ${target.protocol}`,
        );
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
              new TaskFailure("webhook_unreachable", `webhook ${target.origin}: ${error.message}`, {
                retryable: true,
                cause: error,
              }),
            );
        });
        request.end(body);
      });
    },
  };
}
