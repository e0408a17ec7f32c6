import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../fakes/fake-vendor-server.ts';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app.ts';
import { collectEvents, readEvents } from './sse-client.ts';

// What an operator relies on: doc 001's `GET /` and `GET /health` (503 once storage is gone),
// Prometheus metrics, and logs that never carry a key or a token.

interface Health {
  status: string;
  services: Record<string, boolean>;
  active_connections: number;
}

async function health(server: TestApp): Promise<{ status: number; body: Health }> {
  const response = await server.request('/health');
  return { status: response.status, body: (await response.json()) as Health };
}

describe('GET / and GET /health (doc 001)', () => {
  let fake: FakeVendorServer;
  let server: TestApp;

  beforeAll(async () => {
    fake = await startFakeOpenAiServer();
    server = await startTestApp({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseUrl });
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it("answers GET / with doc 001's body, without credentials", async () => {
    const response = await server.request('/');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      message: 'Conversational AI Backend is running',
      status: 'healthy',
    });
  });

  it('answers GET /health with the services and the open connections', async () => {
    const { status, body } = await health(server);
    expect(status).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.services).toMatchObject({ ai_service: true, storage: true });
    expect(typeof body.services['audio_processor']).toBe('boolean');
    expect(typeof body.services['audio_pipeline']).toBe('boolean');
    expect(body.active_connections).toBe(0);
  });

  it('counts a stream in progress in active_connections', async () => {
    const tenant = await server.createTenant();
    fake.enqueue({ type: 'stall', afterChunks: 1 });
    const client = new AbortController();
    const response = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: tenant.apiKey,
      json: { content: 'hi', stream: true },
      signal: client.signal,
    });
    const events = readEvents(response);
    for await (const event of events) if (event.event === 'delta') break;
    expect((await health(server)).body.active_connections).toBe(1);
    client.abort();
    await expect.poll(async () => (await health(server)).body.active_connections).toBe(0);
  });

  it('answers 503 with storage false once the store is closed', async () => {
    const doomed = await startTestApp();
    try {
      expect((await health(doomed)).status).toBe(200);
      await doomed.closeStorage();
      const { status, body } = await health(doomed);
      expect(status).toBe(503);
      expect(body.status).toBe('unhealthy');
      expect(body.services['storage']).toBe(false);
      // GET / stays a liveness answer: the process itself is up.
      expect((await doomed.request('/')).status).toBe(200);
    } finally {
      await doomed.close();
    }
  });
});

describe('GET /metrics', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(() => server.close());

  function sample(text: string, name: string): number | undefined {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  }

  it('serves Prometheus text with request counts by route template, and streamed tokens', async () => {
    const tenant = await server.createTenant();
    const created = (await (
      await server.request('/api/v1/chats', {
        method: 'POST',
        key: tenant.apiKey,
        json: { user_id: 'metered' },
      })
    ).json()) as { id: string };
    await server.request(`/api/v1/chats/${created.id}`, { key: tenant.apiKey });
    const streamed = await server.request(`/api/v1/chats/${created.id}/messages`, {
      method: 'POST',
      key: tenant.apiKey,
      json: { content: 'count my tokens', stream: true },
    });
    const events = await collectEvents(streamed);
    expect(events.at(-1)?.data['finish_reason']).toBe('stop');

    const response = await server.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE cai_http_requests_total counter');
    expect(text).toMatch(
      /cai_http_requests_total\{method="GET",route="\/api\/v1\/chats\/:chat_id",status="200"\} 1/,
    );
    expect(sample(text, 'cai_streamed_tokens_total')).toBeGreaterThan(0);
    // Route templates, never ids: bounded label sets.
    expect(text).not.toContain(created.id);
  });
});

describe('logs', () => {
  let server: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    server = await startTestApp({ DEBUG: 'true' }, { logger: createLogger({ level: 'trace', destination }) });
  });
  afterAll(() => server.close());

  it('never contain a key or a token, wherever the request carried it', async () => {
    const tenant = await server.createTenant();
    const issued = (await (
      await server.request('/api/v1/auth/token', {
        method: 'POST',
        key: tenant.apiKey,
        json: { user_id: 'alice' },
      })
    ).json()) as { token: string };
    const jwt = issued.token;
    const wrongKey = 'cai_abcdefghijkm_' + 'W'.repeat(43);
    const listPath = '/api/v1/chats/user/alice';

    const answers = [
      await server.request(listPath, { headers: { authorization: `Bearer ${tenant.apiKey}` } }),
      await server.request(listPath, { headers: { 'x-api-key': tenant.apiKey } }),
      await server.request(`${listPath}?api_key=${tenant.apiKey}`),
      await server.request(`${listPath}?authorization=Bearer%20${tenant.apiKey}`),
      await server.request(`${listPath}?limit=5&token=${jwt}`),
      await server.request(`${listPath}?API_KEY=${tenant.apiKey}&Access_Token=${jwt}`, {
        key: tenant.apiKey,
      }),
      await server.request(listPath, { headers: { authorization: `Bearer ${jwt}` } }),
      await server.request(`/api/v1/ai/chat?api_key=${tenant.apiKey}`, {
        method: 'POST',
        json: { content: 'hello' },
      }),
      // Refused credentials are not logged either.
      await server.request(`${listPath}?api_key=${wrongKey}`),
      await server.request(listPath, { headers: { authorization: `Bearer ${wrongKey}` } }),
      // Under a parameter name nobody expected, and in the path of a route that does not exist.
      await server.request(`${listPath}?whatever=${tenant.apiKey}&other=${jwt}`, { key: tenant.apiKey }),
      await server.request(`/no/such/${tenant.apiKey}/route`),
      await server.request(`/api/v1/admin/tenants/${tenant.tenantId}/limits?api_key=${TEST_ADMIN_KEY}`),
      await server.request(`/api/v1/admin/tenants/${tenant.tenantId}/limits`, {
        headers: { 'x-api-key': TEST_ADMIN_KEY },
      }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 401, 401, 200, 404, 200, 200,
    ]);

    const log = lines.join('');
    // Request logging is on: the URLs are there, with the secrets taken out.
    expect(log).toContain('api_key=[redacted]');
    expect(log).toContain('token=[redacted]');
    expect(lines.length).toBeGreaterThan(answers.length);
    // The key's public prefix may appear; its secret half never.
    const secret = /^cai_[^_]+_(.+)$/.exec(tenant.apiKey)?.[1];
    expect(secret).toBeDefined();
    for (const secretText of [tenant.apiKey, secret!, jwt, jwt.split('.')[2]!, wrongKey, TEST_ADMIN_KEY]) {
      expect(log.includes(secretText), `log contains ${secretText.slice(0, 12)}…`).toBe(false);
    }
  });
});
