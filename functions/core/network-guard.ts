/**
 * The SSRF guard's rule: which IP addresses a webhook may reach. Checked on
 * the addresses a host name resolves to (after DNS), and the request then
 * goes to the checked address, so a name cannot resolve to a public address
 * for the check and a private one for the request.
 *
 * Refused: loopback, private (RFC 1918, unique local), carrier-grade NAT,
 * link-local, cloud metadata endpoints, and the reserved, documentation,
 * benchmark, multicast and unspecified ranges, and the tunnels and
 * translators that carry an IPv4 address of the sender's choice (6to4,
 * Teredo, IPv4-compatible and -translated, local-use NAT64, the 6to4 relay);
 * IPv4 inside IPv6 (mapped, well-known NAT64) is judged by its IPv4 address. An allow-list of CIDR ranges (for
 * local development: loopback) admits addresses it covers, except the
 * metadata endpoints, which nothing admits.
 */
import { BlockList, isIP } from "node:net";

export type BlockedReason = "loopback" | "private" | "link-local" | "metadata" | "reserved";

const ranges: readonly [string, number, "ipv4" | "ipv6", BlockedReason][] = [
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["10.0.0.0", 8, "ipv4", "private"],
  ["172.16.0.0", 12, "ipv4", "private"],
  ["192.168.0.0", 16, "ipv4", "private"],
  ["100.64.0.0", 10, "ipv4", "private"],
  ["169.254.0.0", 16, "ipv4", "link-local"],
  ["0.0.0.0", 8, "ipv4", "reserved"],
  ["192.0.0.0", 24, "ipv4", "reserved"],
  ["192.0.2.0", 24, "ipv4", "reserved"],
  ["198.18.0.0", 15, "ipv4", "reserved"],
  ["198.51.100.0", 24, "ipv4", "reserved"],
  ["203.0.113.0", 24, "ipv4", "reserved"],
  ["224.0.0.0", 4, "ipv4", "reserved"],
  ["240.0.0.0", 4, "ipv4", "reserved"],
  ["::1", 128, "ipv6", "loopback"],
  ["::", 128, "ipv6", "reserved"],
  ["fc00::", 7, "ipv6", "private"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["ff00::", 8, "ipv6", "reserved"],
  ["2001:db8::", 32, "ipv6", "reserved"],
  ["100::", 64, "ipv6", "reserved"],
  // 6to4 relay anycast: traffic sent there is tunnelled to an IPv4 address.
  ["192.88.99.0", 24, "ipv4", "reserved"],
  // IPv4-compatible (::a.b.c.d, deprecated; e.g. ::7f00:1 is 127.0.0.1) and IPv4-translated (::ffff:0:a.b.c.d):
  // both carry an IPv4 address that some stacks route to.
  ["::", 96, "ipv6", "reserved"],
  ["::ffff:0:0:0", 96, "ipv6", "reserved"],
  // Tunnels and translators that reach an IPv4 address chosen by the sender: 6to4, Teredo, local-use NAT64.
  ["2002::", 16, "ipv6", "reserved"],
  ["2001::", 32, "ipv6", "reserved"],
  ["64:ff9b:1::", 48, "ipv6", "reserved"],
  // Site-local (deprecated), still routed inside some networks.
  ["fec0::", 10, "ipv6", "private"],
];

/** Instance metadata and credential endpoints (AWS EC2 IPv4/IPv6, ECS task metadata, Alibaba). */
const metadataAddresses = new Set(["169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200"]);

const blockLists = new Map<BlockedReason, BlockList>();
for (const [network, prefix, family, reason] of ranges) {
  const list = blockLists.get(reason) ?? new BlockList();
  blockLists.set(reason, list);
  list.addSubnet(network, prefix, family);
}

/** The IPv4 address carried in an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** Parses allow-list entries such as `127.0.0.0/8` or `::1/128`; throws on a malformed one. */
export function parseAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [network = "", prefixText] = entry.trim().split("/");
    const family = isIP(network);
    const prefix = Number(prefixText ?? (family === 6 ? 128 : 32));
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new Error(`not a CIDR range: ${entry}`);
    }
    list.addSubnet(network, prefix, family === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

/** Why `address` may not be reached, or undefined when it may. */
export function blockedReason(address: string, allowList?: BlockList): BlockedReason | undefined {
  const family = isIP(address);
  if (family === 0) return "reserved";
  const ipv4 = family === 6 ? embeddedIpv4(address) : address;
  if (ipv4 !== undefined && ipv4 !== address) return blockedReason(ipv4, allowList);
  const type = family === 6 ? "ipv6" : "ipv4";
  if (metadataAddresses.has(address.toLowerCase())) return "metadata";
  if (allowList?.check(address, type)) return undefined;
  for (const [reason, list] of blockLists) if (list.check(address, type)) return reason;
  return undefined;
}

/** Which ports webhooks may reach. */
export type PortRule = (port: number) => boolean;

/** The ports of `http:` and `https:`: all a webhook may reach unless the stage allows more. */
export const standardWebhookPorts: PortRule = (port) => port === 80 || port === 443;

/**
 * Parses the allowed ports of WEBHOOK_ALLOWED_PORTS (`8443,9000-9100`) into a
 * rule that also admits 80 and 443; throws on a malformed entry.
 */
export function parseAllowedPorts(list: string): PortRule {
  const ranges = list
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(entry);
      const low = Number(match?.[1]);
      const high = Number(match?.[2] ?? match?.[1]);
      if (!match || low < 1 || high > 65_535 || low > high)
        throw new Error(`not a port or port range: ${entry}`);
      return [low, high] as const;
    });
  return (port) => standardWebhookPorts(port) || ranges.some(([low, high]) => port >= low && port <= high);
}
