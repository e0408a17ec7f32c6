import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { offlineReply } from '../../src/models/offline-chat-model.ts';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../fakes/fake-vendor-server.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// The OpenAI-compatible API (`/v1/chat/completions`, `/v1/models`) driven by the official `openai`
// npm client, against the built-in offline model and against a fake OpenAI upstream: replies whole
// and streamed, errors the client raises as its typed errors, the stored conversation, and aborts.

const OFFLINE_MODEL = 'builtin:offline-stand-in';
const FAKE_REPLY = 'Hello! How can I help you today?';

interface StoredMessage {
  id: string;
  role: string;
  content: string;
  status: string;
}

function clientFor(server: TestApp, apiKey: string): OpenAI {
  // No retries: a refused request must surface at once, and 429s would otherwise be retried.
  return new OpenAI({ apiKey, baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
}

async function storedMessages(server: TestApp, key: string, chatId: string): Promise<StoredMessage[]> {
  const response = await server.request(`/api/v1/chats/${chatId}/messages?limit=100`, { key });
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: StoredMessage[] }).messages;
}

/** What the client raised, for expectations on its class and fields. */
async function caught(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('OpenAI-compatible API over the built-in offline model', () => {
  let server: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let client: OpenAI;

  beforeAll(async () => {
    server = await startTestApp();
    tenant = await server.createTenant('acme');
    client = clientFor(server, tenant.apiKey);
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers chat.completions.create with a chat.completion and stores the last user message and reply', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: OFFLINE_MODEL,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Earlier question' },
          { role: 'assistant', content: 'Earlier answer' },
          { role: 'user', content: 'What is cai?' },
        ],
        user: 'alice',
      })
      .withResponse();

    const expected = offlineReply([{ role: 'user', content: 'What is cai?' }]);
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe(OFFLINE_MODEL);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({
      index: 0,
      message: { role: 'assistant', content: expected },
      finish_reason: 'stop',
    });
    const usage = completion.usage!;
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

    const conversationId = response.headers.get('x-cai-conversation-id')!;
    expect(conversationId).toBeTruthy();
    const stored = await storedMessages(server, tenant.apiKey, conversationId);
    expect(stored.map((message) => [message.role, message.content, message.status])).toEqual([
      ['user', 'What is cai?', 'complete'],
      ['assistant', expected, 'complete'],
    ]);
    expect(completion.id).toBe(`chatcmpl-${stored[1]!.id}`);
    const chat = (await (
      await server.request(`/api/v1/chats/${conversationId}`, { key: tenant.apiKey })
    ).json()) as { user_id: string; metadata: unknown };
    expect(chat).toMatchObject({ user_id: 'alice', metadata: { source: 'openai-compatible' } });
  });

  it('streams chunks whose deltas add up to the stored reply, with a usage chunk when asked', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'default',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Stream this, please.' }] }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(offlineReply([{ role: 'user', content: 'Stream this, please.' }]));
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBeGreaterThan(1);
    const finishing = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    expect(finishing.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);

    const conversationId = response.headers.get('x-cai-conversation-id')!;
    const stored = await storedMessages(server, tenant.apiKey, conversationId);
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', content: text, status: 'complete' });
  });

  it('continues a stored conversation named by X-Conversation-Id, appending to it', async () => {
    const { response } = await client.chat.completions
      .create({ model: OFFLINE_MODEL, messages: [{ role: 'user', content: 'First' }] })
      .withResponse();
    const conversationId = response.headers.get('x-cai-conversation-id')!;
    const { response: second } = await client.chat.completions
      .create(
        { model: OFFLINE_MODEL, messages: [{ role: 'user', content: 'Second' }] },
        { headers: { 'X-Conversation-Id': conversationId } },
      )
      .withResponse();
    expect(second.headers.get('x-cai-conversation-id')).toBe(conversationId);
    const stored = await storedMessages(server, tenant.apiKey, conversationId);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(stored[2]?.content).toBe('Second');
  });

  it("answers another tenant's conversation id with NotFoundError", async () => {
    const other = await server.createTenant('other');
    const { response } = await clientFor(server, other.apiKey)
      .chat.completions.create({ model: OFFLINE_MODEL, messages: [{ role: 'user', content: 'Mine' }] })
      .withResponse();
    const error = await caught(() =>
      client.chat.completions.create(
        { model: OFFLINE_MODEL, messages: [{ role: 'user', content: 'Yours?' }] },
        { headers: { 'X-Conversation-Id': response.headers.get('x-cai-conversation-id')! } },
      ),
    );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).code).toBe('CHAT_NOT_FOUND');
  });

  it('lists the models a client can name, and retrieves one', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models).toContainEqual(
      expect.objectContaining({ id: OFFLINE_MODEL, object: 'model', owned_by: 'builtin' }),
    );
    expect(models.every((model) => Number.isInteger(model.created))).toBe(true);
    expect(await client.models.retrieve(OFFLINE_MODEL)).toMatchObject({ id: OFFLINE_MODEL });
    expect(await caught(() => client.models.retrieve('nope:none'))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("refuses a bad key with AuthenticationError (401) in OpenAI's error shape", async () => {
    const error = await caught(() =>
      clientFor(server, 'cai_not-a-real-key').chat.completions.create({
        model: OFFLINE_MODEL,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, type: 'authentication_error', code: 'AUTH_FAILED' });
    expect(await caught(() => clientFor(server, 'cai_not-a-real-key').models.list())).toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it('refuses an unconfigured provider with BadRequestError listing the configured ones, storing nothing', async () => {
    const before = await server.request('/api/v1/chats/user/bob', { key: tenant.apiKey });
    const error = await caught(() =>
      client.chat.completions.create({
        model: 'anthropic:claude-3-5-haiku-latest',
        messages: [{ role: 'user', content: 'Hi' }],
        user: 'bob',
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'PROVIDER_NOT_CONFIGURED',
    });
    expect((error as Error).message).toContain('configured: builtin');
    const after = await server.request('/api/v1/chats/user/bob', { key: tenant.apiKey });
    expect(((await after.json()) as { total: number }).total).toBe(
      ((await before.json()) as { total: number }).total,
    );
  });

  it('refuses what it cannot honour with a BadRequestError naming the parameter', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ n: 2 }, 'n'],
      [{ tools: [{ type: 'function', function: { name: 'lookup', parameters: {} } }] }, 'tools'],
      [
        {
          messages: [
            {
              role: 'user',
              content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }],
            },
          ],
        },
        'messages.0.content.0.type',
      ],
      [
        {
          messages: [
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hello' },
          ],
        },
        'messages.1.role',
      ],
      [{ model: '' }, 'model'],
    ];
    for (const [change, param] of cases) {
      const body = { model: OFFLINE_MODEL, messages: [{ role: 'user', content: 'Hi' }], ...change };
      const error = await caught(() =>
        client.chat.completions.create(body as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming),
      );
      expect(error, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as APIError).param, JSON.stringify(change)).toBe(param);
    }
  });

  it('lets a user JWT chat as its own user only', async () => {
    const issued = await server.request('/api/v1/auth/token', {
      method: 'POST',
      key: tenant.apiKey,
      json: { user_id: 'carol' },
    });
    const { token } = (await issued.json()) as { token: string };
    const asCarol = clientFor(server, token);
    const { response } = await asCarol.chat.completions
      .create({ model: OFFLINE_MODEL, messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    const chat = await server.request(`/api/v1/chats/${response.headers.get('x-cai-conversation-id')}`, {
      key: token,
    });
    expect(((await chat.json()) as { user_id: string }).user_id).toBe('carol');
    const error = await caught(() =>
      asCarol.chat.completions.create({
        model: OFFLINE_MODEL,
        messages: [{ role: 'user', content: 'Hi' }],
        user: 'mallory',
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });
});

describe('OpenAI-compatible API against a fake OpenAI upstream', () => {
  let fake: FakeVendorServer;
  let server: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAiServer();
    server = await startTestApp({
      OPENAI_API_KEY: 'sk-test-fake-openai',
      OPENAI_BASE_URL: fake.baseUrl,
      MODEL_MAX_RETRIES: '0',
    });
    tenant = await server.createTenant('acme');
    client = clientFor(server, tenant.apiKey);
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it("gives the upstream the request's whole conversation, its temperature, top_p and token cap", async () => {
    const before = fake.requests.length;
    const completion = await client.chat.completions.create({
      model: 'openai:gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'How are you?' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
    });
    expect(completion.choices[0]?.message.content).toBe(FAKE_REPLY);
    expect(completion.model).toMatch(/^openai:/);
    expect(completion.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 8, total_tokens: 27 });

    expect(fake.requests[before]!.body.stream).not.toBe(true);
    const body = fake.requests[before]!.body as {
      messages: Array<{ role: string; content: unknown }>;
      temperature?: number;
      top_p?: number;
      max_tokens?: number;
      max_completion_tokens?: number;
    };
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'How are you?' },
    ]);
    expect(body.temperature).toBe(0.2);
    expect(body.top_p).toBe(0.9);
    expect(body.max_tokens ?? body.max_completion_tokens).toBe(50);
  });

  it('streams the upstream reply with its usage, and maps a cut-off reply to finish_reason "length"', async () => {
    fake.enqueue({ type: 'stream', finishReason: 'length' });
    const stream = await client.chat.completions.create({
      model: 'openai:gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(FAKE_REPLY);
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('length');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 19, total_tokens: 27 });
  });

  it('answers a failure before the first token with an HTTP error the client raises', async () => {
    fake.enqueue({ type: 'server-error', status: 500 });
    const error = await caught(() =>
      client.chat.completions.create({
        model: 'openai:gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      }),
    );
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 502, type: 'server_error', code: 'MODEL_ERROR' });
  });

  it('ends a stream that fails after its first token with an error event the client raises', async () => {
    fake.enqueue({ type: 'cut', afterChunks: 2 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .withResponse();
    let text = '';
    const error = await caught(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    });
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ type: 'server_error', code: expect.stringMatching(/^MODEL_/) });
    expect(text).toBe('Hello!');
    const stored = await storedMessages(
      server,
      tenant.apiKey,
      response.headers.get('x-cai-conversation-id')!,
    );
    expect(stored.at(-1)).toMatchObject({ role: 'assistant', status: 'error', content: 'Hello!' });
  });

  it('aborts the upstream call when the client leaves mid-stream, storing the reply as interrupted', async () => {
    fake.enqueue({ type: 'stall', afterChunks: 2 });
    const before = fake.requests.length;
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text === 'Hello!') break; // leaving the loop aborts the client's request
    }
    const [upstream] = (await fake.waitForRequests(before + 1)).slice(before);
    await upstream!.clientClosed;
    expect(upstream!.closedByClient).toBe(true);

    const conversationId = response.headers.get('x-cai-conversation-id')!;
    await vi.waitFor(async () => {
      const stored = await storedMessages(server, tenant.apiKey, conversationId);
      expect(stored.at(-1)).toMatchObject({ role: 'assistant', status: 'interrupted', content: 'Hello!' });
    });
  });
});

describe('OpenAI-compatible API under the REST rate limit', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ LIMIT_REST_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts /v1/chat/completions against the REST limit and answers RateLimitError (429)', async () => {
    const tenant = await server.createTenant('busy');
    const client = clientFor(server, tenant.apiKey);
    const ask = () =>
      client.chat.completions.create({ model: OFFLINE_MODEL, messages: [{ role: 'user', content: 'Hi' }] });
    await ask();
    await ask();
    const error = await caught(ask);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'RATE_LIMITED' });
    const headers = (error as APIError).headers;
    expect(Number(headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(headers?.get('x-ratelimit-limit')).toBe('2');
  });
});
