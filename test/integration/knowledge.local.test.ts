/**
 * Integration tier, through HTTP against the local runtime (offline models):
 * knowledge bases end to end. Vectorize two documents (one from text, one
 * from an S3 object), search finds the right one, generate_ai_response with
 * that base puts it in the prompt and cites it, re-vectorizing the same text
 * embeds nothing, update_knowledge_base re-embeds changes and drops missing
 * documents, delete_knowledge_vectors empties a document and a base.
 * Local only: it reaches the local runtime's own endpoints (see localRuntime()).
 */
import { randomUUID } from "node:crypto";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import type { Task } from "../../functions/core/task.ts";
import { api, localRuntime, submit, waitForStatus } from "./api-client.ts";

const runtime = localRuntime();

const s3 = new S3Client({
  region: runtime.region,
  endpoint: runtime.endpoints.s3,
  credentials: runtime.credentials,
  forcePathStyle: true,
});
afterAll(() => s3.destroy());

const tides = `Tides are the rise and fall of sea levels caused by the gravitational pull of the Moon and the Sun.

Most coastlines see two high tides and two low tides every lunar day. Spring tides happen at new and full moon, when the Sun and Moon pull together; neap tides happen at the quarter moons.`;

const sourdough = `Sourdough bread is leavened by a starter of wild yeast and lactic acid bacteria.

Feed the starter with flour and water, let the dough ferment slowly, and bake it in a hot oven with steam for a crisp crust and an open crumb.`;

interface SearchBody {
  items: { documentId: string; chunkIndex: number; score: number; text: string }[];
  model: { provider: string; id: string };
}

async function run(type: string, input: unknown): Promise<Task> {
  const accepted = await submit({ type, input });
  const done = await waitForStatus(accepted.id, ["succeeded", "failed"], 30_000);
  if (done.status !== "succeeded") throw new Error(`${type} failed: ${JSON.stringify(done.error)}`);
  return done;
}

const search = (kb: string, q: string, k = 5) =>
  api<SearchBody>("GET", `/v1/knowledge-bases/${kb}/search?q=${encodeURIComponent(q)}&k=${k}`);

describe("knowledge bases and retrieval-augmented generation", () => {
  const kb = `kb-${randomUUID().slice(0, 8)}`;

  it("vectorizes a text and an S3 document, finds each by meaning, and grounds a reply in the right one", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: runtime.outputs.DocumentBucketName,
        Key: `docs/${kb}/sourdough.txt`,
        Body: sourdough,
        ContentType: "text/plain; charset=utf-8",
      }),
    );
    const [fromText, fromS3] = await Promise.all([
      run("vectorize_document", { knowledgeBaseId: kb, documentId: "tides", text: tides }),
      run("vectorize_document", {
        knowledgeBaseId: kb,
        documentId: "sourdough",
        s3: { key: `docs/${kb}/sourdough.txt` },
        metadata: { source: "s3" },
      }),
    ]);
    expect(fromText.result).toMatchObject({
      outcome: "created",
      documentId: "tides",
      model: { provider: "offline" },
      dimensions: 256,
    });
    expect((fromText.result as { chunks: number }).chunks).toBeGreaterThanOrEqual(1);
    expect(fromS3.result).toMatchObject({ outcome: "created", documentId: "sourdough" });

    const tideSearch = await search(kb, "why are there spring tides at full moon");
    expect(tideSearch.status).toBe(200);
    expect(tideSearch.body.items[0]).toMatchObject({ documentId: "tides" });
    expect(tideSearch.body.items[0]!.score).toBeGreaterThan(tideSearch.body.items.at(-1)!.score);
    const breadSearch = await search(kb, "how do I feed a sourdough starter", 1);
    expect(breadSearch.body.items).toHaveLength(1);
    expect(breadSearch.body.items[0]).toMatchObject({ documentId: "sourdough", metadata: { source: "s3" } });

    const conversationId = `conv-${randomUUID().slice(0, 8)}`;
    const reply = await api<Task>("POST", "/v1/tasks/ai/generate", {
      body: {
        conversationId,
        userMessage: "What causes spring tides?",
        knowledgeBaseId: kb,
        topK: 2,
        priority: "high",
      },
    });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ type: "generate_ai_response", priority: "high" });
    const answered = await waitForStatus(reply.body.id, ["succeeded", "failed"]);
    const result = answered.result as {
      message: { role: string; content: string };
      model: { provider: string; id: string };
      usage: { inputTokens: number; outputTokens: number };
      sources: { ref: number; documentId: string; chunkIndex: number }[];
    };
    expect(answered.status).toBe("succeeded");
    expect(result.model.provider).toBe("offline");
    expect(result.sources[0]).toMatchObject({ ref: 1, documentId: "tides" });
    // The offline model lists the sources its prompt carried: the right document, cited as [1].
    expect(result.message.content).toContain(`[1] tides#${result.sources[0]!.chunkIndex}`);
    expect(result.message.content).toContain('Most relevant [1]: "Tides are the rise and fall of sea levels');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it("embeds nothing when the same content is vectorized again", async () => {
    const again = await run("vectorize_document", { knowledgeBaseId: kb, documentId: "tides", text: tides });
    expect(again.result).toMatchObject({ outcome: "unchanged", inputTokens: 0 });
  });

  it("re-embeds changed documents and removes missing ones on update_knowledge_base", async () => {
    const updated = await run("update_knowledge_base", {
      knowledgeBaseId: kb,
      documents: [
        { documentId: "tides", text: tides },
        { documentId: "volcanoes", text: "Volcanoes erupt when magma rises through the crust." },
      ],
    });
    expect(updated.result).toMatchObject({
      vectorized: ["volcanoes"],
      unchanged: ["tides"],
      removed: ["sourdough"],
    });
    const bread = await search(kb, "sourdough starter flour", 10);
    expect(bread.body.items.map((item) => item.documentId)).not.toContain("sourdough");
    expect(bread.body.items.map((item) => item.documentId)).toContain("volcanoes");
  });

  it("deletes one document's vectors, then the whole base's", async () => {
    const one = await run("delete_knowledge_vectors", { knowledgeBaseId: kb, documentId: "volcanoes" });
    expect(one.result).toMatchObject({ deletedDocuments: 1 });
    const left = await search(kb, "magma", 10);
    expect(left.body.items.length).toBeGreaterThan(0);
    expect(new Set(left.body.items.map((item) => item.documentId))).toEqual(new Set(["tides"]));

    const all = await run("delete_knowledge_vectors", { knowledgeBaseId: kb });
    expect(all.result).toMatchObject({ deletedDocuments: 1 });
    expect((await search(kb, "tides")).body.items).toEqual([]);

    const again = await run("delete_knowledge_vectors", { knowledgeBaseId: kb });
    expect(again.result).toMatchObject({ deletedDocuments: 0, deletedChunks: 0 });
  });

  it("answers a search without q with a 400 naming q, and an unknown base with no items", async () => {
    const missing = await api<{ error: { details: { issues: { path: string }[] } } }>(
      "GET",
      `/v1/knowledge-bases/${kb}/search`,
    );
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues.map((issue) => issue.path)).toContain("q");
    const badK = await api("GET", `/v1/knowledge-bases/${kb}/search?q=x&k=1000`);
    expect(badK.status).toBe(400);
    expect((await search("no-such-base", "anything")).body.items).toEqual([]);
  });

  it("fails vectorize_document for a missing S3 object without retrying", async () => {
    const accepted = await submit({
      type: "vectorize_document",
      input: { knowledgeBaseId: kb, documentId: "ghost", s3: { key: "docs/none/missing.txt" } },
    });
    const done = await waitForStatus(accepted.id, ["succeeded", "failed"]);
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ type: "document_unavailable", retryable: false });
    expect(done.attempts).toBe(1);
  });
});

describe("conversations", () => {
  it("keeps the history, sends it with the next turn, and returns it oldest first", async () => {
    const conversationId = `conv-${randomUUID().slice(0, 8)}`;
    const first = await run("generate_ai_response", { conversationId, userMessage: "Hello, I am Ada." });
    expect(first.result).toMatchObject({ historyMessages: 0, conversationId });
    const second = await run("generate_ai_response", { conversationId, userMessage: "What is my name?" });
    expect(second.result).toMatchObject({ historyMessages: 2 });
    expect((second.result as { message: { content: string } }).message.content).toContain(
      "Earlier messages in context: 2.",
    );

    const history = await api<{
      conversationId: string;
      items: { role: string; content: string; taskId: string; model?: { provider: string } }[];
      nextCursor: string | null;
    }>("GET", `/v1/conversations/${conversationId}`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((item) => [item.role, item.taskId])).toEqual([
      ["user", first.id],
      ["assistant", first.id],
      ["user", second.id],
      ["assistant", second.id],
    ]);
    expect(history.body.items[0]!.content).toBe("Hello, I am Ada.");
    expect(history.body.items[1]!.model).toEqual({ provider: "offline", id: "claw-offline-chat-1" });
    expect(history.body.nextCursor).toBeNull();

    const paged = await api<{ items: unknown[]; nextCursor: string | null }>(
      "GET",
      `/v1/conversations/${conversationId}?limit=3`,
    );
    expect(paged.body.items).toHaveLength(3);
    const rest = await api<{ items: { taskId: string }[] }>(
      "GET",
      `/v1/conversations/${conversationId}?limit=3&cursor=${paged.body.nextCursor}`,
    );
    expect(rest.body.items.map((item) => item.taskId)).toEqual([second.id]);
  });

  it("answers 404 for an unknown conversation and 400 for a bad cursor", async () => {
    expect((await api("GET", "/v1/conversations/never-started")).status).toBe(404);
    expect((await api("GET", "/v1/conversations/never-started?cursor=bm9wZQ")).status).toBe(400);
  });
});
