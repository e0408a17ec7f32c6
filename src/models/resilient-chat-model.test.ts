import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropicServer } from '../../test/fakes/fake-anthropic-server.ts';
import { startFakeOpenAiServer } from '../../test/fakes/fake-openai-server.ts';
import type { FakeScenario, FakeVendorServer } from '../../test/fakes/fake-vendor-server.ts';
import { AiSdkChatModel } from './ai-sdk-chat-model.ts';
import { collect, textOf } from './chat-model-contract.ts';
import { ModelError } from './chat-model.ts';
import type { ChatModel, ChatModelPart } from './chat-model.ts';
import { ResilientChatModel } from './resilient-chat-model.ts';
import type { ResilientChatModelOptions } from './resilient-chat-model.ts';

let openAiServer: FakeVendorServer;
let anthropicServer: FakeVendorServer;
let openAi: ChatModel;
let anthropic: ChatModel;

beforeAll(async () => {
  [openAiServer, anthropicServer] = await Promise.all([startFakeOpenAiServer(), startFakeAnthropicServer()]);
  openAi = new AiSdkChatModel({
    name: 'openai:gpt-4o-mini',
    provider: 'openai',
    model: createOpenAI({ apiKey: 'test-key', baseURL: openAiServer.baseUrl }).chat('gpt-4o-mini'),
  });
  anthropic = new AiSdkChatModel({
    name: 'anthropic:claude-3-5-haiku-latest',
    provider: 'anthropic',
    model: createAnthropic({ apiKey: 'test-key', baseURL: anthropicServer.baseUrl }).messages(
      'claude-3-5-haiku-latest',
    ),
  });
});
afterAll(() => Promise.all([openAiServer.close(), anthropicServer.close()]));

/** A resilient model whose waits are recorded and skipped, unless a test asks for real ones. */
function resilient(chain: ChatModel[], options: Partial<ResilientChatModelOptions> = {}) {
  const sleeps: number[] = [];
  const model = new ResilientChatModel({
    chain,
    maxRetries: 2,
    retryBaseDelayMs: 100,
    retryMaxDelayMs: 10_000,
    chunkTimeoutMs: 5_000,
    random: () => 0.5,
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    ...options,
  });
  return { model, sleeps };
}

/** Runs `action` and returns the requests it made to `server`. */
async function requestsDuring<T>(server: FakeVendorServer, action: () => Promise<T>) {
  const before = server.requests.length;
  const result = await action();
  return { result, requests: server.requests.slice(before) };
}

describe('ResilientChatModel', () => {
  it('retries a 429 after the Retry-After the vendor asked for, and the retry answers', async () => {
    openAiServer.enqueue(
      { type: 'rate-limited', retryAfter: '3' },
      { type: 'stream', chunks: ['Second', ' try'] },
    );
    const { model, sleeps } = resilient([openAi]);
    const { result, requests } = await requestsDuring(openAiServer, () => collect(model));
    expect(result.error).toBeUndefined();
    expect(result.text).toBe('Second try');
    expect(requests.map((request) => request.scenario.type)).toEqual(['rate-limited', 'stream']);
    expect(sleeps).toEqual([3000]);
  });

  it('backs off exponentially with jitter when no Retry-After is given', async () => {
    anthropicServer.enqueue(
      { type: 'server-error' },
      { type: 'server-error', status: 503 },
      { type: 'stream' },
    );
    const { model, sleeps } = resilient([anthropic]);
    const { result, requests } = await requestsDuring(anthropicServer, () => collect(model));
    expect(result.text).toBe('Hello! How can I help you today?');
    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]); // random 0.5 × 100 ms · 2^attempt
  });

  it('falls back to the next model on a 500 before the first token, and says which model answered', async () => {
    openAiServer.enqueue({ type: 'server-error' }, { type: 'server-error' }, { type: 'server-error' });
    anthropicServer.enqueue({ type: 'stream', chunks: ['From', ' Claude'] });
    const { model } = resilient([openAi, anthropic]);
    const { result, requests } = await requestsDuring(openAiServer, () => collect(model));
    expect(requests).toHaveLength(3); // the first try and MODEL_MAX_RETRIES = 2
    expect(result.text).toBe('From Claude');
    expect(result.parts.at(-1)).toMatchObject({ type: 'finish', model: 'anthropic:claude-3-5-haiku-latest' });
  });

  it('moves to the next model at once when Retry-After is longer than the retry cap', async () => {
    openAiServer.enqueue({ type: 'rate-limited', retryAfter: '120' });
    anthropicServer.enqueue({ type: 'stream', chunks: ['Fallback'] });
    const { model, sleeps } = resilient([openAi, anthropic]);
    const { result, requests } = await requestsDuring(openAiServer, () => collect(model));
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(result.text).toBe('Fallback');
  });

  it('hands the last failure to the caller when every model fails', async () => {
    openAiServer.enqueue({ type: 'rate-limited', retryAfter: '120' });
    anthropicServer.enqueue({ type: 'rate-limited', retryAfter: '90' });
    const { model } = resilient([openAi, anthropic]);
    const { error } = await collect(model);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 90_000 });
  });

  it('does not retry or fall back on a client error', async () => {
    openAiServer.enqueue({ type: 'server-error', status: 400 });
    const { model } = resilient([openAi, anthropic]);
    const anthropicBefore = anthropicServer.requests.length;
    const { result, requests } = await requestsDuring(openAiServer, () => collect(model));
    expect(requests).toHaveLength(1);
    expect(anthropicServer.requests.length).toBe(anthropicBefore);
    expect(result.error).toMatchObject({ kind: 'client', statusCode: 400 });
  });

  it('falls back when the stream is malformed before the first token', async () => {
    anthropicServer.enqueue({ type: 'malformed', afterChunks: 0, chunks: ['never'] });
    openAiServer.enqueue({ type: 'stream', chunks: ['Clean'] });
    const { model } = resilient([anthropic, openAi]);
    const { text, error } = await collect(model);
    expect(error).toBeUndefined();
    expect(text).toBe('Clean');
  });

  it('times out a stall after the first token, closes the upstream call and throws', async () => {
    openAiServer.enqueue({ type: 'stall', afterChunks: 1, chunks: ['Hello', ' world'] });
    const { model } = resilient([openAi, anthropic], { chunkTimeoutMs: 200 });
    const { result, requests } = await requestsDuring(openAiServer, () => collect(model));
    expect(result.text).toBe('Hello');
    expect(result.error).toMatchObject({ kind: 'timeout' });
    expect(requests).toHaveLength(1);
    await requests[0]!.clientClosed;
    expect(requests[0]!.closedByClient).toBe(true);
  });

  it('waits for a reply asked for whole by the reply timeout, not the chunk timeout', async () => {
    const whole = async (model: ChatModel) => {
      const parts: ChatModelPart[] = [];
      for await (const part of model.stream({
        messages: [{ role: 'user', content: 'Hi' }],
        signal: new AbortController().signal,
        delivery: 'whole',
      })) {
        parts.push(part);
      }
      return textOf(parts);
    };
    // The whole reply takes 2 × 100 ms to write, twice the chunk timeout.
    const slowReply: FakeScenario = { type: 'stream', chunks: ['Slow but ', 'whole.'], paceMs: 100 };
    openAiServer.enqueue(slowReply);
    const patient = resilient([openAi, anthropic], { chunkTimeoutMs: 100, replyTimeoutMs: 5_000 });
    expect(await whole(patient.model)).toBe('Slow but whole.');
    expect(openAiServer.requests.at(-1)?.body.stream).not.toBe(true);

    // Without a reply timeout the chunk timeout is the deadline: OpenAI times out, Anthropic answers.
    openAiServer.enqueue(slowReply);
    anthropicServer.enqueue({ type: 'stream', chunks: ['Fallback.'] });
    const hasty = resilient([openAi, anthropic], { chunkTimeoutMs: 100 });
    expect(await whole(hasty.model)).toBe('Fallback.');
  });

  it('times out a stall before the first token and falls back', async () => {
    openAiServer.enqueue({ type: 'stall', afterChunks: 0, chunks: ['never'] });
    anthropicServer.enqueue({ type: 'stream', chunks: ['Rescued'] });
    const { model } = resilient([openAi, anthropic], { chunkTimeoutMs: 200 });
    const { result, requests } = await requestsDuring(openAiServer, () => collect(model));
    expect(result.text).toBe('Rescued');
    expect(requests).toHaveLength(1); // a stall is not retried on the same model
    await requests[0]!.clientClosed;
  });

  it('throws an explicit error when the stream is cut after the first token, without retrying', async () => {
    openAiServer.enqueue({ type: 'cut', afterChunks: 2, chunks: ['Half', ' a', ' reply'] });
    const { model } = resilient([openAi, anthropic]);
    const anthropicBefore = anthropicServer.requests.length;
    const { result, requests } = await requestsDuring(openAiServer, () => collect(model));
    expect(result.text).toBe('Half a');
    expect(result.parts.some((part) => part.type === 'finish')).toBe(false);
    expect(result.error).toBeInstanceOf(ModelError);
    expect(result.error?.kind).toBe('upstream');
    expect(requests).toHaveLength(1);
    expect(anthropicServer.requests.length).toBe(anthropicBefore);
  });

  it('closes the upstream connection when the caller aborts mid-stream', async () => {
    anthropicServer.enqueue({
      type: 'stream',
      chunks: Array.from({ length: 50 }, (_, index) => ` w${index}`),
      paceMs: 20,
    });
    const { model } = resilient([anthropic, openAi]);
    const controller = new AbortController();
    const before = anthropicServer.requests.length;
    const openAiBefore = openAiServer.requests.length;
    const parts: ChatModelPart[] = [];
    const consumed = (async () => {
      for await (const part of model.stream({
        messages: [{ role: 'user', content: 'Hi' }],
        signal: controller.signal,
      })) {
        parts.push(part);
        if (parts.length === 2) controller.abort();
      }
    })();
    await expect(consumed).rejects.toMatchObject({ kind: 'aborted' });
    await anthropicServer.requests[before]!.clientClosed;
    expect(anthropicServer.requests[before]!.closedByClient).toBe(true);
    expect(parts).toHaveLength(2);
    expect(openAiServer.requests.length).toBe(openAiBefore);
  });

  it('stops waiting between retries when the caller aborts', async () => {
    openAiServer.enqueue({ type: 'rate-limited', retryAfter: '30' });
    const controller = new AbortController();
    const { model } = resilient([openAi], {
      retryMaxDelayMs: 60_000,
      sleep: undefined, // the real wait: 30 s, far beyond the test's timeout unless the abort ends it
      onRecoveredFailure: () => setImmediate(() => controller.abort()),
    });
    const before = openAiServer.requests.length;
    const { error } = await collect(model, controller.signal);
    expect(error).toMatchObject({ kind: 'aborted' });
    expect(openAiServer.requests.length).toBe(before + 1);
  });
});
