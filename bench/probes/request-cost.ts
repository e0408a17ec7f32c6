// CPU per non-streaming request of cai, for the two endpoints the non-streaming goals name, against
// the benchmark's upstream answering a 1 KiB chat.completion at once. cai runs as the benchmark
// runs it (bundled, its own process, a fresh SQLite file, limits lifted), so its CPU is read from
// /proc and the client's never counts.
//
//   npx tsx bench/probes/request-cost.ts [requests] [--rounds N] [--concurrency N]
//                                        [--against ROOT] [--profile DIR] [--node-argument FLAG]...
//                                        [--allocations] [--allocation-profile DIR]
//
// Each round sends `requests` to each target in turn; the first round warms up, and the medians of
// the others are printed last. With `--against ROOT` (another checkout, e.g. a clone at an older
// commit, its node_modules linked to this one's) both versions are served side by side and take
// turns, so that a busy machine weighs on both alike: the paired difference per round is the figure
// to trust. CPU time is far steadier than wall-clock time on a shared machine, but not immune.
//
// `--node-argument` may be given more than once (e.g. `--trace-gc`). `--allocations` preloads
// bench/probes/allocation-report.mjs into each server and adds to every line the KiB of V8 heap a
// request allocates and the young- and old-generation collections per 1,000 requests: figures that
// other work on the machine does not move. `--allocation-profile DIR` (implies `--allocations`)
// also samples every allocation with its stack, garbage included, writes DIR/<name>.heapprofile
// and prints where the bytes were allocated; sampling costs CPU, so read CPU figures without it.
import { Agent } from 'node:http';
import { checkAiChatReply, checkChatCompletion, sendJson, type JsonTarget } from '../lib/json-request.ts';
import { summarizeProfiles } from '../lib/profile-summary.ts';
import { median, percentile } from '../lib/stats.ts';
import { startUpstreamProcess } from '../lib/upstream-process.ts';
import { AllocationReporting, argumentValue, type AllocationReport } from './allocation-reporting.ts';
import { startComparedServers, type ProbeServer } from './probe-server.ts';

const requests = Number(process.argv[2]?.startsWith('--') ? 2000 : (process.argv[2] ?? 2000));
const rounds = Number(argumentValue('--rounds') ?? 5);
const concurrency = Number(argumentValue('--concurrency') ?? 1);
const against = argumentValue('--against');
const profileDirectory = argumentValue('--profile');
const allocations = new AllocationReporting();
const PROMPT = 'Benchmark request: please reply.';

interface Target {
  name: string;
  request: JsonTarget;
  cpuSeconds: () => number;
  /** What the server has allocated so far, when allocation-report.mjs is preloaded into it. */
  allocationReport?: () => Promise<AllocationReport>;
}

interface Figures {
  cpuMicrosPerRequest: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  allocatedKibPerRequest?: number;
  /** Young-generation collections (Scavenge, MinorMarkCompact) per 1,000 requests. */
  youngCollectionsPerThousand?: number;
  /** Old-generation collections (MarkSweepCompact) per 1,000 requests. */
  oldCollectionsPerThousand?: number;
}

const isYoung = (gcType: string) => gcType === 'Scavenge' || gcType === 'MinorMarkCompact';
const collectionsOf = (report: AllocationReport, young: boolean) =>
  Object.entries(report.collections)
    .filter(([gcType]) => isYoung(gcType) === young)
    .reduce((sum, [, count]) => sum + count, 0);

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function endpointsOf(server: ProbeServer): Target[] {
  const headers = { authorization: `Bearer ${server.apiKey}` };
  return [
    {
      name: `${server.name} /v1/chat/completions`,
      request: {
        port: server.port,
        path: '/v1/chat/completions',
        headers,
        body: json({ model: 'openai:bench', messages: [{ role: 'user', content: PROMPT }] }),
        check: checkChatCompletion,
      },
      cpuSeconds: () => server.cpuSeconds(),
      ...(allocations.enabled ? { allocationReport: () => allocations.report(server) } : {}),
    },
    {
      name: `${server.name} /api/v1/ai/chat`,
      request: {
        port: server.port,
        path: '/api/v1/ai/chat',
        headers,
        body: json({ content: PROMPT }),
        check: checkAiChatReply,
      },
      cpuSeconds: () => server.cpuSeconds(),
      ...(allocations.enabled ? { allocationReport: () => allocations.report(server) } : {}),
    },
  ];
}

async function measure(target: Target): Promise<Figures> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (next < requests) {
      next += 1;
      const outcome = await sendJson(target.request, agent);
      if (outcome.error !== undefined) throw new Error(`${target.name}: ${outcome.error}`);
      latencies.push(outcome.latencyMs);
    }
  };
  const reportBefore = await target.allocationReport?.();
  const cpuBefore = target.cpuSeconds();
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  const cpuMicrosPerRequest = ((target.cpuSeconds() - cpuBefore) * 1e6) / requests;
  const reportAfter = await target.allocationReport?.();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    cpuMicrosPerRequest,
    requestsPerSecond: requests / elapsedSeconds,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    ...(reportBefore && reportAfter ? allocationFigures(reportBefore, reportAfter) : {}),
  };
}

function allocationFigures(before: AllocationReport, after: AllocationReport): Partial<Figures> {
  return {
    allocatedKibPerRequest: (after.allocatedBytes - before.allocatedBytes) / 1024 / requests,
    youngCollectionsPerThousand:
      ((collectionsOf(after, true) - collectionsOf(before, true)) * 1000) / requests,
    oldCollectionsPerThousand:
      ((collectionsOf(after, false) - collectionsOf(before, false)) * 1000) / requests,
  };
}

const line = (name: string, figures: Figures) =>
  `  ${name.padEnd(34)} ${figures.cpuMicrosPerRequest.toFixed(0).padStart(6)} µs CPU/request  ${Math.round(
    figures.requestsPerSecond,
  )
    .toString()
    .padStart(
      6,
    )} requests/s  p50 ${figures.latencyP50Ms.toFixed(2)} ms  p99 ${figures.latencyP99Ms.toFixed(2)} ms${
    figures.allocatedKibPerRequest === undefined
      ? ''
      : `  ${figures.allocatedKibPerRequest.toFixed(1)} KiB/request  GCs per 1,000: ${figures.youngCollectionsPerThousand!.toFixed(1)} young, ${figures.oldCollectionsPerThousand!.toFixed(1)} old`
  }`;

const upstream = await startUpstreamProcess({ chunks: ['w0 ', 'w1 '], paceMs: 20 });
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
  console.log(`cai: ${servers.map((server) => `${server.name} pid ${server.pid}`).join(', ')}`);
  const direct: Target = {
    name: 'direct (upstream)',
    request: {
      port: upstream.port,
      path: '/v1/chat/completions',
      headers: {},
      body: json({ model: 'bench', messages: [{ role: 'user', content: PROMPT }] }),
      check: checkChatCompletion,
    },
    cpuSeconds: () => upstream.cpuSeconds(),
  };
  const endpoints = servers.map(endpointsOf);
  const measured = new Map<string, Figures[]>();
  for (let round = 1; round <= rounds; round += 1) {
    console.log(
      `round ${round}${round === 1 ? ' (warm-up)' : ''}, ${requests} requests, concurrency ${concurrency}`,
    );
    // The versions swap places every round, so neither always runs right after the other.
    const order = round % 2 === 0 ? [...endpoints].reverse() : endpoints;
    const targets = [
      direct,
      ...order[0]!.flatMap((target, index) => order.map((version) => version[index]!)),
    ];
    for (const target of targets) {
      const figures = await measure(target);
      if (round > 1) measured.set(target.name, [...(measured.get(target.name) ?? []), figures]);
      console.log(line(target.name, figures));
    }
  }
  console.log(`medians of rounds 2 to ${rounds}`);
  for (const [name, figures] of measured) {
    const summary = {
      cpuMicrosPerRequest: median(figures.map((figure) => figure.cpuMicrosPerRequest)),
      requestsPerSecond: median(figures.map((figure) => figure.requestsPerSecond)),
      latencyP50Ms: median(figures.map((figure) => figure.latencyP50Ms)),
      latencyP99Ms: median(figures.map((figure) => figure.latencyP99Ms)),
      ...(figures[0]!.allocatedKibPerRequest === undefined
        ? {}
        : {
            allocatedKibPerRequest: median(figures.map((figure) => figure.allocatedKibPerRequest!)),
            youngCollectionsPerThousand: median(figures.map((figure) => figure.youngCollectionsPerThousand!)),
            oldCollectionsPerThousand: median(figures.map((figure) => figure.oldCollectionsPerThousand!)),
          }),
    };
    console.log(line(name, summary));
  }
  if (against !== undefined) {
    console.log('this − against, paired by round (median, then every round)');
    for (const path of ['/v1/chat/completions', '/api/v1/ai/chat']) {
      const mine = measured.get(`this ${path}`)!;
      const theirs = measured.get(`against ${path}`)!;
      const differences = mine.map(
        (figures, index) => figures.cpuMicrosPerRequest - theirs[index]!.cpuMicrosPerRequest,
      );
      console.log(
        `  ${path.padEnd(22)} ${median(differences).toFixed(0).padStart(6)} µs CPU/request  (${differences
          .map((difference) => difference.toFixed(0))
          .join(', ')})`,
      );
    }
  }
  for (const server of servers) {
    const summary = await allocations.profileSummary(server, 40);
    if (summary === undefined) continue;
    console.log(`allocations of ${server.name} (sampled, garbage included):`);
    console.log(summary);
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await upstream.stop();
  allocations.remove();
}
if (profileDirectory !== undefined) {
  for (const server of servers) {
    console.log(`profile of ${server.name}:`);
    console.log(summarizeProfiles(`${profileDirectory}/${server.name}`, 30));
  }
}
