import { CHAT_COMPLETIONS_DIALECTS } from './chat-completions-dialect.ts';
import type { ChatCompletionsDialect } from './chat-completions-dialect.ts';
import { ChatCompletionsEndpoint } from './chat-completions-endpoint.ts';
import { ChatCompletionsModel } from './chat-completions-model.ts';

// Test helpers for cai's Chat Completions client: a model speaking to a fake server, and SSE events
// made by hand for what the fake's recorded stream never shows.

export function directModel(options: {
  baseUrl: string;
  /** `provider:model`, `openai:test` by default. */
  name?: string;
  modelId?: string;
  dialect?: ChatCompletionsDialect;
}): ChatCompletionsModel {
  const name = options.name ?? 'openai:test';
  return new ChatCompletionsModel({
    name,
    provider: name.slice(0, name.indexOf(':')),
    modelId: options.modelId ?? 'gpt-4o-mini',
    endpoint: new ChatCompletionsEndpoint({ baseUrl: options.baseUrl, apiKey: 'test-key' }),
    dialect: options.dialect ?? CHAT_COMPLETIONS_DIALECTS.openai,
  });
}

/** A chunk of a streamed reply as an SSE event, shaped as OpenAI sends it. */
export function chunkEvent(fields: {
  content?: string;
  finish?: string;
  extra?: Record<string, unknown>;
}): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1735689600,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        delta: fields.content === undefined ? {} : { content: fields.content },
        finish_reason: fields.finish ?? null,
      },
    ],
    ...fields.extra,
  })}\n\n`;
}

/** The usage chunk that `stream_options.include_usage` asks for: 5 tokens in, 3 out. */
export const usageEvent = `data: ${JSON.stringify({
  id: 'chatcmpl-1',
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
})}\n\n`;

export const doneEvent = 'data: [DONE]\n\n';
