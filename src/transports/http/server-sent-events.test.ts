import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openEventStream } from './server-sent-events.ts';

// The Server-Sent Events writer over a real HTTP connection.

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(use: (stream: ReturnType<typeof openEventStream>) => Promise<void>): Promise<string> {
  const server = Fastify();
  server.get('/events', async (_request, reply) => {
    const stream = openEventStream(reply, () => undefined);
    await use(stream);
    stream.end();
  });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  close = () => server.close();
  return `${url}/events`;
}

describe('openEventStream', () => {
  it('writes named and unnamed frames with JSON data, unbuffered by proxies, and ends the response', async () => {
    const url = await serve(async (stream) => {
      await stream.send('delta', { content: 'Hi' });
      await stream.send(undefined, { done: true });
    });
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(await response.text()).toBe('event: delta\ndata: {"content":"Hi"}\n\ndata: {"done":true}\n\n');
  });
});
