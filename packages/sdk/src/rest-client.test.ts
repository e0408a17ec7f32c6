import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineReply } from '../../../src/models/offline-chat-model.ts';
import { startTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { AuthError, NotFoundError, RateLimitError, ServerError, ValidationError } from './errors.ts';
import { missingExecutables } from '../../../src/voice/engine-test-support.ts';
import { CaiClient } from './rest-client.ts';
import type { AiChatStreamEvent } from './rest-types.ts';

const missingVoice = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous']);

const expectedReply = (prompt: string) => offlineReply([{ role: 'user', content: prompt }]);

describe('CaiClient against a real cai server', () => {
  let server: TestApp;
  let client: CaiClient;

  beforeAll(async () => {
    server = await startTestApp();
    const { apiKey } = await server.createTenant('sdk-rest');
    client = new CaiClient({ baseUrl: server.baseUrl, apiKey });
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists the models a request may name, the default first', async () => {
    const models = await client.listModels();
    expect(models.object).toBe('list');
    expect(models.data[0]).toMatchObject({ id: 'builtin:offline-stand-in', object: 'model' });
  });

  it.skipIf(missingVoice.length > 0)(
    'speaks text and hears it back through the voice endpoints',
    async () => {
      const speech = await client.textToSpeech({ text: 'What is the time?', format: 'wav' });
      expect(speech.contentType).toBe('audio/wav');
      expect(new TextDecoder().decode(speech.audio.subarray(0, 4))).toBe('RIFF');
      const transcript = await client.speechToText({ audio: speech.audio, language: 'en' });
      expect(transcript).toMatchObject({ language: 'en', provider: 'pocketsphinx' });
      expect(transcript.text).toMatch(/^what\b/);
      expect(transcript.duration_s).toBeGreaterThan(0.5);
      // An MP3 (by its ID3 header): the server takes WAV or PCM only.
      const mp3 = new Uint8Array([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x00]);
      const refused = await client.speechToText({ audio: mp3 }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ValidationError);
      expect(refused).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
    },
  );

  it('creates a chat, talks to it, pages its messages and deletes it', async () => {
    const chat = await client.createChat({ userId: 'ada', title: 'Billing', metadata: { plan: 'pro' } });
    expect(chat).toMatchObject({ user_id: 'ada', title: 'Billing', metadata: { plan: 'pro' } });
    expect(await client.getChat(chat.id)).toEqual(chat);
    expect((await client.listChats('ada')).chats.map((listed) => listed.id)).toContain(chat.id);

    const reply = await client.sendMessage(chat.id, { content: 'Hello there' });
    expect(reply).toMatchObject({
      conversation_id: chat.id,
      content: expectedReply('Hello there'),
      finish_reason: 'stop',
    });

    const page = await client.listMessages(chat.id, { limit: 1 });
    expect(page).toMatchObject({ total: 2, limit: 1, has_more: true });
    const all = [];
    for await (const message of client.allMessages(chat.id, { limit: 1 })) all.push(message);
    expect(all.map((message) => message.role)).toEqual(['user', 'assistant']);

    await client.deleteChat(chat.id);
    await expect(client.getChat(chat.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers a resent client_message_id with the first reply, not a second one', async () => {
    const chat = await client.createChat({ userId: 'ada' });
    const first = await client.sendMessage(chat.id, { content: 'Once', clientMessageId: 'm-1' });
    const again = await client.sendMessage(chat.id, { content: 'Once', clientMessageId: 'm-1' });
    expect(again.message_id).toBe(first.message_id);
    expect((await client.listMessages(chat.id)).total).toBe(2);
  });

  it('chats through /ai/chat and continues the conversation', async () => {
    const first = await client.aiChat({ content: 'Hi', userId: 'bob', provider: undefined });
    expect(first).toMatchObject({ role: 'assistant', content: expectedReply('Hi'), finish_reason: 'stop' });
    const second = await client.aiChat({ content: 'And again', conversationId: first.conversation_id });
    expect(second.conversation_id).toBe(first.conversation_id);
    expect((await client.listMessages(first.conversation_id)).total).toBe(4);
  });

  it('streams a reply as typed events whose deltas add up to the end content', async () => {
    const events: AiChatStreamEvent[] = [];
    for await (const event of client.aiChatStream({ content: 'Stream please', userId: 'bob' }))
      events.push(event);
    expect(events[0]?.type).toBe('start');
    const end = events.at(-1);
    if (end?.type !== 'end') throw new Error('no end event');
    const deltas = events.flatMap((event) => (event.type === 'delta' ? [event.content] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(end.content);
    expect(end.content).toBe(expectedReply('Stream please'));
    expect(events.some((event) => event.type === 'sentence')).toBe(true);
  });

  it('exchanges the key for a user token that sees only its own chats', async () => {
    const mine = await client.createChat({ userId: 'carol' });
    const theirs = await client.createChat({ userId: 'dave' });
    const token = await client.createToken({ userId: 'carol', ttlSeconds: 600 });
    expect(token).toMatchObject({ token_type: 'Bearer', user_id: 'carol', expires_in: 600 });
    const carol = client.withToken(token.token);
    expect((await carol.getChat(mine.id)).id).toBe(mine.id);
    await expect(carol.getChat(theirs.id)).rejects.toMatchObject({ code: 'CHAT_NOT_FOUND', status: 404 });
  });

  it('turns error answers into typed errors', async () => {
    const stranger = new CaiClient({ baseUrl: server.baseUrl, apiKey: 'cai_wrong_key_0000000000000000' });
    const refused = await stranger.listChats('ada').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuthError);
    expect(refused).toMatchObject({ code: 'AUTH_FAILED', status: 401, retryable: false });

    await expect(client.getChat('no-such-chat')).rejects.toMatchObject({
      code: 'CHAT_NOT_FOUND',
      status: 404,
    });
    const invalid = await client.listMessages('x', { limit: 500 }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid).toMatchObject({ code: 'VALIDATION_FAILED', details: { problems: expect.any(Array) } });
  });
});

describe('CaiClient retries', () => {
  let fake: Server;
  let baseUrl: string;
  const answers: Array<{ status: number; headers?: Record<string, string>; body: unknown }> = [];
  const seen: Array<{ method: string; url: string; body: string }> = [];

  beforeAll(async () => {
    fake = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method ?? '', url: request.url ?? '', body });
        const answer = answers.shift() ?? {
          status: 500,
          body: { error: { code: 'INTERNAL_ERROR', message: 'no script' } },
        };
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => fake.close(resolve));
  });

  const client = () => new CaiClient({ baseUrl, apiKey: 'k', retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  const chat = { id: 'c1', user_id: 'u', title: null, metadata: {}, created_at: 'x', updated_at: 'x' };
  const limited = {
    status: 429,
    headers: { 'retry-after': '1' },
    body: {
      error: { code: 'RATE_LIMITED', message: 'Too many requests', details: { retry_after_ms: 1000 } },
    },
  };
  const unavailable = { status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'busy' } } };

  function reset() {
    answers.length = 0;
    seen.length = 0;
  }

  it('retries a read after 503 and after 429 with Retry-After, then succeeds', async () => {
    reset();
    answers.push(unavailable, limited, { status: 200, body: chat });
    const retries: Array<{ attempt: number; delayMs: number; code: string }> = [];
    const retrying = new CaiClient({
      baseUrl,
      apiKey: 'k',
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      onRetry: ({ attempt, delayMs, error }) => retries.push({ attempt, delayMs, code: error.code }),
    });
    expect(await retrying.getChat('c1')).toEqual(chat);
    expect(seen.map((request) => request.url)).toEqual([
      '/api/v1/chats/c1',
      '/api/v1/chats/c1',
      '/api/v1/chats/c1',
    ]);
    // Its own short backoff after the 503; the server's second after the 429.
    expect(retries).toEqual([
      { attempt: 1, delayMs: expect.any(Number), code: 'SERVICE_UNAVAILABLE' },
      { attempt: 2, delayMs: 1000, code: 'RATE_LIMITED' },
    ]);
    expect(retries[0]!.delayMs).toBeLessThan(5);
  });

  it('retries a message carrying a client_message_id with the same id', async () => {
    reset();
    const reply = { message_id: 'a', conversation_id: 'c1', content: 'ok', role: 'assistant' };
    answers.push(
      { status: 502, body: { error: { code: 'MODEL_ERROR', message: 'upstream' } } },
      { status: 200, body: reply },
    );
    expect(await client().sendMessage('c1', { content: 'hi' })).toEqual(reply);
    const ids = seen.map(
      (request) => (JSON.parse(request.body) as { client_message_id: string }).client_message_id,
    );
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('does not retry a request that would start a new conversation', async () => {
    reset();
    answers.push(unavailable, { status: 200, body: {} });
    await expect(client().aiChat({ content: 'hi', userId: 'u' })).rejects.toBeInstanceOf(ServerError);
    expect(seen).toHaveLength(1);
  });

  it('does not retry a 500 or a 4xx', async () => {
    reset();
    answers.push({ status: 500, body: { error: { code: 'INTERNAL_ERROR', message: 'boom' } } });
    await expect(client().getChat('c1')).rejects.toMatchObject({ code: 'INTERNAL_ERROR', status: 500 });
    expect(seen).toHaveLength(1);
  });

  it('gives up after maxRetries with the last typed error and its retry hint', async () => {
    reset();
    answers.push(limited, limited);
    const impatient = new CaiClient({
      baseUrl,
      apiKey: 'k',
      retry: { maxRetries: 1, maxRetryAfterMs: 2_000 },
    });
    const error = await impatient.getChat('c1').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterMs: 1000 });
    expect(seen).toHaveLength(2);
  });

  it('retries a network failure of a read', async () => {
    reset();
    answers.push({ status: 200, body: chat });
    let calls = 0;
    const flaky = new CaiClient({
      baseUrl,
      apiKey: 'k',
      retry: { baseDelayMs: 1 },
      fetch: (input, init) => {
        calls += 1;
        if (calls === 1) return Promise.reject(new TypeError('fetch failed'));
        return fetch(input, init);
      },
    });
    expect(await flaky.getChat('c1')).toEqual(chat);
    expect(calls).toBe(2);
  });

  it('counts a retried delete that finds the chat gone as done', async () => {
    reset();
    answers.push(unavailable, { status: 404, body: { error: { code: 'CHAT_NOT_FOUND', message: 'gone' } } });
    await expect(client().deleteChat('c1')).resolves.toBeUndefined();
    expect(seen.map((request) => request.method)).toEqual(['DELETE', 'DELETE']);
  });
});
