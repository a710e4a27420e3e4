/**
 * Builds the chat and embedding models a function is configured with. The
 * stack sets the variables from the stage's `models` config
 * (lib/stage-config.ts); an API key, when a provider needs one, comes from
 * Secrets Manager by ARN, never from the environment itself.
 *
 *   CHAT_PROVIDER       offline | bedrock | openai
 *   CHAT_MODEL          model id (bedrock, openai)
 *   CHAT_BASE_URL       openai-compatible base URL
 *   CHAT_API_KEY_SECRET  optional, openai: the secret's name or ARN
 *   EMBEDDING_PROVIDER, EMBEDDING_MODEL, EMBEDDING_BASE_URL, EMBEDDING_API_KEY_SECRET
 *   EMBEDDING_DIMENSIONS  vector size (offline, Titan v2: 256 | 512 | 1024; openai: optional)
 */
import type { ChatModel, EmbeddingModel } from "../core/task-ports.ts";
import { bedrockRuntimeClient } from "./aws-clients.ts";
import { createBedrockChatModel, createBedrockTitanEmbeddingModel } from "./bedrock-models.ts";
import { numberFromEnv, requireEnv } from "./environment.ts";
import { createOfflineChatModel, createOfflineEmbeddingModel } from "./offline-models.ts";
import { createOpenAiChatModel, createOpenAiEmbeddingModel } from "./openai-models.ts";
import { readSecret } from "./secrets.ts";

export const modelProviders = ["offline", "bedrock", "openai"] as const;
export type ModelProvider = (typeof modelProviders)[number];

function providerFromEnv(prefix: "CHAT" | "EMBEDDING"): ModelProvider {
  const provider = requireEnv(`${prefix}_PROVIDER`);
  if (!(modelProviders as readonly string[]).includes(provider)) {
    throw new Error(`${prefix}_PROVIDER must be one of ${modelProviders.join(", ")}, got ${provider}`);
  }
  return provider as ModelProvider;
}

function openAiOptions(prefix: "CHAT" | "EMBEDDING") {
  const secretId = process.env[`${prefix}_API_KEY_SECRET`];
  return {
    baseUrl: requireEnv(`${prefix}_BASE_URL`),
    model: requireEnv(`${prefix}_MODEL`),
    ...(secretId ? { apiKey: () => readSecret(secretId) } : {}),
  };
}

export function chatModelFromEnv(): ChatModel {
  switch (providerFromEnv("CHAT")) {
    case "offline":
      return createOfflineChatModel();
    case "bedrock":
      return createBedrockChatModel(bedrockRuntimeClient, requireEnv("CHAT_MODEL"));
    case "openai":
      return createOpenAiChatModel(openAiOptions("CHAT"));
  }
}

export function embeddingModelFromEnv(): EmbeddingModel {
  const dimensions = numberFromEnv("EMBEDDING_DIMENSIONS", 0) || undefined;
  switch (providerFromEnv("EMBEDDING")) {
    case "offline":
      return createOfflineEmbeddingModel(dimensions ?? 256);
    case "bedrock": {
      if (dimensions !== undefined && ![256, 512, 1024].includes(dimensions)) {
        throw new Error(`EMBEDDING_DIMENSIONS for Titan v2 must be 256, 512 or 1024, got ${dimensions}`);
      }
      return createBedrockTitanEmbeddingModel(bedrockRuntimeClient, {
        modelId: requireEnv("EMBEDDING_MODEL"),
        ...(dimensions ? { dimensions: dimensions as 256 | 512 | 1024 } : {}),
      });
    }
    case "openai":
      return createOpenAiEmbeddingModel({
        ...openAiOptions("EMBEDDING"),
        ...(dimensions ? { dimensions } : {}),
      });
  }
}
