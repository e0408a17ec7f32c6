import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText } from 'ai';
import { describe, expect, it } from 'vitest';
import { anthropicDialect, startFakeAnthropicServer } from './fake-anthropic-server.ts';
import { startFakeOpenAiServer } from './fake-openai-server.ts';

// The fakes' non-streamed answers and routing, checked through the vendors' real clients.

describe('fake vendor servers', () => {
  it('answer a non-streamed OpenAI chat completion that the SDK accepts', async () => {
    const server = await startFakeOpenAiServer();
    try {
      server.enqueue({ type: 'stream', chunks: ['Plain', ' JSON'] });
      const result = await generateText({
        model: createOpenAI({ apiKey: 'k', baseURL: server.baseUrl }).chat('gpt-4o-mini'),
        prompt: 'Hi',
        maxRetries: 0,
      });
      expect(result.text).toBe('Plain JSON');
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toMatchObject({ inputTokens: 19, outputTokens: 2 });
      expect(server.requests[0]?.body.stream).not.toBe(true);
    } finally {
      await server.close();
    }
  });

  it('answer a non-streamed Anthropic message that the SDK accepts', async () => {
    const server = await startFakeAnthropicServer();
    try {
      const result = await generateText({
        model: createAnthropic({ apiKey: 'k', baseURL: server.baseUrl }).messages('claude-3-5-haiku-latest'),
        prompt: 'Hi',
        maxOutputTokens: 32,
        maxRetries: 0,
      });
      expect(result.text).toBe('Hello! How can I help you today?');
      // One output token per chunk of the reply, as the streamed answer counts them.
      expect(result.usage.outputTokens).toBe(anthropicDialect.defaultChunks.length);
    } finally {
      await server.close();
    }
  });

  it('answer 404 off the vendor route and record nothing', async () => {
    const server = await startFakeOpenAiServer();
    try {
      const response = await fetch(`${server.baseUrl}/responses`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('close while a stalled stream is still open, without counting it as a client abort', async () => {
    const server = await startFakeOpenAiServer();
    server.setFallback({ type: 'stall', afterChunks: 1 });
    const response = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
    });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('chat.completion.chunk');
    await server.close();
    await reader.read().catch(() => undefined);
    expect(server.requests[0]?.closedByClient).toBe(false);
  });
});
