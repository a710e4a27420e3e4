/**
 * Chat and embedding models on Amazon Bedrock: the Converse API for chat
 * (any model that supports it: Amazon Nova, Anthropic Claude, Meta Llama ...)
 * and InvokeModel with Amazon Titan Text Embeddings v2 for vectors (one text
 * per call; the model takes no batches).
 *
 * The SDK package loads on the first request (its chunk of the bundle), not
 * when this module does: a worker whose models are offline never loads it.
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { TaskFailure } from "../core/task-failure.ts";
import type { ChatModel, EmbeddingModel, ModelRef } from "../core/task-ports.ts";

/** Bedrock errors that a later attempt may not meet. */
const retryableErrors = new Set([
  "ThrottlingException",
  "ServiceUnavailableException",
  "ModelNotReadyException",
  "ModelTimeoutException",
  "InternalServerException",
  "ServiceQuotaExceededException",
]);

function typedFailure(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  const name = (error as { name?: string }).name ?? "Error";
  // Bedrock's messages name model and account ARNs: the record gets the error name, the log the message.
  const safeName = /^[A-Za-z]{1,64}$/.test(name) ? name : "Error";
  const detail = `Bedrock: ${name}: ${(error as Error).message}`;
  return retryableErrors.has(name)
    ? new TaskFailure("model_unavailable", `the model is unavailable (${safeName}); retrying`, {
        retryable: true,
        cause: error,
        detail,
      })
    : new TaskFailure("model_request_rejected", `the model refused the request (${safeName})`, {
        retryable: false,
        cause: error,
        detail,
      });
}

/** A client, or how to get one on first use (aws-clients.ts). */
export type BedrockClientSource = BedrockRuntimeClient | (() => Promise<BedrockRuntimeClient>);

async function connect(source: BedrockClientSource) {
  const [client, commands] = await Promise.all([
    typeof source === "function" ? source() : source,
    import("@aws-sdk/client-bedrock-runtime"),
  ]);
  return { client, ...commands };
}

export function createBedrockChatModel(source: BedrockClientSource, modelId: string): ChatModel {
  const model: ModelRef = { provider: "bedrock", id: modelId };
  return {
    model,
    async chat(request) {
      const inferenceConfig = {
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
      };
      try {
        const { client, ConverseCommand } = await connect(source);
        const output = await client.send(
          new ConverseCommand({
            modelId,
            ...(request.system ? { system: [{ text: request.system }] } : {}),
            messages: request.messages.map(({ role, content }) => ({ role, content: [{ text: content }] })),
            ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
          }),
          { abortSignal: request.signal },
        );
        const content = (output.output?.message?.content ?? []).map((block) => block.text ?? "").join("");
        return {
          content,
          model,
          usage: {
            inputTokens: output.usage?.inputTokens ?? 0,
            outputTokens: output.usage?.outputTokens ?? 0,
          },
          ...(output.stopReason ? { stopReason: output.stopReason } : {}),
        };
      } catch (error) {
        throw typedFailure(error, request.signal);
      }
    },
  };
}

export const titanEmbedV2 = "amazon.titan-embed-text-v2:0";

export function createBedrockTitanEmbeddingModel(
  source: BedrockClientSource,
  options: { readonly modelId?: string; readonly dimensions?: 256 | 512 | 1024 } = {},
): EmbeddingModel {
  const modelId = options.modelId ?? titanEmbedV2;
  const model: ModelRef = { provider: "bedrock", id: modelId };
  return {
    model,
    // Titan takes one text a call; the batch is sent as concurrent calls.
    maxBatchSize: 8,
    async embed(texts, signal) {
      try {
        const { client, InvokeModelCommand } = await connect(source);
        const results = await Promise.all(
          texts.map(async (inputText) => {
            const output = await client.send(
              new InvokeModelCommand({
                modelId,
                contentType: "application/json",
                accept: "application/json",
                body: JSON.stringify({ inputText, dimensions: options.dimensions ?? 1024, normalize: true }),
              }),
              { abortSignal: signal },
            );
            return JSON.parse(new TextDecoder().decode(output.body)) as {
              embedding: number[];
              inputTextTokenCount?: number;
            };
          }),
        );
        return {
          vectors: results.map((result) => result.embedding),
          model,
          inputTokens: results.reduce((sum, result) => sum + (result.inputTextTokenCount ?? 0), 0),
        };
      } catch (error) {
        throw typedFailure(error, signal);
      }
    },
  };
}
