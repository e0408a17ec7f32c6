import type { FastifyReply } from 'fastify';
import { once } from 'node:events';

// OpenAI's streaming wire format over a hijacked Fastify reply: `data: {json}` frames with no event
// names, ended by `data: [DONE]`. Waits for 'drain' when the client reads slowly and reports when
// the client goes away.

export interface ChunkStream {
  /** Resolves false when the client has gone. */
  send(payload: unknown): Promise<boolean>;
  /** Ends the response, after `data: [DONE]` when `done` (not after an error event). */
  end(options: { done: boolean }): void;
}

export function openChunkStream(reply: FastifyReply, onClientGone: () => void): ChunkStream {
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
    async send(payload) {
      if (closed) return false;
      const flushed = response.write(`data: ${JSON.stringify(payload)}\n\n`);
      if (!flushed && !closed) await once(response, 'drain').catch(() => undefined);
      return !closed;
    },
    end({ done }) {
      if (closed) return;
      closed = true;
      response.end(done ? 'data: [DONE]\n\n' : undefined);
    },
  };
}
