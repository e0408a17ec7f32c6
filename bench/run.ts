import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  buildCaiBundle,
  resultsDirectory,
  startCaiServer,
  type CaiServer,
  type StartCaiOptions,
} from './lib/cai-server.ts';
import { startBareRelay } from './lib/bare-relay-process.ts';
import { startPortkey } from './lib/portkey-process.ts';
import { formatDetailTable, formatTable, type ResultRow } from './lib/results-table.ts';
import { benchTokens } from './lib/tokens.ts';
import { startUpstreamProcess } from './lib/upstream-process.ts';
import { summarizeProfiles } from './lib/profile-summary.ts';
import { concurrencySweep } from './scenarios/concurrency-sweep.ts';
import { historyGrowth } from './scenarios/history-growth.ts';
import { idleConnections } from './scenarios/idle-connections.ts';
import { nonStreaming } from './scenarios/non-streaming.ts';
import type {
  BenchContext,
  BenchParameters,
  NonStreamingServers,
  Scenario,
  ScenarioResult,
} from './scenarios/scenario.ts';
import { streamSse } from './scenarios/stream-sse.ts';
import { streamWs } from './scenarios/stream-ws.ts';
import { voiceOverhead } from './scenarios/voice-overhead.ts';

// `npm run bench [-- --quick] [-- --only NAME[,NAME]] [-- --profile]`: cai against the upstream
// directly (and Portkey beside it), in one run, on loopback. Prints the results table and writes
// bench/results/latest.json. Not a test: nothing here runs in `npm test`.

const SCENARIOS: Scenario[] = [
  nonStreaming,
  concurrencySweep,
  streamSse,
  streamWs,
  historyGrowth,
  voiceOverhead,
  idleConnections,
];
/** The scenarios that share one cai and one Portkey (stopped once none of them is left to run). */
const NON_STREAMING = new Set([nonStreaming.name, concurrencySweep.name]);
const PACE_MS = 20;
const CHUNKS = 64;
// Every run stops by itself: the whole benchmark is bounded by this.
const WATCHDOG_MS = 5 * 60_000;

function parseArguments(argv: string[]): { quick: boolean; only: string[] | undefined; profile: boolean } {
  const options = { quick: false, only: undefined as string[] | undefined, profile: false };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === '--quick') options.quick = true;
    else if (argument === '--profile') options.profile = true;
    else if (argument === '--only' || argument.startsWith('--only=')) {
      const value = argument.includes('=') ? argument.slice('--only='.length) : argv[(index += 1)];
      options.only = (value ?? '').split(',').filter(Boolean);
    } else if (argument === '--help') {
      console.log(
        `usage: npm run bench -- [--quick] [--only ${SCENARIOS.map((scenario) => scenario.name).join('|')}] [--profile]`,
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${argument}`);
  }
  const unknown = options.only?.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}`);
  return options;
}

function parametersFor(quick: boolean): BenchParameters {
  return {
    quick,
    paceMs: PACE_MS,
    chunksPerStream: CHUNKS,
    levels: quick
      ? [
          { concurrency: 1, rounds: 2, rampMs: 0 },
          { concurrency: 20, rounds: 1, rampMs: 100 },
        ]
      : [
          { concurrency: 1, rounds: 3, rampMs: 0 },
          { concurrency: 100, rounds: 1, rampMs: 200 },
          // Between 100 and 1,000: where cai, the bare relay and direct stop keeping pace.
          { concurrency: 250, rounds: 1, rampMs: 400 },
          { concurrency: 500, rounds: 1, rampMs: 600 },
          // One round: the run must end in 5 minutes, and cai needs tens of seconds for 1,000 streams.
          { concurrency: 1000, rounds: 1, rampMs: 1000 },
        ],
    idleConnections: quick ? 300 : 10_000,
    idleBatch: 250,
    streamTimeoutMs: 45_000,
    nonStreaming: quick
      ? {
          warmUpRequests: 100,
          warmUpBudgetMs: 1_000,
          latencyRequests: 200,
          blockSize: 50,
          latencyBudgetMs: 1_500,
        }
      : {
          warmUpRequests: 300,
          warmUpBudgetMs: 2_000,
          latencyRequests: 1000,
          blockSize: 100,
          latencyBudgetMs: 3_000,
        },
    sweep: {
      concurrencies: quick ? [1, 8, 64, 512] : [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
      durationMs: quick ? 300 : 500,
      boundsMs: [1, 5, 10, 50],
      stopAboveP99Ms: 200,
    },
    history: {
      sizes: quick ? [10, 100, 10_000] : [10, 100, 1_000, 10_000],
      turns: quick ? 4 : 10,
      replyTokens: 4,
      windowMessages: 50,
    },
    voice: {
      levels: quick
        ? [
            { sessions: 1, turns: 10 },
            { sessions: 20, turns: 1 },
          ]
        : [
            // 100 turns, so that the p99 the goal reads is not simply the slowest turn.
            { sessions: 1, turns: 100 },
            { sessions: 20, turns: 3 },
          ],
      warmUpTurns: quick ? 2 : 3,
    },
  };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const parameters = parametersFor(options.quick);
  const scenarios = SCENARIOS.filter((scenario) => options.only?.includes(scenario.name) ?? true);
  const log = (message: string) =>
    console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
  const profileDirectory = options.profile
    ? join(resultsDirectory, 'profiles', String(Date.now()))
    : undefined;
  const tokens = benchTokens(CHUNKS);

  log('building cai with esbuild');
  await buildCaiBundle();
  const upstream = await startUpstreamProcess({ chunks: tokens, paceMs: PACE_MS });
  const started: CaiServer[] = [];
  let shared: Promise<CaiServer> | undefined;
  let nonStreamingServers: Promise<NonStreamingServers> | undefined;
  const startCai = async (options: Partial<StartCaiOptions> & { profile: boolean }) => {
    const { profile, ...rest } = options;
    const server = await startCaiServer({
      ...rest,
      upstreamUrl: upstream.baseUrl,
      ...(profile && profileDirectory ? { profileDirectory } : {}),
    });
    started.push(server);
    return server;
  };
  const startNonStreamingServers = async (): Promise<NonStreamingServers> => {
    const cai = await startCai({ profile: true });
    // Without the peer or the floor, cai and direct are still measured; the table says what is missing.
    const relay = await startBareRelay({ upstreamBaseUrl: upstream.baseUrl }).catch((error: unknown) => {
      log(`bare relay: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    });
    const servers = { cai, ...(relay ? { relay } : {}), warmedUp: false };
    try {
      return { ...servers, portkey: await startPortkey({ upstreamBaseUrl: upstream.baseUrl }) };
    } catch (error) {
      const problem = (error as Error).message.split('\n')[0] ?? 'portkey did not start';
      log(`portkey: ${problem}`);
      return { ...servers, portkeyProblem: problem };
    }
  };
  const stopNonStreamingServers = async () => {
    const servers = await nonStreamingServers?.catch(() => undefined);
    nonStreamingServers = undefined;
    await Promise.allSettled([servers?.cai.stop(), servers?.portkey?.stop(), servers?.relay?.stop()]);
  };
  const stopAll = async () => {
    await stopNonStreamingServers();
    await Promise.allSettled(started.map((server) => server.stop()));
    await upstream.stop();
  };
  const results: ScenarioResult[] = [];
  // Over the time limit, whatever was measured is still reported, marked as cut short.
  const watchdog = setTimeout(() => {
    log(`the benchmark ran over ${WATCHDOG_MS / 1000} s: stopping`);
    void stopAll()
      .then(() => report({ results, parameters, profileDirectory, cutShort: true }))
      .finally(() => process.exit(1));
  }, WATCHDOG_MS);
  watchdog.unref();

  let sequence = 0;
  const runId = Date.now().toString(36);
  const context: BenchContext = {
    parameters,
    tokens,
    upstream,
    cai: () => (shared ??= startCai({ profile: true })),
    nonStreamingServers: () => (nonStreamingServers ??= startNonStreamingServers()),
    startFreshCai: (options = {}) => startCai({ ...options, profile: false }),
    nextRequestId: () => `${runId}-${(sequence += 1)}`,
    log,
  };

  try {
    for (const [index, scenario] of scenarios.entries()) {
      log(`scenario ${scenario.name}: ${scenario.description}`);
      results.push(await scenario.run(context));
      if (!scenarios.slice(index + 1).some((next) => NON_STREAMING.has(next.name))) {
        await stopNonStreamingServers();
      }
    }
  } finally {
    await stopAll();
    clearTimeout(watchdog);
  }

  report({ results, parameters, profileDirectory, cutShort: false });
}

function report(options: {
  results: ScenarioResult[];
  parameters: BenchParameters;
  profileDirectory: string | undefined;
  cutShort: boolean;
}): void {
  const { results, parameters, profileDirectory, cutShort } = options;
  const rows: ResultRow[] = results.flatMap((result) => result.rows);
  const notRun = results.filter((result) => result.notRun !== undefined);
  console.log(formatTable(rows));
  for (const result of notRun) console.log(`${result.name}: ${result.notRun}`);
  for (const table of results.flatMap((result) => result.tables ?? [])) {
    console.log(`\n${formatDetailTable(table)}`);
  }
  if (cutShort)
    console.log(
      `cut short after ${WATCHDOG_MS / 1000} s: the scenarios after ${results.at(-1)?.name ?? 'the start'} did not run`,
    );

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
  mkdirSync(resultsDirectory, { recursive: true });
  const document = {
    date: new Date().toISOString(),
    cutShort,
    machine,
    parameters,
    rows,
    scenarios: results.map((result) => ({
      name: result.name,
      notRun: result.notRun ?? null,
      tables: result.tables ?? [],
      figures: result.figures,
    })),
  };
  const path = join(resultsDirectory, 'latest.json');
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  console.error(`wrote ${path}`);
  if (profileDirectory) {
    console.log(`\ncai CPU profile (${profileDirectory}):`);
    console.log(summarizeProfiles(profileDirectory));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
