import { setTimeout as sleep } from 'node:timers/promises';
import type { Usage } from '../core/domain.ts';
import { ModelError } from './chat-model.ts';
import type { ChatModel, ChatModelMessage, ChatModelPart, ChatModelRequest } from './chat-model.ts';

// The built-in offline model: a development stand-in, not a language model, and it says so.
// Its reply is a pure function of the last user message, streamed a word at a time, so `npm start`
// works with no key and tests are repeatable. The reply has several sentences, one with an
// abbreviation and one with a decimal number, to exercise sentence segmentation downstream.

export const OFFLINE_MODEL_NAME = 'builtin:offline-stand-in';

const QUOTE_LIMIT = 200;

export interface OfflineChatModelOptions {
  /** Pause before each word, to look like a stream (default 10 ms; 0 in tests). */
  tokenDelayMs?: number;
}

export class OfflineChatModel implements ChatModel {
  readonly name = OFFLINE_MODEL_NAME;
  readonly provider = 'builtin';
  readonly #tokenDelayMs: number;

  constructor(options: OfflineChatModelOptions = {}) {
    this.#tokenDelayMs = options.tokenDelayMs ?? 10;
  }

  async *stream(request: ChatModelRequest): AsyncGenerator<ChatModelPart> {
    const reply = offlineReply(request.messages);
    for (const word of splitWords(reply)) {
      throwIfAborted(request.signal);
      if (this.#tokenDelayMs > 0) {
        await sleep(this.#tokenDelayMs, undefined, { signal: request.signal }).catch(() => {});
        throwIfAborted(request.signal);
      }
      yield { type: 'text-delta', text: word };
    }
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: offlineUsage(request.messages, reply),
      model: this.name,
    };
  }
}

/** The whole reply to a conversation: what the stream's deltas add up to. */
export function offlineReply(messages: ChatModelMessage[]): string {
  const lastUserMessage = messages.findLast((message) => message.role === 'user')?.content ?? '';
  const prompt = lastUserMessage.replace(/\s+/g, ' ').trim();
  const quoted =
    prompt === ''
      ? 'You sent an empty message.'
      : `You said: "${prompt.length > QUOTE_LIMIT ? `${prompt.slice(0, QUOTE_LIMIT)}…` : prompt}".`;
  return [
    "This is cai's built-in offline stand-in, not a real language model.",
    quoted,
    'It answers the same way every time, e.g. for tests and for trying cai without an API key.',
    'This stand-in, version 1.0, knows no facts and cannot reason.',
    'To talk to a real model, set a provider key such as OPENAI_API_KEY or ANTHROPIC_API_KEY (or OLLAMA_BASE_URL for a local server) and restart cai.',
  ].join(' ');
}

/** Estimated like the vendors' rule of thumb: a token per four characters. */
function offlineUsage(messages: ChatModelMessage[], reply: string): Usage {
  const inputCharacters = messages.reduce((total, message) => total + message.content.length, 0);
  const inputTokens = Math.ceil(inputCharacters / 4);
  const outputTokens = Math.ceil(reply.length / 4);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

/** Words with the whitespace before them, so that the deltas concatenate back to the reply. */
function splitWords(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw new ModelError({
      kind: 'aborted',
      message: `${OFFLINE_MODEL_NAME}: the call was aborted`,
      retryable: false,
    });
  }
}
