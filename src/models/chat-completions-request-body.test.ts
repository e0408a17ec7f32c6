import { createCerebras } from '@ai-sdk/cerebras';
import { createGroq } from '@ai-sdk/groq';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '../../test/fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../../test/fakes/fake-vendor-server.ts';
import { AiSdkChatModel } from './ai-sdk-chat-model.ts';
import { CHAT_COMPLETIONS_DIALECTS } from './chat-completions-dialect.ts';
import type { ChatCompletionsDialect } from './chat-completions-dialect.ts';
import { directModel } from './chat-completions-test-helpers.ts';
import type { ChatModel, ChatModelRequest } from './chat-model.ts';

// cai's Chat Completions client sends, for each vendor, the request that vendor's AI SDK provider
// sends: both are asked the same and the fake server records what reached it.

describe('the request body, against the AI SDK provider of each dialect', () => {
  let server: FakeVendorServer;
  beforeAll(async () => {
    server = await startFakeOpenAiServer();
  });
  afterAll(() => server.close());

  const request = (delivery: 'stream' | 'whole'): ChatModelRequest => ({
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'And now?' },
    ],
    signal: new AbortController().signal,
    maxOutputTokens: 100,
    temperature: 0.5,
    topP: 0.9,
    delivery,
  });

  async function bodySentBy(model: ChatModel, delivery: 'stream' | 'whole') {
    const before = server.requests.length;
    for await (const _part of model.stream(request(delivery)));
    return server.requests[before]!;
  }

  const cases: Array<
    [string, string, ChatCompletionsDialect, (baseUrl: string, modelId: string) => LanguageModelV3]
  > = [
    [
      'openai',
      'gpt-4o-mini',
      CHAT_COMPLETIONS_DIALECTS.openai,
      (baseURL, id) => createOpenAI({ apiKey: 'test-key', baseURL }).chat(id),
    ],
    [
      'openai (a reasoning model)',
      'o3-mini',
      CHAT_COMPLETIONS_DIALECTS.openai,
      (baseURL, id) => createOpenAI({ apiKey: 'test-key', baseURL }).chat(id),
    ],
    [
      'openai (gpt-5)',
      'gpt-5-mini',
      CHAT_COMPLETIONS_DIALECTS.openai,
      (baseURL, id) => createOpenAI({ apiKey: 'test-key', baseURL }).chat(id),
    ],
    [
      'openai (a search-preview model)',
      'gpt-4o-mini-search-preview',
      CHAT_COMPLETIONS_DIALECTS.openai,
      (baseURL, id) => createOpenAI({ apiKey: 'test-key', baseURL }).chat(id),
    ],
    [
      'an OpenAI-compatible server',
      'llama3.2',
      CHAT_COMPLETIONS_DIALECTS.openAiCompatible,
      (baseURL, id) =>
        createOpenAICompatible({ name: 'ollama', baseURL, apiKey: 'test-key', includeUsage: true }).chatModel(
          id,
        ),
    ],
    [
      'cerebras',
      'llama3.1-8b',
      CHAT_COMPLETIONS_DIALECTS.cerebras,
      (baseURL, id) => createCerebras({ apiKey: 'test-key', baseURL }).languageModel(id),
    ],
    [
      'groq',
      'llama-3.1-8b-instant',
      CHAT_COMPLETIONS_DIALECTS.groq,
      (baseURL, id) => createGroq({ apiKey: 'test-key', baseURL }).languageModel(id),
    ],
  ];

  it.each(cases)(
    'for %s (%s) is the one its AI SDK provider sends',
    async (_title, modelId, dialect, aiSdk) => {
      const direct = directModel({ baseUrl: server.baseUrl, modelId, dialect });
      const viaSdk = new AiSdkChatModel({
        name: 'x:test',
        provider: 'x',
        model: aiSdk(server.baseUrl, modelId),
      });
      for (const delivery of ['stream', 'whole'] as const) {
        const ours = await bodySentBy(direct, delivery);
        const theirs = await bodySentBy(viaSdk, delivery);
        expect(ours.body).toEqual(theirs.body);
        expect(ours.path).toBe(theirs.path);
        expect(ours.headers.authorization).toBe(theirs.headers.authorization);
      }
    },
  );
});
