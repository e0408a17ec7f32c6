import type { FastifyReply } from 'fastify';
import { once } from 'node:events';

// A Server-Sent Events writer over a hijacked Fastify reply: writes `event:`/`data:` frames,
// waits for 'drain' when the client reads slowly, and reports when the client goes away.

export interface EventStream {
  /** One frame: `event:` (when named) and `data: <json>`. Resolves false when the client has gone. */
  send(event: string | undefined, data: unknown): Promise<boolean>;
  /** Ends the response, after `finalFrame` when given (OpenAI's `data: [DONE]`). */
  end(finalFrame?: string): void;
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
      const frame = `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;
      const flushed = response.write(frame);
      if (!flushed && !closed) await once(response, 'drain').catch(() => undefined);
      return !closed;
    },
    end(finalFrame) {
      if (closed) return;
      closed = true;
      response.end(finalFrame);
    },
  };
}
