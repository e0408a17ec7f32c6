import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { startFakeAnthropicServer } from '../../test/fakes/fake-anthropic-server.ts';
import { startFakeOpenAiServer } from '../../test/fakes/fake-openai-server.ts';
import { AiSdkChatModel } from './ai-sdk-chat-model.ts';
import { describeChatModelContract } from './chat-model-contract.ts';

// Every failure mode through the real AI SDK providers, against local servers speaking each vendor's
// wire format: the contract that cai's own Chat Completions client (chat-completions-model.test.ts)
// is held to as well.

describeChatModelContract({
  title: 'AiSdkChatModel over openai',
  start: startFakeOpenAiServer,
  build: ({ baseUrl, name }) =>
    new AiSdkChatModel({
      name,
      provider: 'openai',
      model: createOpenAI({ apiKey: 'test-key', baseURL: baseUrl }).chat('gpt-4o-mini'),
    }),
  name: 'openai:test',
  recordedText: 'Hello! How can I help you today?',
});

describeChatModelContract({
  title: 'AiSdkChatModel over anthropic',
  start: startFakeAnthropicServer,
  build: ({ baseUrl, name }) =>
    new AiSdkChatModel({
      name,
      provider: 'anthropic',
      model: createAnthropic({ apiKey: 'test-key', baseURL: baseUrl }).messages('claude-3-5-haiku-latest'),
    }),
  name: 'anthropic:test',
  recordedText: 'Hello! How can I help you today?',
});
