import type { Usage } from '../../core/domain.ts';
import type { TurnFinishReason } from '../../core/turn-events.ts';
import { usageToWire } from './wire-format.ts';

// cai's turn results → the objects of OpenAI's Chat Completions and Models APIs.

export type OpenAiUsage = ReturnType<typeof usageToWire>;

/** What every object of one completion shares. The id is the stored assistant message's. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function completionIdentity(options: {
  assistantMessageId: string;
  model: string;
}): CompletionIdentity {
  return {
    id: `chatcmpl-${options.assistantMessageId}`,
    created: Math.floor(Date.now() / 1000),
    model: options.model,
  };
}

/** OpenAI's finish reasons for the turns that end normally. */
export function openAiFinishReason(reason: TurnFinishReason): 'stop' | 'length' {
  return reason === 'length' ? 'length' : 'stop';
}

export function chatCompletion(options: {
  identity: CompletionIdentity;
  content: string;
  finishReason: 'stop' | 'length';
  usage: Usage | null;
}) {
  return {
    ...options.identity,
    object: 'chat.completion' as const,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: options.content, refusal: null },
        logprobs: null,
        finish_reason: options.finishReason,
      },
    ],
    ...(options.usage === null ? {} : { usage: usageToWire(options.usage) }),
  };
}

export function chatCompletionChunk(options: {
  identity: CompletionIdentity;
  delta: { role?: 'assistant'; content?: string };
  finishReason?: 'stop' | 'length';
}) {
  return {
    ...options.identity,
    object: 'chat.completion.chunk' as const,
    choices: [
      { index: 0, delta: options.delta, logprobs: null, finish_reason: options.finishReason ?? null },
    ],
  };
}

/** The chunk `stream_options.include_usage` asks for: no choices, the whole turn's usage. */
export function usageChunk(options: { identity: CompletionIdentity; usage: Usage | null }) {
  return {
    ...options.identity,
    object: 'chat.completion.chunk' as const,
    choices: [],
    usage: options.usage === null ? null : usageToWire(options.usage),
  };
}

export function modelObject(options: { id: string; provider: string; created: number }) {
  return { id: options.id, object: 'model' as const, created: options.created, owned_by: options.provider };
}
