import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatCompletionsEndpoint } from './chat-completions-endpoint.ts';

// The request head is given to node:http as a list (cheaper than an object): the bytes on the wire
// must stay those node:http wrote from an object, Host and URL credentials included.

describe('ChatCompletionsEndpoint request head', () => {
  const received: Array<{ url?: string; rawHeaders: string[] }> = [];
  const server = createServer((request, response) => {
    received.push({ url: request.url, rawHeaders: request.rawHeaders });
    request.resume();
    request.on('end', () => response.end('{}'));
  });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function headOf(options: { baseUrl: string; apiKey?: string }) {
    received.length = 0;
    const { response } = new ChatCompletionsEndpoint(options).post('{"content":"é"}');
    const answer: IncomingMessage = await response;
    answer.resume();
    await new Promise((resolve) => answer.on('end', resolve));
    return received[0]!;
  }

  it('sends the key as a bearer token, the length in bytes, then the host', async () => {
    const head = await headOf({ baseUrl: `http://127.0.0.1:${port}/v1/`, apiKey: 'test-key' });
    expect(head.url).toBe('/v1/chat/completions');
    expect(head.rawHeaders).toEqual([
      ...['content-type', 'application/json', 'user-agent', 'cai', 'authorization', 'Bearer test-key'],
      ...['content-length', '16', 'Host', `127.0.0.1:${port}`, 'Connection', 'keep-alive'],
    ]);
  });

  it('without a key, sends the URL credentials as basic authorization', async () => {
    const head = await headOf({ baseUrl: `http://user%20a:secret@localhost:${port}/v1` });
    expect(head.rawHeaders).toEqual([
      ...['content-type', 'application/json', 'user-agent', 'cai', 'content-length', '16'],
      ...['Host', `localhost:${port}`, 'Authorization', `Basic ${btoa('user a:secret')}`],
      ...['Connection', 'keep-alive'],
    ]);
  });

  it('without a key or credentials, sends no authorization', async () => {
    const head = await headOf({ baseUrl: `http://127.0.0.1:${port}/v1` });
    expect(head.rawHeaders).not.toContain('authorization');
    expect(head.rawHeaders).not.toContain('Authorization');
  });
});
