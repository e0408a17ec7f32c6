import type { FastifyReply } from 'fastify';
import { once } from 'node:events';

// A Server-Sent Events writer over a hijacked Fastify reply: writes `event:`/`data:` frames,
// waits for 'drain' when the client reads slowly, and reports when the client goes away.
//
// Per frame it allocates no promise of its own while the client keeps up (send answers a settled
// one), and the head is not flushed on its own: every caller sends a frame at once, and the head
// leaves with it in one write instead of a system call of its own per stream.

const STILL_OPEN = Promise.resolve(true);
const GONE = Promise.resolve(false);

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
    send(event, data) {
      if (closed) return GONE;
      const frame = `${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;
      if (response.write(frame)) return closed ? GONE : STILL_OPEN;
      if (closed) return GONE;
      return once(response, 'drain').then(
        () => !closed,
        () => !closed,
      );
    },
    end(finalFrame) {
      if (closed) return;
      closed = true;
      response.end(finalFrame);
    },
  };
}
