import { Agent, createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';

// The floor for one hop: the least a Node process can do between a client and the upstream. Over
// doc 000's WebSocket it speaks just enough of the protocol (CONNECTED; COMPLETION →
// COMPLETION_CHUNK… → COMPLETION_ENDED), reading the upstream with node:http and a plain SSE line
// split; `POST /v1/chat/completions` it passes through to the upstream as it is. It authenticates,
// stores, checks and segments nothing. What cai spends beyond it is cai's own. Argument: the
// upstream's base URL. Prints `{"port":N}` once listening; ends on SIGTERM.

const upstreamUrl = new URL(`${process.argv[2] ?? ''}/chat/completions`);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

interface Completion {
  type: string;
  requestId: string;
  payload: { prompt: string };
}

function relay(completion: Completion, send: (message: object) => void): void {
  const { requestId } = completion;
  const body = JSON.stringify({
    model: 'bench',
    stream: true,
    messages: [{ role: 'user', content: completion.payload.prompt }],
  });
  const outgoing = request(
    upstreamUrl,
    { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
    (response) => {
      let buffer = '';
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (data: string) => {
        buffer += data;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
          const chunk = JSON.parse(event.slice(6)) as { choices: Array<{ delta?: { content?: string } }> };
          const content = chunk.choices[0]?.delta?.content;
          if (content) {
            text += content;
            send({ type: 'COMPLETION_CHUNK', requestId, text: content });
          }
        }
      });
      response.on('end', () => send({ type: 'COMPLETION_ENDED', requestId, text, finishReason: 'stop' }));
    },
  );
  outgoing.end(body);
}

/** A whole (non-streamed) completion: the request passed to the upstream, its answer passed back. */
function passThrough(incoming: IncomingMessage, answer: ServerResponse): void {
  const outgoing = request(
    upstreamUrl,
    {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': incoming.headers['content-length'] ?? '0',
      },
    },
    (response) => {
      answer.writeHead(response.statusCode ?? 502, {
        'content-type': response.headers['content-type'] ?? 'application/json',
      });
      response.pipe(answer);
    },
  );
  outgoing.on('error', () => answer.destroy());
  incoming.pipe(outgoing);
}

const server = createServer((incoming, answer) => {
  if (incoming.method === 'POST' && incoming.url === '/v1/chat/completions') passThrough(incoming, answer);
  else answer.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
const sockets = new WebSocketServer({ server, perMessageDeflate: false });
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
sockets.on('connection', (ws) => {
  const send = (message: object) => ws.send(JSON.stringify(message));
  send({ type: 'CONNECTED' });
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Completion;
    if (message.type === 'COMPLETION') relay(message, send);
  });
});
const stop = () => {
  for (const client of sockets.clients) client.terminate();
  sockets.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
