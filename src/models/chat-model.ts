import type { Usage } from '../core/domain.ts';

// The model port: what the conversation engine needs of any language model. Adapters (the AI SDK
// providers, the built-in offline model) implement it; the resilient wrapper adds retries,
// fallback and the between-chunk timeout around any of them.

export interface ChatModelMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatModelRequest {
  messages: ChatModelMessage[];
  /** Aborting it must abort the upstream call at once (the HTTP request is torn down). */
  signal: AbortSignal;
  maxOutputTokens?: number;
  temperature?: number;
  /** Nucleus sampling (OpenAI's `top_p`). */
  topP?: number;
  /**
   * `whole`: the caller answers only once the reply is complete (a non-streaming request), so the
   * model may be called without streaming and yield the whole text as one delta. `stream` (the
   * default) asks for the reply chunk by chunk.
   */
  delivery?: 'stream' | 'whole';
}

export type ChatModelFinishReason = 'stop' | 'length' | 'content-filter' | 'other';

/** A typed stream of small events (STYLE.md 2). Failures arrive as thrown ModelErrors from the iterator. */
export type ChatModelPart =
  | { type: 'text-delta'; text: string }
  | {
      type: 'finish';
      finishReason: ChatModelFinishReason;
      usage: Usage | null;
      /** `provider:model` of the model that actually answered (after fallback, not always the one asked for). */
      model?: string;
    };

export interface ChatModel {
  /** `provider:model`, as the user names it. */
  readonly name: string;
  readonly provider: string;
  stream(request: ChatModelRequest): AsyncIterable<ChatModelPart>;
}

/** Why a model call failed, in terms the retry policy and the protocols understand. */
export class ModelError extends Error {
  readonly kind: 'rate-limited' | 'upstream' | 'timeout' | 'aborted' | 'invalid-response' | 'client';
  readonly retryable: boolean;
  readonly statusCode: number | undefined;
  /** From the upstream's `Retry-After` (or `retry-after-ms`) header. */
  readonly retryAfterMs: number | undefined;

  constructor(options: {
    kind: ModelError['kind'];
    message: string;
    retryable: boolean;
    statusCode?: number;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = 'ModelError';
    this.kind = options.kind;
    this.retryable = options.retryable;
    this.statusCode = options.statusCode;
    this.retryAfterMs = options.retryAfterMs;
  }
}
