// Preloaded into cai by first-token-split.ts (node --import): stamps, on the benchmark's clock
// (CLOCK_MONOTONIC, as bench/lib/clock.ts), when an HTTP request reaches the server, when the
// model client creates its request to the upstream and when that request is written out. Node's
// own diagnostics channels, so cai's code is not touched. SIGUSR2 writes them all to
// FIRST_TOKEN_STAMPS_FILE as [kind, ms] pairs: kind 'request' | 'model-request' | 'model-request-sent'.
import diagnosticsChannel from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const stamps = [];
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
diagnosticsChannel.subscribe('http.server.request.start', () => stamps.push(['request', nowMs()]));
diagnosticsChannel.subscribe('http.client.request.start', ({ request }) => {
  stamps.push(['model-request', nowMs()]);
  request.once('finish', () => stamps.push(['model-request-sent', nowMs()]));
});
process.on('SIGUSR2', () => writeFileSync(process.env.FIRST_TOKEN_STAMPS_FILE, JSON.stringify(stamps)));
