/**
 * Unit tier: the pure parts of the task types: chunking, the SSRF rule,
 * webhook signatures, the history budget, the offline embeddings.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import {
  createGuardedWebhookTransport,
  vetTarget,
} from "../../functions/adapters/guarded-webhook-transport.ts";
import { offlineEmbedding } from "../../functions/adapters/offline-models.ts";
import { historyWithinBudget } from "../../functions/core/generate-response.ts";
import { contentHashOf, cosineSimilarity } from "../../functions/core/knowledge.ts";
import { blockedReason, parseAllowList } from "../../functions/core/network-guard.ts";
import type { ConversationMessage } from "../../functions/core/task-ports.ts";
import { chunkText, defaultChunking } from "../../functions/core/text-chunks.ts";
import { signWebhook, verifyWebhook } from "../../functions/core/webhook-signature.ts";

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
      const transport = createGuardedWebhookTransport({
        allowList: parseAllowList(["127.0.0.0/8"]),
        resolve: async () => [{ address: "127.0.0.1", family: 4 }],
      });
      const response = await transport.post(
        `http://hooks.example.test:${port}/x`,
        {},
        "{}",
        AbortSignal.timeout(5_000),
      );
      expect(response).toEqual({ status: 200, bodyExcerpt: `hooks.example.test:${port}` });
      const guarded = createGuardedWebhookTransport({
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

describe("webhook signatures", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  const timestamp = now.getTime() / 1000;
  it("verify over timestamp and body, and refuse other bodies, keys and stale timestamps", () => {
    const signature = signWebhook("secret", timestamp, '{"a":1}');
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const headers = { timestamp: String(timestamp), signature };
    expect(verifyWebhook("secret", headers, '{"a":1}', now)).toBe(true);
    expect(verifyWebhook("secret", headers, '{"a":2}', now)).toBe(false);
    expect(verifyWebhook("other", headers, '{"a":1}', now)).toBe(false);
    expect(verifyWebhook("secret", headers, '{"a":1}', new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifyWebhook("secret", { ...headers, timestamp: String(timestamp + 1) }, '{"a":1}', now)).toBe(
      false,
    );
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
