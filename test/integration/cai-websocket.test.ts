import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../fakes/fake-vendor-server.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Doc 000 (`WS /`) over real sockets, against a fake OpenAI upstream on loopback.

type Wire = Record<string, unknown>;

/** A doc 000 client that records every message and the close. */
class Client {
  readonly socket: WebSocket;
  readonly received: Wire[] = [];
  readonly closed: Promise<{ code: number }>;
  #waiters: Array<{ predicate: (message: Wire) => boolean; resolve: (message: Wire) => void }> = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Wire;
      this.received.push(message);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.predicate(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) => this.socket.on('close', (code) => resolve({ code })));
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  waitFor(predicate: (message: Wire) => boolean): Promise<Wire> {
    const found = this.received.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }

  ofType(type: string): Wire[] {
    return this.received.filter((message) => message['type'] === type);
  }
}

let fake: FakeVendorServer;
let server: TestApp;
let tenant: { tenantId: string; apiKey: string };

const urlFor = (query: string) => `${server.baseUrl.replace('http', 'ws')}/${query}`;
const connect = () =>
  new Client(urlFor(`?authorization=Bearer%20${encodeURIComponent(tenant.apiKey)}&orgId=${tenant.tenantId}`));

beforeAll(async () => {
  fake = await startFakeOpenAiServer();
  server = await startTestApp({
    OPENAI_API_KEY: 'sk-test-fake-openai',
    OPENAI_BASE_URL: fake.baseUrl,
    MODEL_MAX_RETRIES: '0',
  });
  tenant = await server.createTenant('acme');
});

afterAll(async () => {
  await server.close();
  await fake.close();
});

describe('WS / (doc 000) over real sockets', () => {
  it('streams a completion and stores it', async () => {
    const client = connect();
    const connected = await client.waitFor((message) => message['type'] === 'CONNECTED');
    fake.enqueue({ type: 'stream', chunks: ['Hello', ' from', ' cai.'] });
    client.send({ type: 'COMPLETION', requestId: 'r1', payload: { prompt: 'Hi', model: 'default' } });
    const end = await client.waitFor((message) => message['type'] === 'COMPLETION_ENDED');
    expect(end).toMatchObject({ requestId: 'r1', text: 'Hello from cai.', finishReason: 'stop' });
    expect(client.ofType('COMPLETION_CHUNK').map((message) => message['text'])).toEqual([
      'Hello',
      ' from',
      ' cai.',
    ]);

    const response = await server.request(`/api/v1/chats/${String(connected['conversationId'])}/messages`, {
      key: tenant.apiKey,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { messages: Array<{ role: string; content: string }> };
    expect(body.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'Hi'],
      ['assistant', 'Hello from cai.'],
    ]);
    client.socket.close();
  });

  it('INTERRUPTED aborts the upstream request at once', async () => {
    const client = connect();
    await client.waitFor((message) => message['type'] === 'CONNECTED');
    const before = fake.requests.length;
    fake.enqueue({ type: 'stall', afterChunks: 2, chunks: ['One. ', 'Two. ', 'never sent'] });
    client.send({ type: 'COMPLETION', requestId: 'barge', payload: { prompt: 'Talk' } });
    await client.waitFor((message) => message['type'] === 'COMPLETION_CHUNK' && message['text'] === 'Two. ');
    client.send({ type: 'INTERRUPTED', requestId: 'barge' });

    const end = await client.waitFor((message) => message['type'] === 'COMPLETION_ENDED');
    expect(end).toMatchObject({ requestId: 'barge', finishReason: 'interrupted', text: 'One. Two. ' });
    const upstream = fake.requests[before]!;
    await upstream.clientClosed;
    expect(upstream.closedByClient).toBe(true);
    client.socket.close();
  });

  it('refuses a bad credential with ERROR AUTH_FAILED, then closes 1008', async () => {
    const client = new Client(urlFor(`?authorization=Bearer%20not-a-key&orgId=${tenant.tenantId}`));
    const { code } = await client.closed;
    expect(client.received).toEqual([
      expect.objectContaining({ type: 'ERROR', code: 'AUTH_FAILED', message: expect.any(String) }),
    ]);
    expect(code).toBe(1008);
  });

  it('refuses an orgId that is not the key tenant with INVALID_ORG, then closes 1008', async () => {
    const other = await server.createTenant('other');
    const client = new Client(
      urlFor(`?authorization=Bearer%20${encodeURIComponent(tenant.apiKey)}&orgId=${other.tenantId}`),
    );
    const { code } = await client.closed;
    expect(client.received).toEqual([expect.objectContaining({ type: 'ERROR', code: 'INVALID_ORG' })]);
    expect(code).toBe(1008);
  });

  it('resumes after the socket dropped mid-reply: each missed message once, then the rest live', async () => {
    const chunks = Array.from({ length: 12 }, (_, index) => `Part ${index + 1}. `);
    fake.enqueue({ type: 'stream', chunks, paceMs: 25 });
    const first = connect();
    const connected = await first.waitFor((message) => message['type'] === 'CONNECTED');
    first.send({ type: 'COMPLETION', requestId: 'long', payload: { prompt: 'Count' } });
    await first.waitFor((message) => message['type'] === 'COMPLETION_CHUNK');
    first.socket.terminate();
    await first.closed;
    const seen = first.received.filter((message) => typeof message['seq'] === 'number');
    const lastSeq = Math.max(...seen.map((message) => message['seq'] as number));

    const second = connect();
    await second.waitFor((message) => message['type'] === 'CONNECTED');
    second.send({ type: 'RESUME', connectionId: connected['connectionId'], lastSeq });
    const resumed = await second.waitFor(
      (message) => message['type'] === 'RESUMED' || message['type'] === 'ERROR',
    );
    expect(resumed).toMatchObject({ type: 'RESUMED', connectionId: connected['connectionId'] });
    const end = await second.waitFor((message) => message['type'] === 'COMPLETION_ENDED');

    const carried = second.received.filter((message) => typeof message['seq'] === 'number');
    expect(carried.map((message) => message['seq'])).toEqual(carried.map((_, index) => lastSeq + 1 + index));
    const text = [...seen, ...carried]
      .filter((message) => message['type'] === 'COMPLETION_CHUNK')
      .map((message) => message['text'])
      .join('');
    expect(text).toBe(chunks.join(''));
    expect(end).toMatchObject({ requestId: 'long', finishReason: 'stop', text: chunks.join('') });
    second.socket.close();
  });
});
