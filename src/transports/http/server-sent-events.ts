import type { FastifyReply } from 'fastify';
import { once } from 'node:events';

// A Server-Sent Events writer over a hijacked Fastify reply: writes `event:`/`data:` frames,
// waits for 'drain' when the client reads slowly, and reports when the client goes away.

export interface EventStream {
  /** Resolves false when the client has gone. */
  send(event: string, data: unknown): Promise<boolean>;
  end(): void;
  readonly closed: boolean;
}

export function openEventStream(reply: FastifyReply, onClientGone: () => void): EventStream {
  reply.hijack();
  const response = reply.raw;
  const headers = { ...reply.getHeaders() } as Record<string, string | number | string[]>;
  response.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Stops reverse proxies (nginx) from buffering the stream.
    'x-accel-buffering': 'no',
  });
  response.flushHeaders();
  let closed = false;
  response.on('close', () => {
    if (!closed) {
      closed = true;
      onClientGone();
    }
  });
  return {
    get closed() {
      return closed;
    },
    async send(event, data) {
      if (closed) return false;
      const flushed = response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (!flushed && !closed) await once(response, 'drain').catch(() => undefined);
      return !closed;
    },
    end() {
      if (closed) return;
      closed = true;
      response.end();
    },
  };
}
