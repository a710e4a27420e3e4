/**
 * The offline model provider: deterministic, no network, no weights. It is
 * what `npm start` and the tests use unless a stage names another provider.
 *
 * - Embeddings hash each word and word pair of a text into a fixed number of
 *   dimensions (feature hashing), weighted by 1 + ln(count) and normalised,
 *   so texts that share words are near each other: enough to check a
 *   knowledge base end to end.
 * - The chat model calls nothing: its reply says that it is the offline
 *   model and reports what it was given (the user's message, how many earlier
 *   messages, the numbered sources in the system prompt), so what the model
 *   was given shows in the task's result.
 */

import type { ChatModel, EmbeddingModel, ModelRef } from "../core/task-ports.ts";
import { estimateTokens } from "../core/text-chunks.ts";

export const offlineChatModelId = "claw-offline-chat-1";
export const offlineEmbeddingModelId = "claw-offline-embed-1";

/** FNV-1a, 32 bit: a fast, stable string hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const wordsOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

export function offlineEmbedding(text: string, dimensions: number): number[] {
  const words = wordsOf(text);
  const features = [...words, ...words.slice(1).map((word, index) => `${words[index]} ${word}`)];
  const counts = new Map<string, number>();
  for (const feature of features) counts.set(feature, (counts.get(feature) ?? 0) + 1);
  const vector = new Array<number>(dimensions).fill(0);
  for (const [feature, count] of counts) {
    const hash = fnv1a(feature);
    // The top bit picks the sign, so unrelated features cancel out rather than pile up.
    vector[hash % dimensions]! += (hash & 0x80000000 ? -1 : 1) * (1 + Math.log(count));
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

export function createOfflineEmbeddingModel(dimensions = 256): EmbeddingModel {
  const model: ModelRef = { provider: "offline", id: offlineEmbeddingModelId };
  return {
    model,
    maxBatchSize: 64,
    async embed(texts, signal) {
      signal.throwIfAborted();
      return {
        vectors: texts.map((text) => offlineEmbedding(text, dimensions)),
        model,
        inputTokens: texts.reduce((sum, text) => sum + estimateTokens(text), 0),
      };
    },
  };
}

const sourceLine = /^\[(\d+)\] \(document ([^,]+), chunk (\d+)\) (.*)$/gmu;

export function createOfflineChatModel(): ChatModel {
  const model: ModelRef = { provider: "offline", id: offlineChatModelId };
  return {
    model,
    async chat(request) {
      request.signal.throwIfAborted();
      const last = request.messages.at(-1)?.content ?? "";
      const sources = [...(request.system ?? "").matchAll(sourceLine)];
      const lines = [
        `Offline reply from ${offlineChatModelId} (no language model was called).`,
        `You said: "${last.length > 300 ? `${last.slice(0, 300)}...` : last}"`,
        `Earlier messages in context: ${request.messages.length - 1}.`,
      ];
      if (sources.length > 0) {
        const [, , , , firstText = ""] = sources[0]!;
        lines.push(
          `Sources in context: ${sources.map(([, ref, documentId, chunk]) => `[${ref}] ${documentId}#${chunk}`).join(", ")}.`,
          `Most relevant [1]: "${firstText.length > 200 ? `${firstText.slice(0, 200)}...` : firstText}"`,
        );
      }
      let content = lines.join("\n");
      if (request.maxTokens !== undefined && estimateTokens(content) > request.maxTokens) {
        content = content.slice(0, request.maxTokens * 4);
      }
      const prompt = [request.system ?? "", ...request.messages.map((message) => message.content)].join("\n");
      return {
        content,
        model,
        usage: { inputTokens: estimateTokens(prompt), outputTokens: estimateTokens(content) },
        stopReason: "end_turn",
      };
    },
  };
}
