import { startPacedUpstream } from './paced-upstream.ts';

// The paced upstream in a process of its own, so that its writes and the load generator's reads
// do not share an event loop. Argument: JSON {chunks, paceMs}. It prints `{"port":N}` once
// listening, serves `GET /bench/timings` (the timings since the last call), and ends on SIGTERM
// or when its parent goes away.

const options = JSON.parse(process.argv[2] ?? '{}') as { chunks: string[]; paceMs: number };
const upstream = await startPacedUpstream(options);
const { createServer } = await import('node:http');
const control = createServer((request, response) => {
  if (request.url === '/bench/timings') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(upstream.takeTimings()));
    return;
  }
  response.writeHead(404).end();
});
control.listen(0, '127.0.0.1', () => {
  const address = control.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: upstream.port, controlPort: address.port })}\n`);
});

const stop = () => {
  control.close();
  void upstream.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
