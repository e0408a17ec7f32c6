import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropicServer } from '../../test/fakes/fake-anthropic-server.ts';
import { startFakeOpenAiServer } from '../../test/fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../../test/fakes/fake-vendor-server.ts';
import { loadConfig } from '../config.ts';
import type { ChatModel, ChatModelPart } from './chat-model.ts';
import { ModelRegistry } from './model-registry.ts';

// The registry's providers on the wire: base URLs with the version path, the Chat Completions API for
// OpenAI and any OpenAI-compatible server, the Messages API for Anthropic, fallback across vendors.

let openAiServer: FakeVendorServer;
let anthropicServer: FakeVendorServer;

beforeAll(async () => {
  [openAiServer, anthropicServer] = await Promise.all([startFakeOpenAiServer(), startFakeAnthropicServer()]);
});
afterAll(() => Promise.all([openAiServer.close(), anthropicServer.close()]));

async function textOf(model: ChatModel) {
  const parts: ChatModelPart[] = [];
  for await (const part of model.stream({
    messages: [{ role: 'user', content: 'Hi' }],
    signal: new AbortController().signal,
  })) {
    parts.push(part);
  }
  return {
    text: parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join(''),
    last: parts.at(-1),
  };
}

describe('ModelRegistry on the wire', () => {
  it('speaks the Chat Completions API to OPENAI_BASE_URL with the key', async () => {
    const models = new ModelRegistry({
      config: loadConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openAiServer.baseUrl }),
    });
    openAiServer.enqueue({ type: 'stream', chunks: ['Hi', '!'] });
    const before = openAiServer.requests.length;
    expect((await textOf(models.resolve('gpt'))).text).toBe('Hi!');
    const request = openAiServer.requests[before]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body.model).toBe('gpt-4o-mini');
  });

  it('speaks to Ollama (any OpenAI-compatible server) at OLLAMA_BASE_URL, without a key', async () => {
    const models = new ModelRegistry({ config: loadConfig({ OLLAMA_BASE_URL: openAiServer.baseUrl }) });
    openAiServer.enqueue({ type: 'stream', chunks: ['Local', ' reply'] });
    const before = openAiServer.requests.length;
    const { text, last } = await textOf(models.resolve());
    expect(text).toBe('Local reply');
    expect(last).toMatchObject({ type: 'finish', finishReason: 'stop', model: 'ollama:llama3.2' });
    expect(openAiServer.requests[before]!.body.model).toBe('llama3.2');
  });

  it('speaks the Messages API to ANTHROPIC_BASE_URL with the key', async () => {
    const models = new ModelRegistry({
      config: loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: anthropicServer.baseUrl }),
    });
    anthropicServer.enqueue({ type: 'stream', chunks: ['Bonjour'] });
    const before = anthropicServer.requests.length;
    expect((await textOf(models.resolve('claude'))).text).toBe('Bonjour');
    const request = anthropicServer.requests[before]!;
    expect(request.path).toBe('/v1/messages');
    expect(request.headers['x-api-key']).toBe('sk-ant-test');
  });

  it('speaks the same requests through the AI SDK providers with CHAT_COMPLETIONS_CLIENT=ai-sdk', async () => {
    const environment = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openAiServer.baseUrl };
    const direct = new ModelRegistry({ config: loadConfig(environment) });
    const aiSdk = new ModelRegistry({
      config: loadConfig({ ...environment, CHAT_COMPLETIONS_CLIENT: 'ai-sdk' }),
    });
    openAiServer.enqueue({ type: 'stream', chunks: ['Same'] }, { type: 'stream', chunks: ['Same'] });
    const before = openAiServer.requests.length;
    const [viaDirect, viaAiSdk] = [await textOf(direct.resolve('gpt')), await textOf(aiSdk.resolve('gpt'))];
    expect(viaAiSdk).toEqual(viaDirect);
    const [directRequest, aiSdkRequest] = openAiServer.requests.slice(before);
    expect(aiSdkRequest!.body).toEqual(directRequest!.body);
    expect(aiSdkRequest!.headers['user-agent']).toMatch(/ai-sdk/);
    expect(directRequest!.headers['user-agent']).toBe('cai');
  });

  it('falls back to FALLBACK_MODELS when the requested model fails', async () => {
    const models = new ModelRegistry({
      config: loadConfig({
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: openAiServer.baseUrl,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        ANTHROPIC_BASE_URL: anthropicServer.baseUrl,
        FALLBACK_MODELS: 'claude',
        MODEL_MAX_RETRIES: '0',
      }),
    });
    openAiServer.enqueue({ type: 'server-error', status: 502 });
    anthropicServer.enqueue({ type: 'stream', chunks: ['Backup'] });
    const { text, last } = await textOf(models.resolve('openai:gpt-4o'));
    expect(text).toBe('Backup');
    expect(last).toMatchObject({ model: 'anthropic:claude-3-5-haiku-latest' });
  });
});
