import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../fakes/fake-vendor-server.ts';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app.ts';
import { collectEvents, deltaText, readEvents } from './sse-client.ts';

// Doc 002's `POST /api/v1/ai/chat` over real HTTP: the answer as JSON and as Server-Sent Events,
// against a fake OpenAI server speaking the Chat Completions wire format; failures mid-stream,
// clients that leave, refused requests that store nothing, and the limits in front of it all.

// Doc 002's request body, exactly as the document writes it.
const DOC_002_BODY = {
  content: 'Hello, how are you?',
  role: 'user',
  provider: 'gpt',
  context: { location: 'New York' },
  metadata: { client_version: '1.0.0', platform: 'web' },
};

interface ChatReply {
  message_id: string;
  conversation_id: string;
  content: string;
  role: string;
  timestamp: string;
  finish_reason: string;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

interface StoredMessage {
  id: string;
  role: string;
  content: string;
  status: string;
  model: string | null;
}

type UpstreamMessage = { role: string; content: string | Array<{ type: string; text?: string }> };

/** The text of a Chat Completions message, whether sent as a string or as parts. */
function textOf(message: UpstreamMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => part.text ?? '').join('');
}

function upstreamMessages(fake: FakeVendorServer, index: number): Array<{ role: string; text: string }> {
  const body = fake.requests[index]?.body as { messages: UpstreamMessage[] } | undefined;
  if (body === undefined) throw new Error(`the fake received no request #${index}`);
  return body.messages.map((message) => ({ role: message.role, text: textOf(message) }));
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

function storedMessages(server: TestApp, key: string, chatId: string): Promise<StoredMessage[]> {
  return server
    .request(`/api/v1/chats/${chatId}/messages?limit=100`, { key })
    .then((response) => response.json() as Promise<{ messages: StoredMessage[] }>)
    .then((page) => page.messages);
}

async function chatCount(server: TestApp, key: string, userId: string): Promise<number> {
  const response = await server.request(`/api/v1/chats/user/${userId}`, { key });
  return ((await response.json()) as { total: number }).total;
}

describe('POST /api/v1/ai/chat against an OpenAI provider (doc 002)', () => {
  let fake: FakeVendorServer;
  let server: TestApp;
  let tenant: { tenantId: string; apiKey: string };
  const fakeReply = () => 'Hello! How can I help you today?';

  beforeAll(async () => {
    fake = await startFakeOpenAiServer();
    server = await startTestApp({
      OPENAI_API_KEY: 'sk-test-fake-openai',
      OPENAI_BASE_URL: fake.baseUrl,
      MAX_PROMPT_CHARACTERS: '500',
      MODEL_MAX_RETRIES: '0',
    });
    tenant = await server.createTenant('acme');
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it("answers doc 002's request with the reply, its ids, model and usage, giving the model the context", async () => {
    const before = fake.requests.length;
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: DOC_002_BODY,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const reply = (await response.json()) as ChatReply;
    expect(reply.content).toBe(fakeReply());
    expect(reply.role).toBe('assistant');
    expect(typeof reply.message_id).toBe('string');
    expect(typeof reply.conversation_id).toBe('string');
    expect(Date.parse(reply.timestamp)).not.toBeNaN();
    expect(reply.model).toMatch(/^openai:/);
    expect(reply.finish_reason).toBe('stop');
    expect(reply.usage).toEqual({ prompt_tokens: 19, completion_tokens: 8, total_tokens: 27 });

    expect(fake.requests.length).toBe(before + 1);
    // A JSON answer is asked of the upstream whole, not as a stream cai would only gather.
    expect(fake.requests[before]?.body.stream).not.toBe(true);
    const sent = upstreamMessages(fake, before);
    expect(sent[0]?.role).toBe('system');
    expect(sent[0]?.text).toContain('New York');
    expect(sent.at(-1)).toEqual({ role: 'user', text: 'Hello, how are you?' });
    expect(fake.requests[before]?.headers.authorization).toBe('Bearer sk-test-fake-openai');

    const stored = await storedMessages(server, tenant.apiKey, reply.conversation_id);
    expect(stored.map((message) => [message.role, message.content, message.status])).toEqual([
      ['user', 'Hello, how are you?', 'complete'],
      ['assistant', fakeReply(), 'complete'],
    ]);
    expect(stored[1]?.id).toBe(reply.message_id);
  });

  it('keeps the history: a second turn with conversation_id sends the first exchange upstream', async () => {
    const first = (await (
      await server.request('/api/v1/ai/chat', { method: 'POST', key: tenant.apiKey, json: DOC_002_BODY })
    ).json()) as ChatReply;
    const before = fake.requests.length;
    const second = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { content: 'And what about tomorrow?', provider: 'gpt', conversation_id: first.conversation_id },
    });
    expect(second.status).toBe(200);
    expect(((await second.json()) as ChatReply).conversation_id).toBe(first.conversation_id);
    const sent = upstreamMessages(fake, before).filter((message) => message.role !== 'system');
    expect(sent).toEqual([
      { role: 'user', text: 'Hello, how are you?' },
      { role: 'assistant', text: fakeReply() },
      { role: 'user', text: 'And what about tomorrow?' },
    ]);
  });

  it('streams with "stream": true: start, deltas, end, the deltas adding up to the end\'s content', async () => {
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { ...DOC_002_BODY, stream: true },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await collectEvents(response);
    expect(events[0]?.event).toBe('start');
    expect(events.at(-1)?.event).toBe('end');
    expect(events.filter((event) => event.event === 'delta').length).toBeGreaterThan(1);
    expect(fake.requests.at(-1)?.body.stream).toBe(true);
    const end = events.at(-1)?.data as unknown as ChatReply;
    expect(deltaText(events)).toBe(end.content);
    expect(end).toMatchObject({ content: fakeReply(), role: 'assistant', finish_reason: 'stop' });
    expect(end.model).toMatch(/^openai:/);
    expect(events[0]?.data).toMatchObject({
      message_id: end.message_id,
      conversation_id: end.conversation_id,
    });
    const stored = await storedMessages(server, tenant.apiKey, end.conversation_id);
    expect(stored.at(-1)).toMatchObject({ id: end.message_id, content: fakeReply(), status: 'complete' });
  });

  it('ends a stream that fails after its first token with an error event, then end "error", stored as error', async () => {
    fake.enqueue({ type: 'cut', afterChunks: 2 });
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { ...DOC_002_BODY, stream: true },
    });
    const events = await collectEvents(response);
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('start');
    expect(names.slice(-2)).toEqual(['error', 'end']);
    expect(deltaText(events)).toBe('Hello!');
    const end = events.at(-1)?.data as unknown as ChatReply;
    expect(end.finish_reason).toBe('error');
    expect(end.content).toBe('Hello!');
    expect((events.at(-2)?.data as { error: { code: string } }).error.code).toMatch(/^MODEL_/);

    const stored = await storedMessages(server, tenant.apiKey, end.conversation_id);
    const assistant = stored.find((message) => message.id === end.message_id);
    expect(assistant).toMatchObject({ role: 'assistant', status: 'error', content: 'Hello!' });
  });

  it('answers a JSON request whose model fails mid-reply with a 5xx error naming the conversation', async () => {
    fake.enqueue({ type: 'cut', afterChunks: 2 });
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: DOC_002_BODY,
    });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const body = (await response.json()) as {
      error: { code: string; details: { conversation_id: string; message_id: string } };
    };
    expect(body.error.code).toMatch(/^MODEL_/);
    const stored = await storedMessages(server, tenant.apiKey, body.error.details.conversation_id);
    expect(stored.find((message) => message.id === body.error.details.message_id)?.status).toBe('error');
  });

  it('aborts the upstream call when the client leaves mid-stream, storing the reply as interrupted', async () => {
    fake.enqueue({ type: 'stall', afterChunks: 2 });
    const before = fake.requests.length;
    const client = new AbortController();
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { ...DOC_002_BODY, stream: true },
      signal: client.signal,
    });
    let conversationId = '';
    let messageId = '';
    let received = '';
    try {
      for await (const event of readEvents(response)) {
        if (event.event === 'start') {
          conversationId = String(event.data['conversation_id']);
          messageId = String(event.data['message_id']);
        }
        if (event.event === 'delta') received += String(event.data['content']);
        if (received === 'Hello!') client.abort();
      }
    } catch (error) {
      expect((error as Error).name).toBe('AbortError');
    }
    expect(client.signal.aborted).toBe(true);

    const upstream = fake.requests[before];
    expect(upstream).toBeDefined();
    await upstream!.clientClosed;
    expect(upstream!.closedByClient).toBe(true);

    await expect
      .poll(async () =>
        (await storedMessages(server, tenant.apiKey, conversationId)).find((m) => m.id === messageId),
      )
      .toMatchObject({ role: 'assistant', status: 'interrupted', content: 'Hello!' });
  });

  it('answers a provider that is not configured with 400 listing the configured ones, storing nothing', async () => {
    const before = fake.requests.length;
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { ...DOC_002_BODY, provider: 'claude', user_id: 'claude-fan' },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; message: string; details: { configured: string[] } };
    };
    expect(body.error.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(body.error.details.configured).toContain('openai');
    expect(body.error.message).toContain('openai');
    expect(await chatCount(server, tenant.apiKey, 'claude-fan')).toBe(0);
    expect(fake.requests.length).toBe(before);
    // Not even the user was created: its first real sight is still to come (doc 004's user_created).
    expect(await server.app.store.ensureUser(tenant.tenantId, 'claude-fan')).toEqual({ created: true });
  });

  it('answers a prompt over MAX_PROMPT_CHARACTERS with 413 PROMPT_TOO_LARGE, storing nothing', async () => {
    const tooLong = { ...DOC_002_BODY, content: 'x'.repeat(600), user_id: 'verbose' };
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: tooLong,
    });
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe('PROMPT_TOO_LARGE');
    expect(await chatCount(server, tenant.apiKey, 'verbose')).toBe(0);
    expect(await server.app.store.ensureUser(tenant.tenantId, 'verbose')).toEqual({ created: true });

    // In an existing conversation too: no user message is stored.
    const first = (await (
      await server.request('/api/v1/ai/chat', {
        method: 'POST',
        key: tenant.apiKey,
        json: { content: 'hi', user_id: 'verbose' },
      })
    ).json()) as ChatReply;
    const refused = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { content: 'x'.repeat(600), conversation_id: first.conversation_id },
    });
    expect(refused.status).toBe(413);
    expect(await storedMessages(server, tenant.apiKey, first.conversation_id)).toHaveLength(2);
  });

  it("answers malformed JSON, wrong types, unknown fields and another tenant's conversation, storing nothing", async () => {
    const malformed = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: '{"content": "hi",',
    });
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe('INVALID_JSON');
    for (const body of [
      { content: 42, user_id: 'typo' },
      { content: 'hi', stream: 'yes', user_id: 'typo' },
      { content: 'hi', temperature: 2, user_id: 'typo' },
      { content: 'hi', role: 'system', user_id: 'typo' },
      { content: '   ', user_id: 'typo' },
    ]) {
      const response = await server.request('/api/v1/ai/chat', {
        method: 'POST',
        key: tenant.apiKey,
        json: body,
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect(await chatCount(server, tenant.apiKey, 'typo')).toBe(0);

    const other = await server.createTenant('globex');
    const mine = (await (
      await server.request('/api/v1/ai/chat', {
        method: 'POST',
        key: tenant.apiKey,
        json: { content: 'mine' },
      })
    ).json()) as ChatReply;
    const sneaky = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: other.apiKey,
      json: { content: 'let me in', conversation_id: mine.conversation_id },
    });
    expect(sneaky.status).toBe(404);
    expect(await storedMessages(server, tenant.apiKey, mine.conversation_id)).toHaveLength(2);
  });
});

describe('POST /api/v1/ai/chat with no provider configured', () => {
  let server: TestApp;
  let tenant: { tenantId: string; apiKey: string };

  beforeAll(async () => {
    server = await startTestApp();
    tenant = await server.createTenant();
  });
  afterAll(() => server.close());

  it('answers with the built-in offline model, named as what it is', async () => {
    const { provider: _gpt, ...withoutProvider } = DOC_002_BODY;
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: withoutProvider,
    });
    expect(response.status).toBe(200);
    const reply = (await response.json()) as ChatReply;
    expect(reply.model).toMatch(/^builtin:/);
    expect(reply.content).toContain('Hello, how are you?');
    expect(reply.role).toBe('assistant');
  });

  it('answers "gpt" with 400 PROVIDER_NOT_CONFIGURED when OpenAI has no key', async () => {
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { ...DOC_002_BODY, provider: 'gpt' },
    });
    // Doc 002's body names "gpt": without an OpenAI key it is refused, never silently answered offline.
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('PROVIDER_NOT_CONFIGURED');
  });
});

function rateLimitHeaders(response: Response) {
  return {
    limit: response.headers.get('x-ratelimit-limit'),
    remaining: response.headers.get('x-ratelimit-remaining'),
    reset: response.headers.get('x-ratelimit-reset'),
    policy: response.headers.get('ratelimit-policy'),
    ratelimit: response.headers.get('ratelimit'),
  };
}

function expectLimitHeaders(response: Response) {
  const headers = rateLimitHeaders(response);
  for (const [name, value] of Object.entries(headers)) expect(value, name).not.toBeNull();
  // X-RateLimit-Reset is epoch seconds: in the future, not a delta.
  expect(Number(headers.reset)).toBeGreaterThan(Date.now() / 1000 - 1);
  return headers;
}

describe('limits in front of the REST API', () => {
  it('refuses the third AI request of the week with 429, Retry-After and the limit headers', async () => {
    const server = await startTestApp({ LIMIT_AI_REQUESTS_PER_WEEK: '2' });
    try {
      const tenant = await server.createTenant();
      const ask = (stream = false) =>
        server.request('/api/v1/ai/chat', {
          method: 'POST',
          key: tenant.apiKey,
          json: { content: 'hi', user_id: 'quota', stream },
        });
      const first = await ask();
      expect(first.status).toBe(200);
      expect(expectLimitHeaders(first)).toMatchObject({ limit: '2', remaining: '1' });
      expect(rateLimitHeaders(first).policy).toContain('"ai-weekly";q=2;w=604800');
      const second = await ask(true);
      expect(second.status).toBe(200);
      expect(second.headers.get('content-type')).toContain('text/event-stream');
      expect(expectLimitHeaders(second)).toMatchObject({ remaining: '0' });
      await collectEvents(second);

      const third = await ask();
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(expectLimitHeaders(third)).toMatchObject({ limit: '2', remaining: '0' });
      expect(await errorCode(third)).toBe('QUOTA_EXCEEDED');
      expect(await chatCount(server, tenant.apiKey, 'quota')).toBe(2);

      // The weekly quota is per key: a new key of the same tenant has its own.
      const extra = (await (
        await server.request(`/api/v1/admin/tenants/${tenant.tenantId}/keys`, {
          method: 'POST',
          key: TEST_ADMIN_KEY,
        })
      ).json()) as { api_key: string };
      const withNewKey = await server.request('/api/v1/ai/chat', {
        method: 'POST',
        key: extra.api_key,
        json: { content: 'hi' },
      });
      expect(withNewKey.status).toBe(200);
      // The quota covers /ai only; the chats API still answers, under the REST limit alone.
      const listed = await server.request('/api/v1/chats/user/quota', { key: tenant.apiKey });
      expect(listed.status).toBe(200);
      expect(rateLimitHeaders(listed).policy).not.toContain('ai-weekly');
    } finally {
      await server.close();
    }
  });

  it('refuses the fourth request of the minute with 429 RATE_LIMITED; a tenant override takes effect at once', async () => {
    const server = await startTestApp({ LIMIT_REST_PER_MINUTE: '3' });
    try {
      const limited = await server.createTenant('limited');
      const list = (key: string) => server.request('/api/v1/chats/user/someone', { key });
      for (let index = 0; index < 3; index += 1) {
        const response = await list(limited.apiKey);
        expect(response.status).toBe(200);
        expect(expectLimitHeaders(response)).toMatchObject({ limit: '3', remaining: String(2 - index) });
      }
      const refused = await list(limited.apiKey);
      expect(refused.status).toBe(429);
      expect(await errorCode(refused)).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(expectLimitHeaders(refused)).toMatchObject({ limit: '3', remaining: '0' });
      expect(rateLimitHeaders(refused).policy).toBe('"rest";q=3;w=60');
      // Refused before the handler: a refused POST stores nothing.
      const refusedCreate = await server.request('/api/v1/chats', {
        method: 'POST',
        key: limited.apiKey,
        json: { user_id: 'someone' },
      });
      expect(refusedCreate.status).toBe(429);

      // Another tenant has its own count.
      const roomy = await server.createTenant('roomy');
      const patched = await server.request(`/api/v1/admin/tenants/${roomy.tenantId}/limits`, {
        method: 'PATCH',
        key: TEST_ADMIN_KEY,
        json: { LIMIT_REST_PER_MINUTE: 5 },
      });
      expect(patched.status).toBe(200);
      for (let index = 0; index < 5; index += 1) {
        const response = await list(roomy.apiKey);
        expect(response.status, `request ${index + 1}`).toBe(200);
        expect(response.headers.get('x-ratelimit-limit')).toBe('5');
      }
      expect((await list(roomy.apiKey)).status).toBe(429);

      // An override of 0 lifts the limit for the refused tenant at once.
      const lifted = await server.request(`/api/v1/admin/tenants/${limited.tenantId}/limits`, {
        method: 'PATCH',
        key: TEST_ADMIN_KEY,
        json: { LIMIT_REST_PER_MINUTE: 0 },
      });
      expect(lifted.status).toBe(200);
      const after = await list(limited.apiKey);
      expect(after.status).toBe(200);
      expect(after.headers.get('x-ratelimit-limit')).toBeNull();
      const stillNothing = (await after.json()) as { total: number };
      expect(stillNothing.total).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('checks credentials and limits before reading the body: bad bodies are counted and refused like others', async () => {
    const server = await startTestApp({ LIMIT_REST_PER_MINUTE: '3' });
    try {
      const tenant = await server.createTenant();
      const malformed = (key?: string) =>
        server.request('/api/v1/ai/chat', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body: '{"content":',
        });
      // Without a credential: 401, whatever the body.
      expect((await malformed()).status).toBe(401);
      const huge = await server.request('/api/v1/ai/chat', {
        method: 'POST',
        json: { content: 'x'.repeat(1_100_000) },
      });
      expect(huge.status).toBe(401);
      // With one, malformed bodies count against the limit like any request.
      for (let index = 0; index < 3; index += 1) expect((await malformed(tenant.apiKey)).status).toBe(400);
      const refused = await malformed(tenant.apiKey);
      expect(refused.status).toBe(429);
      expect(await errorCode(refused)).toBe('RATE_LIMITED');
    } finally {
      await server.close();
    }
  });

  it('treats 0 as no limit', async () => {
    const server = await startTestApp({ LIMIT_REST_PER_MINUTE: '0', LIMIT_AI_REQUESTS_PER_WEEK: '0' });
    try {
      const tenant = await server.createTenant();
      // Past the documents' default of 100 per minute.
      for (let index = 0; index < 105; index += 1) {
        const response = await server.request('/api/v1/chats/user/someone', { key: tenant.apiKey });
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ratelimit-limit')).toBeNull();
      }
      for (let index = 0; index < 3; index += 1) {
        const response = await server.request('/api/v1/ai/chat', {
          method: 'POST',
          key: tenant.apiKey,
          json: { content: 'hi' },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit-policy')).toBeNull();
      }
    } finally {
      await server.close();
    }
  });
});
