import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkEvent, directModel, doneEvent, usageEvent } from './chat-completions-test-helpers.ts';
import { collect } from './chat-model-contract.ts';

// The model client's keep-alive pool after a burst: every connection a burst of concurrent
// streams opened stays open for the next burst (up to chat-completions-endpoint.ts's MAX_IDLE_CONNECTIONS), so that a stream
// after a busy moment costs no new TCP, or with a real provider TLS, handshake. Node's agent keeps
// only 256 idle connections by default and would close the rest as each burst ends.

const BURST = 300;

describe('ChatCompletionsModel connection pool', () => {
  let server: Server;
  let baseUrl: string;
  const connections = new Set<Socket>();
  let waiting: Array<() => void> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        // Held until the whole burst is in flight, so that it needs BURST connections at once.
        waiting.push(() => {
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.end(
            chunkEvent({ content: 'Hi' }) + chunkEvent({ finish: 'stop' }) + usageEvent + doneEvent,
          );
        });
        if (waiting.length === BURST) {
          const answers = waiting;
          waiting = [];
          for (const answer of answers) answer();
        }
      });
    });
    server.on('connection', (socket) => connections.add(socket));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it(`reuses every connection of a burst of ${BURST} concurrent streams for the next burst`, async () => {
    const model = directModel({ baseUrl });
    const burst = async () => {
      const replies = await Promise.all(Array.from({ length: BURST }, () => collect(model)));
      expect(replies.map((reply) => reply.error)).toEqual(Array(BURST).fill(undefined));
      expect(new Set(replies.map((reply) => reply.text))).toEqual(new Set(['Hi']));
    };
    await burst();
    expect(connections.size).toBe(BURST);
    // Let the sockets return to the pool (the agent frees a socket once its response has ended).
    await new Promise((resolve) => setTimeout(resolve, 50));
    await burst();
    expect(connections.size).toBe(BURST);
  });
});
