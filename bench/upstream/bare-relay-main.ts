import { Agent, request } from 'node:http';
import { WebSocketServer } from 'ws';

// The floor for one streaming hop: the least a Node process can do to relay the upstream's stream
// to a doc 000 WebSocket client. It speaks just enough of doc 000 (CONNECTED; COMPLETION →
// COMPLETION_CHUNK… → COMPLETION_ENDED), reads the upstream with node:http and a plain SSE line
// split, and stores, checks and segments nothing. What cai spends per token beyond this is cai's
// own. Argument: the upstream's base URL. Prints `{"port":N}` once listening; ends on SIGTERM.

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

const server = new WebSocketServer(
  { host: '127.0.0.1', port: 0, backlog: 4096, perMessageDeflate: false },
  () => {
    const address = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  },
);
server.on('connection', (ws) => {
  const send = (message: object) => ws.send(JSON.stringify(message));
  send({ type: 'CONNECTED' });
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Completion;
    if (message.type === 'COMPLETION') relay(message, send);
  });
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
