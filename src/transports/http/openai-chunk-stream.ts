import type { FastifyReply } from 'fastify';
import { openEventStream } from './server-sent-events.ts';

// OpenAI's streaming wire format: `data: {json}` frames with no event names, ended by
// `data: [DONE]` (not after an error event). The SSE plumbing is server-sent-events.ts.

export interface ChunkStream {
  /** Resolves false when the client has gone. */
  send(payload: unknown): Promise<boolean>;
  /** Ends the response, after `data: [DONE]` when `done` (not after an error event). */
  end(options: { done: boolean }): void;
}

export function openChunkStream(reply: FastifyReply, onClientGone: () => void): ChunkStream {
  const stream = openEventStream(reply, onClientGone);
  return {
    send: (payload) => stream.send(undefined, payload),
    end: ({ done }) => stream.end(done ? 'data: [DONE]\n\n' : undefined),
  };
}
