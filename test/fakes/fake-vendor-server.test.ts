import { Agent, request } from 'node:http';
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

  it('send a raw scenario byte for byte, a write at a time, and number the connections', async () => {
    const server = await startFakeOpenAiServer();
    try {
      const split = Buffer.from('data: "é"\n\n');
      server.enqueue(
        { type: 'raw', writes: [split.subarray(0, 8), split.subarray(8)] },
        { type: 'raw', status: 503, writes: ['{"error":{"message":"busy"}}'] },
      );
      const agent = new Agent({ keepAlive: true });
      const post = (body: unknown) =>
        new Promise<{ status: number; pieces: Buffer[] }>((resolve, reject) => {
          const outgoing = request(
            `${server.baseUrl}/chat/completions`,
            { method: 'POST', agent },
            (response) => {
              const pieces: Buffer[] = [];
              response.on('data', (piece: Buffer) => pieces.push(piece));
              response.on('end', () => resolve({ status: response.statusCode ?? 0, pieces }));
            },
          );
          outgoing.on('error', reject);
          outgoing.end(JSON.stringify(body));
        });
      const streamed = await post({ stream: true });
      expect(streamed.status).toBe(200);
      expect(streamed.pieces.map((piece) => piece.length)).toEqual([8, split.length - 8]);
      expect(Buffer.concat(streamed.pieces).toString()).toBe('data: "é"\n\n');
      const refused = await post({});
      expect(refused.status).toBe(503);
      expect(server.requests.map((recorded) => recorded.connection)).toEqual([1, 1]);
      agent.destroy();
    } finally {
      await server.close();
    }
  });
});
