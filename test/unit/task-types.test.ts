/**
 * Unit tier: the pure parts of the task types: chunking, the SSRF rule,
 * webhook signatures, the history budget, the offline embeddings.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  createGuardedWebhookTransport,
  vetTarget,
} from "../../functions/adapters/guarded-webhook-transport.ts";
import { offlineEmbedding } from "../../functions/adapters/offline-models.ts";
import { historyWithinBudget } from "../../functions/core/generate-response.ts";
import { contentHashOf, cosineSimilarity } from "../../functions/core/knowledge.ts";
import { blockedReason, parseAllowedPorts, parseAllowList } from "../../functions/core/network-guard.ts";
import { redactedUrl } from "../../functions/core/redacted-url.ts";
import { describeFailure, TaskFailure } from "../../functions/core/task-failure.ts";
import type { ConversationMessage } from "../../functions/core/task-ports.ts";
import { chunkText, defaultChunking } from "../../functions/core/text-chunks.ts";
import { signWebhook, verifyWebhook, webhookSigningKey } from "../../functions/core/webhook-signature.ts";

describe("chunkText", () => {
  const sentence = (n: number) => `Sentence number ${n} says something about topic ${n}.`;
  const paragraph = (from: number, count: number) =>
    Array.from({ length: count }, (_, index) => sentence(from + index)).join(" ");

  it("keeps a short text whole, with white space normalised", () => {
    expect(chunkText("  One line.\n\n  Two   lines.  ")).toEqual(["One line. Two lines."]);
  });

  it("cuts on sentence boundaries, within maxChars, with the previous chunk's last sentences first", () => {
    const text = [paragraph(1, 30), paragraph(31, 30)].join("\n\n");
    const options = { maxChars: 400, overlapChars: 120 };
    const chunks = chunkText(text, options);
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(options.maxChars);
      expect(chunk).toMatch(/^Sentence number \d+ .*\.$/);
    }
    for (let index = 1; index < chunks.length; index++) {
      const firstOfNext = /^(Sentence number \d+ [^.]*\.)/.exec(chunks[index]!)![1]!;
      expect(chunks[index - 1]).toContain(firstOfNext);
    }
    // Every sentence is somewhere.
    for (let n = 1; n <= 60; n++) expect(chunks.some((chunk) => chunk.includes(sentence(n)))).toBe(true);
  });

  it("starts a new chunk at a paragraph once the chunk is half full", () => {
    const chunks = chunkText([paragraph(1, 12), paragraph(13, 2)].join("\n\n"), {
      maxChars: 1_000,
      overlapChars: 0,
    });
    expect(chunks).toEqual([paragraph(1, 12), paragraph(13, 2)]);
  });

  it("splits a sentence longer than a chunk by words, and a word longer than a chunk by characters", () => {
    const chunks = chunkText(`${"word ".repeat(100)}${"x".repeat(250)}`, { maxChars: 100, overlapChars: 20 });
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(100);
    expect(chunks.join(" ").replace(/\s+/g, "")).toContain("x".repeat(100));
  });

  it("returns nothing for blank text", () => {
    expect(chunkText(" \n\n \t")).toEqual([]);
  });
});

describe("content hash", () => {
  const model = { provider: "offline" as const, id: "m" };
  it("changes with the text, the model and the chunking, and only then", () => {
    const base = contentHashOf("text", model, defaultChunking);
    expect(contentHashOf("text", model, defaultChunking)).toBe(base);
    expect(contentHashOf("text!", model, defaultChunking)).not.toBe(base);
    expect(contentHashOf("text", { ...model, id: "n" }, defaultChunking)).not.toBe(base);
    expect(contentHashOf("text", model, { ...defaultChunking, overlapChars: 0 })).not.toBe(base);
  });
});

describe("SSRF guard", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["169.254.170.2", "metadata"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["::ffff:10.0.0.1", "private"],
    ["64:ff9b::7f00:1", "loopback"],
    ["0.0.0.0", "reserved"],
    ["::", "reserved"],
    ["224.0.0.1", "reserved"],
    ["not an address", "reserved"],
    // The ranges a review found passing the guard: each carries or reaches an address of the sender's choice.
    ["::7f00:1", "reserved"],
    ["::127.0.0.1", "reserved"],
    ["2002:7f00:1::1", "reserved"],
    ["2002:a9fe:a9fe::1", "reserved"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"],
    ["64:ff9b:1::a00:1", "reserved"],
    ["::ffff:0:7f00:1", "reserved"],
    ["::ffff:0:a9fe:a9fe", "reserved"],
    ["fec0::1", "private"],
    ["feff::1", "private"],
    ["192.88.99.1", "reserved"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(blockedReason(address)).toBe(reason);
  });

  it.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111"])(
    "admits public %s",
    (address) => {
      expect(blockedReason(address)).toBeUndefined();
    },
  );

  it("admits allow-listed ranges, but never the metadata endpoints", () => {
    const allow = parseAllowList(["127.0.0.0/8", "::1/128", "169.254.0.0/16"]);
    expect(blockedReason("127.0.0.1", allow)).toBeUndefined();
    expect(blockedReason("::1", allow)).toBeUndefined();
    expect(blockedReason("169.254.169.254", allow)).toBe("metadata");
    expect(blockedReason("10.0.0.1", allow)).toBe("private");
    expect(() => parseAllowList(["10.0.0.0/33"])).toThrow(/CIDR/);
  });

  it("checks every address a name resolves to, after resolution", async () => {
    const resolve = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.7", family: 4 },
    ];
    await expect(vetTarget("rebind.example.test", resolve)).rejects.toMatchObject({
      type: "webhook_target_blocked",
      retryable: false,
    });
    await expect(vetTarget("[::1]", resolve)).rejects.toMatchObject({ type: "webhook_target_blocked" });
  });

  it("connects to the vetted address, keeping the URL's host name", async () => {
    const server = createServer((request, response) => response.end(request.headers.host));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as { port: number }).port;
    try {
      const localTransport = createGuardedWebhookTransport({
        allowList: parseAllowList(["127.0.0.0/8"]),
        allowedPorts: parseAllowedPorts(`${port}`),
        allowHttp: true,
        resolve: async () => [{ address: "127.0.0.1", family: 4 }],
      });
      const response = await localTransport.post(
        `http://hooks.example.test:${port}/x`,
        {},
        "{}",
        AbortSignal.timeout(5_000),
      );
      expect(response).toEqual({ status: 200, bodyExcerpt: `hooks.example.test:${port}` });
      const guarded = createGuardedWebhookTransport({
        allowedPorts: parseAllowedPorts(`${port}`),
        allowHttp: true,
        resolve: async () => [{ address: "127.0.0.1", family: 4 }],
      });
      await expect(
        guarded.post(`http://hooks.example.test:${port}/x`, {}, "{}", AbortSignal.timeout(5_000)),
      ).rejects.toMatchObject({ type: "webhook_target_blocked" });
    } finally {
      server.close();
    }
  });
});

describe("webhook destinations: ports, schemes, refusals that name no resolved address", () => {
  const publicAddress = async () => [{ address: "93.184.216.34", family: 4 }];
  const post = (transport: ReturnType<typeof createGuardedWebhookTransport>, url: string) =>
    transport.post(url, {}, "{}", AbortSignal.timeout(5_000));

  it("refuses ports other than 80 and 443 unless allowed, before connecting", async () => {
    const transport = createGuardedWebhookTransport({ resolve: publicAddress });
    await expect(post(transport, "https://hooks.example.test:8443/x")).rejects.toMatchObject({
      type: "webhook_target_blocked",
      retryable: false,
      message: "destination refused: port 8443 is not allowed; webhooks reach ports 80 and 443",
    });
    await expect(post(transport, "https://hooks.example.test:22/x")).rejects.toMatchObject({
      message: expect.stringMatching(/^destination refused: port 22/),
    });
    const rule = parseAllowedPorts("8443, 9000-9100");
    expect([80, 443, 8443, 9000, 9100].every(rule)).toBe(true);
    expect([22, 8080, 8999, 9101].some(rule)).toBe(false);
    expect(() => parseAllowedPorts("70000")).toThrow(/port/);
    expect(() => parseAllowedPorts("9-1")).toThrow(/port/);
  });

  it("refuses plain http unless the stage allows it", async () => {
    const transport = createGuardedWebhookTransport({ resolve: publicAddress });
    await expect(post(transport, "http://hooks.example.test/x")).rejects.toMatchObject({
      type: "webhook_target_blocked",
      message: expect.stringMatching(/^destination refused: http: URLs are not delivered here/),
    });
  });

  it("says destination refused without the address a name resolved to; the detail keeps it for the log", async () => {
    const failure = await vetTarget("internal.example.test", async () => [
      { address: "10.20.30.40", family: 4 },
    ]).then(
      () => undefined,
      (error: TaskFailure) => error,
    );
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure!.message).toBe(
      "destination refused: internal.example.test resolves to an address webhooks may not reach",
    );
    expect(failure!.message).not.toContain("10.20.30.40");
    expect(failure!.detail).toContain("10.20.30.40");
    expect(describeFailure(failure, []).message).not.toContain("10.20.30.40");
  });

  it("redacts credentials, query and fragment of webhook URLs", () => {
    expect(redactedUrl("https://user:pw@hooks.example.test:8443/in/abc?token=s3cret#frag")).toBe(
      "https://redacted@hooks.example.test:8443/in/abc?redacted#redacted",
    );
    expect(redactedUrl("https://hooks.example.test/plain")).toBe("https://hooks.example.test/plain");
    expect(redactedUrl("not a url?token=x")).toBe("[redacted]");
  });
});

describe("webhook signatures (Standard Webhooks)", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const timestamp = now.getTime() / 1000;
  const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
  const headers = (signature: string) => ({ id: "msg_1", timestamp: String(timestamp), signature });

  it("verifies over id, timestamp and body, and refuses other bodies, ids, keys and stale timestamps", () => {
    const signature = signWebhook(secret, "msg_1", timestamp, '{"a":1}');
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhook(secret, headers(signature), '{"a":1}', now)).toBe(true);
    expect(verifyWebhook(secret, headers(`v1,bm90IGl0 ${signature}`), '{"a":1}', now)).toBe(true);
    expect(verifyWebhook(secret, headers(signature), '{"a":2}', now)).toBe(false);
    expect(verifyWebhook(secret, { ...headers(signature), id: "msg_2" }, '{"a":1}', now)).toBe(false);
    const otherSecret = `whsec_${Buffer.alloc(32, 8).toString("base64")}`;
    expect(verifyWebhook(otherSecret, headers(signature), '{"a":1}', now)).toBe(false);
    expect(verifyWebhook(secret, headers(signature), '{"a":1}', new Date(now.getTime() + 301_000))).toBe(
      false,
    );
  });

  it("signs as the standardwebhooks library verifies, with and without the whsec_ prefix", () => {
    const body = '{"id":"t1","event":"task.succeeded"}';
    const signedAt = new Date();
    const seconds = Math.floor(signedAt.getTime() / 1000);
    const bare = Buffer.alloc(24, 3).toString("base64");
    for (const key of [secret, bare, `whsec_${bare}`]) {
      const signature = signWebhook(key, "msg_9", seconds, body);
      const sent = {
        "webhook-id": "msg_9",
        "webhook-timestamp": String(seconds),
        "webhook-signature": signature,
      };
      expect(new Webhook(key).verify(body, sent)).toEqual(JSON.parse(body));
      expect(signature).toBe(new Webhook(key).sign("msg_9", new Date(seconds * 1000), body));
    }
  });

  it("accepts the 48 letters and digits the stack generates, and refuses secrets that are not base64 keys", () => {
    expect(webhookSigningKey("A".repeat(48))).toHaveLength(36);
    expect(() => webhookSigningKey("not base64!")).toThrow(/base64/);
    expect(() => webhookSigningKey("whsec_c2hvcnQ=")).toThrow(/at least 24/);
  });
});

describe("conversation history budget", () => {
  const message = (
    n: number,
    role: "user" | "assistant",
    taskId = `t${Math.ceil(n / 2)}`,
  ): ConversationMessage => ({
    conversationId: "c",
    role,
    content: `${role} ${n} ${"x".repeat(36)}`,
    at: "2026-01-01T00:00:00Z",
    taskId,
    turnAt: "2026-01-01T00:00:00Z",
    position: role === "user" ? 0 : 1,
  });
  // Newest first, as the store answers: turns t1..t4, each user then assistant.
  const newestFirst = [8, 7, 6, 5, 4, 3, 2, 1].map((n) => message(n, n % 2 === 1 ? "user" : "assistant"));

  it("keeps the newest messages that fit, oldest first, starting with a user turn", () => {
    // About 11-12 tokens a message: 50 fits the newest four.
    const kept = historyWithinBudget(newestFirst, "current", 50);
    expect(kept.map((entry) => entry.content.split(" ").slice(0, 2).join(" "))).toEqual([
      "user 5",
      "assistant 6",
      "user 7",
      "assistant 8",
    ]);
    expect(historyWithinBudget(newestFirst, "current", 1_000)).toHaveLength(8);
    expect(historyWithinBudget(newestFirst, "current", 5)).toEqual([]);
  });

  it("leaves out the current task's own messages from an earlier attempt", () => {
    expect(historyWithinBudget(newestFirst, "t4", 1_000)).toHaveLength(6);
  });
});

describe("offline embeddings", () => {
  it("are deterministic, normalised, and nearer for texts that share words", () => {
    const a = offlineEmbedding("the moon pulls the tides", 128);
    expect(offlineEmbedding("the moon pulls the tides", 128)).toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
    const near = cosineSimilarity(a, offlineEmbedding("tides and the moon", 128));
    const far = cosineSimilarity(a, offlineEmbedding("bake bread with a sourdough starter", 128));
    expect(near).toBeGreaterThan(far);
  });
});
