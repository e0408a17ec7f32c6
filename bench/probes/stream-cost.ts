// CPU per streamed token of cai, over doc 002's SSE (`POST /api/v1/ai/chat` with `stream`) and doc
// 000's WebSocket, against the benchmark's paced upstream (64 tokens, one every 20 ms). cai runs as
// the benchmark runs it (probe-server.ts), its CPU read from /proc: the client's never counts.
//
//   npx tsx bench/probes/stream-cost.ts [streams] [--rounds N] [--against ROOT] [--only sse|ws]
//                                       [--tokens N] [--profile DIR] [--allocations]
//                                       [--allocation-profile DIR] [--node-argument FLAG]...
//
// Each round runs `streams` streams at once through each target in turn (the order alternates from
// round to round); the first round warms up, the medians of the others are printed last. With
// `--against ROOT` (another checkout) both versions are served side by side and take turns, so a
// busy machine weighs on both alike: read the paired difference per round. `--tokens 1` makes every
// reply one token long: what a stream's start costs. Each round opens its doc 000 connections
// before the clock starts (as the benchmark does) and its SSE requests on new connections.
//
// `--allocations` preloads allocation-report.mjs into each server and adds the bytes of V8 heap
// allocated and the µs of garbage collection per token: the first is a figure other work on the
// machine does not move. `--allocation-profile DIR` also writes where the bytes were allocated
// (DIR/<name>.heapprofile) and prints it; sampling costs CPU, so read CPU figures without it.
// `--node-argument` (more than once if need be) is given to both servers' node, e.g.
// `--max-semi-space-size=32` to see what a larger young generation saves in garbage collection.
import { Agent } from 'node:http';
import { openCaiWs, type CaiWsConnection } from '../lib/cai-ws-client.ts';
import { streamFromCai } from '../lib/sse-stream.ts';
import { median } from '../lib/stats.ts';
import { TokenTracker, type StreamRecord } from '../lib/token-tracker.ts';
import { benchTokens, promptFor } from '../lib/tokens.ts';
import { startUpstreamProcess } from '../lib/upstream-process.ts';
import { AllocationReporting, argumentValue } from './allocation-reporting.ts';
import { startComparedServers, type ProbeServer } from './probe-server.ts';

const streams = Number(process.argv[2]?.startsWith('--') ? 200 : (process.argv[2] ?? 200));
const rounds = Number(argumentValue('--rounds') ?? 5);
const against = argumentValue('--against');
const only = argumentValue('--only');
const profileDirectory = argumentValue('--profile');
const allocations = new AllocationReporting();
/** 64 as in the benchmark; `--tokens 1` measures what a stream's start costs. */
const TOKENS = benchTokens(Number(argumentValue('--tokens') ?? 64));
const TIMEOUT_MS = 60_000;
/** Starts are spread over this long, as the benchmark spreads 100 streams over 200 ms. */
const SPREAD_MS = 2 * streams;

interface Target {
  name: string;
  server: ProbeServer;
  open(): Promise<(requestId: string, tracker: TokenTracker) => Promise<StreamRecord>>;
}

function sseTarget(server: ProbeServer): Target {
  return {
    name: `${server.name} sse`,
    server,
    async open() {
      const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
      return (requestId, tracker) =>
        streamFromCai({ agent, server, requestId, tracker, timeoutMs: TIMEOUT_MS });
    },
  };
}

function wsTarget(server: ProbeServer): Target {
  return {
    name: `${server.name} ws`,
    server,
    async open() {
      const connections: CaiWsConnection[] = await Promise.all(
        Array.from({ length: streams }, () =>
          openCaiWs({
            port: server.port,
            apiKey: server.apiKey,
            tenantId: server.tenantId,
            timeoutMs: 10_000,
          }),
        ),
      );
      let next = 0;
      return (requestId, tracker) =>
        connections[next++ % streams]!.complete({
          requestId,
          prompt: promptFor(requestId),
          tracker,
          timeoutMs: TIMEOUT_MS,
        });
    },
  };
}

let requestCounter = 0;

/** CPU µs per delivered token, its streams started `SPREAD_MS` apart in all. */
async function measure(target: Target): Promise<{
  microsPerToken: number;
  microsPerStream: number;
  bytesPerToken?: number;
  gcMicrosPerToken?: number;
}> {
  const streamOnce = await target.open();
  const before = allocations.enabled ? await allocations.report(target.server) : undefined;
  const cpuBefore = target.server.cpuSeconds();
  const records = await Promise.all(
    Array.from({ length: streams }, async (_, index) => {
      await new Promise((resolve) => setTimeout(resolve, (index * SPREAD_MS) / streams));
      const requestId = `probe-${(requestCounter += 1)}`;
      return streamOnce(requestId, new TokenTracker({ requestId, tokens: TOKENS }));
    }),
  );
  const cpuMicros = (target.server.cpuSeconds() - cpuBefore) * 1e6;
  const delivered = records.reduce((sum, record) => sum + record.delivered, 0);
  const failed = records.filter((record) => record.error !== undefined);
  if (failed.length > 0) throw new Error(`${target.name}: ${failed.length} failed (${failed[0]!.error})`);
  const after = before === undefined ? undefined : await allocations.report(target.server);
  return {
    microsPerToken: cpuMicros / delivered,
    microsPerStream: cpuMicros / streams,
    ...(before === undefined || after === undefined
      ? {}
      : {
          bytesPerToken: (after.allocatedBytes - before.allocatedBytes) / delivered,
          gcMicrosPerToken: (after.gcMicros - before.gcMicros) / delivered,
        }),
  };
}

const upstream = await startUpstreamProcess({ chunks: TOKENS, paceMs: 20 });
const servers: ProbeServer[] = [];
try {
  servers.push(
    ...(await startComparedServers({
      upstreamUrl: upstream.baseUrl,
      against,
      profileDirectory,
      perServer: (name) => allocations.serverOptions(name),
    })),
  );
  const targets = servers.flatMap((server) => [
    ...(only === 'ws' ? [] : [sseTarget(server)]),
    ...(only === 'sse' ? [] : [wsTarget(server)]),
  ]);
  const figures = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  const bytes = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  const gc = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    const line: string[] = [];
    for (const target of order) {
      const measured = await measure(target);
      if (round > 0) figures.get(target.name)!.push(measured.microsPerToken);
      if (round > 0 && measured.bytesPerToken !== undefined) {
        bytes.get(target.name)!.push(measured.bytesPerToken);
        gc.get(target.name)!.push(measured.gcMicrosPerToken!);
      }
      const allocated =
        measured.bytesPerToken === undefined
          ? ''
          : `, ${(measured.bytesPerToken / 1024).toFixed(2)} KiB/token, GC ${measured.gcMicrosPerToken!.toFixed(1)} µs/token`;
      line.push(
        `${target.name} ${measured.microsPerToken.toFixed(1)} µs/token (${measured.microsPerStream.toFixed(0)} µs/stream${allocated})`,
      );
    }
    console.log(`round ${round}${round === 0 ? ' (warm-up)' : ''}, ${streams} streams: ${line.join(', ')}`);
  }
  console.log(`medians of rounds 1–${rounds - 1} (CPU per token, turn setup included):`);
  for (const server of servers) {
    const summary = await allocations.profileSummary(server);
    if (summary === undefined) continue;
    console.log(`\nwhere ${server.name} allocated:`);
    console.log(summary);
  }
  for (const [name, values] of figures) {
    const allocated = bytes.get(name)!;
    console.log(
      `  ${name.padEnd(12)} ${median(values).toFixed(1)} µs${allocated.length === 0 ? '' : `  ${(median(allocated) / 1024).toFixed(2)} KiB allocated and ${median(gc.get(name)!).toFixed(1)} µs in GC per token`}`,
    );
  }
} finally {
  for (const server of servers) await server.stop();
  await upstream.stop();
  allocations.remove();
}
