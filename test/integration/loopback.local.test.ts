/**
 * Integration tier, local runtime only: the runtime stays on this machine.
 * Its emulators and stand-ins have no authentication (anyone who reached
 * DynamoDB Local could add an admin key's hash, anyone who reached fauxqs
 * could inject queue messages), so every socket that the runtime's process
 * and its children (DynamoDB Local's JVM, the test workers) listen on must
 * be bound to a loopback address. Read from the kernel's socket tables
 * (`/proc/net/tcp`, `/proc/net/tcp6`), matched to the processes by socket
 * inode (`/proc/<pid>/fd`). Linux only, as the CI machines are.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isLoopbackHost } from "../../local/listening-server.ts";
import { localRuntime, target } from "./api-client.ts";

interface ListeningSocket {
  readonly address: string;
  readonly port: number;
  readonly inode: string;
}

/** `0100007F:1F90` (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) order. */
function decodeAddress(hex: string): string {
  const words = hex
    .toLowerCase()
    .match(/.{8}/g)!
    .map((word) => word.match(/../g)!.reverse().join(""));
  if (words.length === 1)
    return words[0]!
      .match(/../g)!
      .map((byte) => Number.parseInt(byte, 16))
      .join(".");
  const groups = words.join("").match(/.{4}/g)!;
  if (groups.slice(0, 5).every((group) => group === "0000") && groups[5] === "ffff") {
    const v4 = groups.slice(6).join("").match(/../g)!;
    return `::ffff:${v4.map((byte) => Number.parseInt(byte, 16)).join(".")}`;
  }
  return groups
    .map((group) => group.replace(/^0{1,3}/, ""))
    .join(":")
    .replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** Every listening TCP socket of the machine (this network namespace). */
function listeningSockets(): ListeningSocket[] {
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) =>
    readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === "0A") // TCP_LISTEN
      .map((fields) => {
        const [address, port] = fields[1]!.split(":");
        return { address: decodeAddress(address!), port: Number.parseInt(port!, 16), inode: fields[9]! };
      }),
  );
}

/** The process and all its descendants, through each thread's `children` list. */
function processTree(pid: number): number[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((thread) => {
    try {
      return readFileSync(`/proc/${pid}/task/${thread}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    } catch {
      return []; // the thread ended meanwhile
    }
  });
  return [pid, ...children.flatMap((child) => processTree(Number(child)))];
}

/** Socket inodes a process holds, from its file descriptors (`socket:[inode]`). */
function socketInodes(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return link.startsWith("socket:[") ? [link.slice(8, -1)] : [];
      } catch {
        return []; // closed meanwhile
      }
    });
  } catch {
    return []; // the process ended meanwhile
  }
}

const commandOf = (pid: number) => readFileSync(`/proc/${pid}/comm`, "utf8").trim();

describe("the local runtime listens on loopback only", () => {
  it("decodes the kernel's addresses", () => {
    expect(decodeAddress("0100007F")).toBe("127.0.0.1");
    expect(decodeAddress("00000000")).toBe("0.0.0.0");
    expect(decodeAddress("00000000000000000000000001000000")).toBe("::1");
    expect(decodeAddress("00000000000000000000000000000000")).toBe("::");
    expect(decodeAddress("0000000000000000FFFF00000100007F")).toBe("::ffff:127.0.0.1");
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
    expect(isLoopbackHost("::")).toBe(false);
    expect(isLoopbackHost("::ffff:127.0.0.1")).toBe(true);
  });

  it("every socket the runtime and its children listen on is bound to a loopback address", () => {
    const { pid, endpoints } = localRuntime();
    const owners = new Map<string, number>();
    for (const process of processTree(pid)) {
      for (const inode of socketInodes(process)) owners.set(inode, process);
    }
    const ours = listeningSockets()
      .filter((socket) => owners.has(socket.inode))
      .map((socket) => ({
        ...socket,
        pid: owners.get(socket.inode)!,
        command: commandOf(owners.get(socket.inode)!),
      }));

    // Not vacuous: the API, SQS (fauxqs, in process) and DynamoDB Local (a child JVM) are among them.
    const ports = new Set(ours.map((socket) => socket.port));
    for (const url of [target.url, endpoints.sqs, endpoints.dynamodb]) {
      expect(ports, `${url} is one of the runtime's listening sockets`).toContain(Number(new URL(url).port));
    }
    const dynamoDb = ours.find((socket) => socket.port === Number(new URL(endpoints.dynamodb).port));
    expect(dynamoDb?.pid, "DynamoDB Local runs in a child process").not.toBe(pid);

    const exposed = ours
      .filter((socket) => !isLoopbackHost(socket.address))
      .map((socket) => `${socket.command} (pid ${socket.pid}) on ${socket.address}:${socket.port}`);
    expect(exposed).toEqual([]);
    console.log(
      `loopback: ${ours.length} listening sockets of ${new Set(ours.map((socket) => socket.pid)).size} processes, all on loopback`,
    );
  });
});
