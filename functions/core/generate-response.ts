/**
 * Use case: the assistant's reply in a conversation. Loads the history
 * (newest messages that fit a token budget), retrieves the nearest chunks of
 * a knowledge base when one is given and puts them, numbered, in the system
 * prompt, calls the chat model with the task's signal, then stores the user's
 * message and the reply.
 */
import { searchKnowledgeBase } from "./knowledge.ts";
import type {
  ChatMessage,
  ChatModel,
  ChunkMatch,
  ConversationMessage,
  ConversationStore,
  EmbeddingModel,
  ModelRef,
  TokenUsage,
  VectorIndex,
} from "./task-ports.ts";
import { estimateTokens } from "./text-chunks.ts";

export interface GenerateDeps {
  readonly conversations: ConversationStore;
  readonly chat: ChatModel;
  /** Needed when a task names a knowledge base. */
  readonly retrieval?: { readonly vectors: VectorIndex; readonly embeddings: EmbeddingModel };
  readonly now: () => Date;
  /** Tokens (estimated) of earlier messages sent with a request. */
  readonly historyTokenBudget: number;
  /** Messages read from the store at most, whatever the budget. */
  readonly historyMessageLimit: number;
}

export interface GenerateInput {
  readonly conversationId: string;
  readonly userMessage: string;
  readonly knowledgeBaseId?: string;
  readonly topK?: number;
  readonly systemPrompt?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
}

export interface GenerateTurn {
  readonly taskId: string;
  /** When the task was submitted: the turn's place in the conversation. */
  readonly submittedAt: string;
  readonly signal: AbortSignal;
}

export interface SourceReference {
  /** The number the prompt gives the chunk: `[n]`. */
  readonly ref: number;
  readonly documentId: string;
  readonly chunkIndex: number;
  readonly score: number;
}

export interface GenerateResult {
  readonly conversationId: string;
  readonly message: ChatMessage;
  readonly model: ModelRef;
  readonly usage: TokenUsage;
  readonly sources: readonly SourceReference[];
  /** Earlier messages sent with the request. */
  readonly historyMessages: number;
}

export const defaultSystemPrompt = "You are the CLAW.AI assistant. Answer accurately and concisely.";
export const defaultTopK = 4;

/** The system prompt with the retrieved chunks, numbered, so the model can cite them as [n]. */
export function promptWithSources(
  systemPrompt: string,
  knowledgeBaseId: string,
  matches: readonly ChunkMatch[],
) {
  if (matches.length === 0) return systemPrompt;
  const sources = matches.map(
    (match, index) => `[${index + 1}] (document ${match.documentId}, chunk ${match.index}) ${match.text}`,
  );
  return [
    systemPrompt,
    "",
    `Sources from knowledge base ${knowledgeBaseId}; use them when they help and cite them as [n]:`,
    ...sources,
  ].join("\n");
}

/** The newest messages (of other turns) whose estimated tokens fit the budget, oldest first. */
export function historyWithinBudget(
  newestFirst: readonly ConversationMessage[],
  taskId: string,
  budget: number,
): ChatMessage[] {
  const kept: ChatMessage[] = [];
  let used = 0;
  for (const message of newestFirst) {
    // A re-run of this task may find its own earlier messages; they are rewritten, not repeated.
    if (message.taskId === taskId) continue;
    used += estimateTokens(message.content);
    if (used > budget) break;
    kept.push({ role: message.role, content: message.content });
  }
  // A history must start with the user's turn (Bedrock Converse requires it).
  while (kept.length > 0 && kept.at(-1)!.role !== "user") kept.pop();
  return kept.reverse();
}

export async function generateResponse(
  input: GenerateInput,
  turn: GenerateTurn,
  deps: GenerateDeps,
): Promise<GenerateResult> {
  const recent = await deps.conversations.recent(input.conversationId, deps.historyMessageLimit);
  const history = historyWithinBudget(recent, turn.taskId, deps.historyTokenBudget);

  let matches: ChunkMatch[] = [];
  if (input.knowledgeBaseId) {
    if (!deps.retrieval) throw new Error("knowledge retrieval is not configured for this worker");
    const found = await searchKnowledgeBase(
      input.knowledgeBaseId,
      input.userMessage,
      input.topK ?? defaultTopK,
      deps.retrieval,
      turn.signal,
    );
    matches = [...found.items];
  }
  const system = promptWithSources(
    input.systemPrompt ?? defaultSystemPrompt,
    input.knowledgeBaseId ?? "",
    matches,
  );

  const response = await deps.chat.chat({
    system,
    messages: [...history, { role: "user", content: input.userMessage }],
    ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
    ...(input.maxTokens === undefined ? {} : { maxTokens: input.maxTokens }),
    signal: turn.signal,
  });

  const common = { conversationId: input.conversationId, taskId: turn.taskId, turnAt: turn.submittedAt };
  const at = deps.now().toISOString();
  await deps.conversations.append([
    { ...common, role: "user", content: input.userMessage, at, position: 0 },
    {
      ...common,
      role: "assistant",
      content: response.content,
      at,
      position: 1,
      model: response.model,
      usage: response.usage,
    },
  ]);

  return {
    conversationId: input.conversationId,
    message: { role: "assistant", content: response.content },
    model: response.model,
    usage: response.usage,
    sources: matches.map((match, index) => ({
      ref: index + 1,
      documentId: match.documentId,
      chunkIndex: match.index,
      score: match.score,
    })),
    historyMessages: history.length,
  };
}
