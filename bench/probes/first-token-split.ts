// Where a stream's first-token overhead goes, one stream at a time: cai and the bare relay, over
// doc 002's SSE and doc 000's WebSocket, taking turns, against the benchmark's paced upstream
// (4 tokens, one every 20 ms). Each stream's overhead is split at the upstream's own stamps:
//
//   inbound:  the client sent the request → the upstream had read its body (the hop's start path)
//   outbound: the upstream wrote the first chunk → the client had the first token (its relay path)
//
// For cai over SSE, first-token-stamps.mjs (preloaded) also splits the inbound part: the request
// reaching the server → the model request created → written out. Read cai against the relay in
// the same run: what the relay spends is what any Node hop spends on this machine.
//
//   npx tsx bench/probes/first-token-split.ts [streams] [--warm-up N] [--gap MS]
//
// streams: measured per target (default 150), after N unmeasured rounds (default 50); --gap: the
// pause between two streams (default 10 ms; 0 runs them back to back).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBareRelay } from '../lib/bare-relay-process.ts';
import { repositoryRoot } from '../lib/cai-server.ts';
import { openCaiWs } from '../lib/cai-ws-client.ts';
import { sleep } from '../lib/clock.ts';
import { openAiSse, streamFromCai, streamOverSse } from '../lib/sse-stream.ts';
import { percentile } from '../lib/stats.ts';
import { TokenTracker, type StreamRecord } from '../lib/token-tracker.ts';
import { benchTokens, promptFor } from '../lib/tokens.ts';
import { startUpstreamProcess } from '../lib/upstream-process.ts';
import { argumentValue } from './allocation-reporting.ts';
import { startProbeServer } from './probe-server.ts';

const streams = Number(process.argv[2]?.startsWith('--') ? 150 : (process.argv[2] ?? 150));
const warmUpRounds = Number(argumentValue('--warm-up') ?? 50);
const gapMs = Number(argumentValue('--gap') ?? 10);
const TOKENS = benchTokens(4);
const TIMEOUT_MS = 10_000;
const stampsDirectory = mkdtempSync(join(tmpdir(), 'cai-first-token-'));
const stampsFile = join(stampsDirectory, 'stamps.json');

type StreamOnce = (requestId: string, tracker: TokenTracker) => Promise<StreamRecord>;

const upstream = await startUpstreamProcess({ chunks: TOKENS, paceMs: 20 });
const cai = await startProbeServer({
  root: repositoryRoot,
  name: 'this',
  upstreamUrl: upstream.baseUrl,
  nodeArguments: ['--import', fileURLToPath(new URL('./first-token-stamps.mjs', import.meta.url))],
  environment: { FIRST_TOKEN_STAMPS_FILE: stampsFile },
});
const relay = await startBareRelay({ upstreamBaseUrl: upstream.baseUrl });
const caiAgent = new Agent({ keepAlive: true, maxSockets: 1 });
const relayAgent = new Agent({ keepAlive: true, maxSockets: 1 });
const caiSocket = await openCaiWs({ ...cai, timeoutMs: TIMEOUT_MS });
const relaySocket = await openCaiWs({
  port: relay.port,
  apiKey: 'none',
  tenantId: 'none',
  timeoutMs: TIMEOUT_MS,
});

const targets: Record<string, StreamOnce> = {
  'cai sse': (requestId, tracker) =>
    streamFromCai({ agent: caiAgent, server: cai, requestId, tracker, timeoutMs: TIMEOUT_MS }),
  'relay sse': (requestId, tracker) =>
    streamOverSse({
      agent: relayAgent,
      port: relay.port,
      path: '/v1/chat/completions',
      headers: {},
      body: { model: 'bench', stream: true, messages: [{ role: 'user', content: promptFor(requestId) }] },
      dialect: openAiSse,
      tracker,
      timeoutMs: TIMEOUT_MS,
    }),
  'cai ws': (requestId, tracker) =>
    caiSocket.complete({ requestId, prompt: promptFor(requestId), tracker, timeoutMs: TIMEOUT_MS }),
  'relay ws': (requestId, tracker) =>
    relaySocket.complete({ requestId, prompt: promptFor(requestId), tracker, timeoutMs: TIMEOUT_MS }),
};

function describe(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p).toFixed(2);
  return `p50 ${at(50)}  p90 ${at(90)}  p99 ${at(99)} ms`;
}

/** The first stamp of `kind` at or after `from`, for streams run one at a time. */
function stampAfter(stamps: Array<[string, number]>, kind: string, from: number): number | undefined {
  return stamps.find(([name, at]) => name === kind && at >= from)?.[1];
}

try {
  const measured = new Map<string, StreamRecord[]>(Object.keys(targets).map((name) => [name, []]));
  let next = 0;
  for (let round = 0; round < warmUpRounds + streams; round += 1) {
    for (const [name, streamOnce] of Object.entries(targets)) {
      const requestId = `split-${next++}`;
      const record = await streamOnce(requestId, new TokenTracker({ requestId, tokens: TOKENS }));
      if (record.error !== undefined) throw new Error(`${name}: ${record.error}`);
      if (round >= warmUpRounds) measured.get(name)!.push(record);
      if (gapMs > 0) await sleep(gapMs);
    }
  }
  const timings = new Map((await upstream.takeTimings()).map((timing) => [timing.requestId, timing]));
  console.log(`${streams} streams per target, one at a time, after ${warmUpRounds} unmeasured rounds:`);
  for (const [name, records] of measured) {
    const inbound = records.map((record) => timings.get(record.requestId)!.receivedAt - record.startedAt);
    const outbound = records.map(
      (record) => record.tokenAt[0]! - timings.get(record.requestId)!.chunkSentAt[0]!,
    );
    console.log(`  ${name.padEnd(9)}  inbound ${describe(inbound)}   outbound ${describe(outbound)}`);
  }

  process.kill(cai.pid, 'SIGUSR2');
  while (!existsSync(stampsFile)) await sleep(20);
  await sleep(50);
  const stamps = JSON.parse(readFileSync(stampsFile, 'utf8')) as Array<[string, number]>;
  const toServer: number[] = [];
  const toModelRequest: number[] = [];
  const toWritten: number[] = [];
  const toUpstream: number[] = [];
  for (const record of measured.get('cai sse')!) {
    const request = stampAfter(stamps, 'request', record.startedAt);
    const modelRequest = request === undefined ? undefined : stampAfter(stamps, 'model-request', request);
    const sent =
      modelRequest === undefined ? undefined : stampAfter(stamps, 'model-request-sent', modelRequest);
    if (request === undefined || modelRequest === undefined || sent === undefined) continue;
    toServer.push(request - record.startedAt);
    toModelRequest.push(modelRequest - request);
    toWritten.push(sent - modelRequest);
    toUpstream.push(timings.get(record.requestId)!.receivedAt - sent);
  }
  console.log('  cai sse, inbound in parts:');
  console.log(`    client sent → request at the server       ${describe(toServer)}`);
  console.log(`    request at the server → model request made ${describe(toModelRequest)}`);
  console.log(`    model request made → written out          ${describe(toWritten)}`);
  console.log(`    written out → the upstream has the body   ${describe(toUpstream)}`);
} finally {
  caiSocket.close();
  relaySocket.close();
  caiAgent.destroy();
  relayAgent.destroy();
  await Promise.all([cai.stop(), relay.stop()]);
  await upstream.stop();
  rmSync(stampsDirectory, { recursive: true, force: true });
}
