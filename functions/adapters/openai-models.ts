/**
 * Chat and embedding models on any OpenAI-compatible HTTP endpoint (OpenAI,
 * Ollama, vLLM, LM Studio ...): `POST {baseUrl}/chat/completions` and
 * `POST {baseUrl}/embeddings`, bearer key optional.
 *
 * Failures are typed for the retry policy: 408, 409, 429 and 5xx answers and
 * network errors are retryable (`model_unavailable`); other 4xx answers are
 * not (`model_request_rejected`).
 */
import { TaskFailure } from "../core/task-failure.ts";
import type { ChatModel, EmbeddingModel, ModelRef } from "../core/task-ports.ts";

export interface OpenAiCompatibleOptions {
  /** e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1` (Ollama). */
  readonly baseUrl: string;
  readonly model: string;
  /** Resolved lazily (a secret read on first use); undefined means no Authorization header. */
  readonly apiKey?: () => Promise<string | undefined>;
  /** Texts per embeddings request. @default 64 */
  readonly maxBatchSize?: number;
  /** Requested vector size, for models that can shorten theirs (text-embedding-3-*). */
  readonly dimensions?: number;
}

const retryableStatuses = new Set([408, 409, 425, 429]);

async function postJson(
  options: OpenAiCompatibleOptions,
  path: string,
  body: unknown,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const url = `${options.baseUrl.replace(/\/+$/, "")}${path}`;
  const key = await options.apiKey?.();
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    // The endpoint's URL and the network error stay in the log (task-failure.ts).
    throw new TaskFailure("model_unavailable", "the model endpoint is unreachable", {
      retryable: true,
      cause: error,
      detail: `model endpoint ${url} unreachable: ${(error as Error).message}`,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    const retryable = response.status >= 500 || retryableStatuses.has(response.status);
    throw new TaskFailure(
      retryable ? "model_unavailable" : "model_request_rejected",
      `the model endpoint answered ${response.status}`,
      { retryable, detail: `model endpoint ${url} answered ${response.status}: ${text.slice(0, 500)}` },
    );
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TaskFailure("model_bad_response", "the model endpoint answered with non-JSON", {
      retryable: true,
      detail: `model endpoint ${url} answered with non-JSON: ${text.slice(0, 500)}`,
    });
  }
}

function badResponse(what: string): TaskFailure {
  return new TaskFailure("model_bad_response", `OpenAI-compatible answer without ${what}`, {
    retryable: true,
  });
}

export function createOpenAiChatModel(options: OpenAiCompatibleOptions): ChatModel {
  const model: ModelRef = { provider: "openai", id: options.model };
  return {
    model,
    async chat(request) {
      const answer = await postJson(
        options,
        "/chat/completions",
        {
          model: options.model,
          messages: [
            ...(request.system ? [{ role: "system", content: request.system }] : []),
            ...request.messages.map(({ role, content }) => ({ role, content })),
          ],
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
          stream: false,
        },
        request.signal,
      );
      const choice = (answer.choices as { message?: { content?: unknown }; finish_reason?: string }[])?.[0];
      const content = choice?.message?.content;
      if (typeof content !== "string") throw badResponse("choices[0].message.content");
      const usage = answer.usage as { prompt_tokens?: number; completion_tokens?: number } | undefined;
      return {
        content,
        model: { provider: "openai", id: typeof answer.model === "string" ? answer.model : options.model },
        usage: { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 },
        ...(choice?.finish_reason ? { stopReason: choice.finish_reason } : {}),
      };
    },
  };
}

export function createOpenAiEmbeddingModel(options: OpenAiCompatibleOptions): EmbeddingModel {
  const model: ModelRef = { provider: "openai", id: options.model };
  return {
    model,
    maxBatchSize: options.maxBatchSize ?? 64,
    async embed(texts, signal) {
      const answer = await postJson(
        options,
        "/embeddings",
        {
          model: options.model,
          input: texts,
          encoding_format: "float",
          ...(options.dimensions ? { dimensions: options.dimensions } : {}),
        },
        signal,
      );
      const data = answer.data as { index?: number; embedding?: unknown }[] | undefined;
      if (!Array.isArray(data) || data.length !== texts.length)
        throw badResponse(`${texts.length} embeddings`);
      const vectors = [...data]
        .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
        .map((item) => {
          if (!Array.isArray(item.embedding)) throw badResponse("data[].embedding");
          return item.embedding as number[];
        });
      const usage = answer.usage as { prompt_tokens?: number } | undefined;
      return { vectors, model, inputTokens: usage?.prompt_tokens ?? 0 };
    },
  };
}
