import { WebSocketServer } from 'ws';

// The floor for idle connections: a bare `ws` server on Node's HTTP server that greets each
// connection and does nothing else. Prints `{"port":N}` once listening; ends on SIGTERM.

const server = new WebSocketServer(
  { host: '127.0.0.1', port: 0, backlog: 4096, perMessageDeflate: false },
  () => {
    const address = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  },
);
server.on('connection', (ws) => ws.send('{"type":"CONNECTED"}'));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
