import { Agent } from 'node:http';
import { measureOneAtATime, warmUpOnce, type SequentialFigures } from '../lib/non-streaming-load.ts';
import { nonStreamingTargets, type NonStreamingTarget } from '../lib/non-streaming-targets.ts';
import { addedVerdict, formatAdded, formatMs, formatRatio, type ResultRow } from '../lib/results-table.ts';
import { openAiSse, streamOverSse } from '../lib/sse-stream.ts';
import { TokenTracker, type StreamRecord } from '../lib/token-tracker.ts';
import { promptFor } from '../lib/tokens.ts';
import type { BenchContext, NonStreamingServers, Scenario } from './scenario.ts';

// One whole reply per request (`stream: false`), one request at a time: what cai adds to the
// upstream's instant 1 KiB answer through each of its two endpoints, what Portkey adds through its
// own, and what a bare Node relay adds passing it through (the floor of one hop), measured in
// turns in the same run. Then Portkey's streaming, tried and reported as it is.

const ADDED_P99_GOAL_MS = 0.5;
const STREAM_PROBES = 3;

type Figures = Map<NonStreamingTarget['name'], SequentialFigures>;

export const nonStreaming: Scenario = {
  name: 'non-streaming',
  description: 'whole replies one at a time: cai /v1/chat/completions, /api/v1/ai/chat, Portkey vs direct',
  async run(context) {
    const servers = await context.nonStreamingServers();
    const targets = nonStreamingTargets({ upstream: context.upstream, ...servers });
    const { latencyRequests, blockSize, latencyBudgetMs } = context.parameters.nonStreaming;
    await warmUpOnce(context, servers, targets);
    context.log(
      `non-streaming: up to ${latencyRequests} requests (${latencyBudgetMs / 1000} s) per target at concurrency 1`,
    );
    const figures = await measureOneAtATime({
      targets,
      requests: latencyRequests,
      blockSize,
      budgetMs: latencyBudgetMs,
    });
    context.log('non-streaming: streaming through Portkey');
    const streaming = await streamingThroughEach(context, servers);
    const rows = [
      ...latencyRows({ figures, name: 'cai /v1/chat/completions', withPeer: servers.portkey !== undefined }),
      ...latencyRows({ figures, name: 'cai /api/v1/ai/chat', withPeer: false }),
      streaming.row,
    ];
    return {
      name: this.name,
      rows,
      figures: {
        oneAtATime: Object.fromEntries(figures),
        portkeyProblem: servers.portkeyProblem ?? null,
        streaming: streaming.figures,
      },
    };
  },
};

function latencyRows(options: {
  figures: Figures;
  name: 'cai /v1/chat/completions' | 'cai /api/v1/ai/chat';
  withPeer: boolean;
}): ResultRow[] {
  const { figures, name, withPeer } = options;
  const cai = figures.get(name);
  const direct = figures.get('direct');
  const peer = withPeer ? figures.get('portkey') : undefined;
  const floor = figures.get('bare relay');
  if (!cai || !direct) return [];
  const scenario = `non-stream ${name.replace('cai ', '')} c=1`;
  const failures = (entry: SequentialFigures) =>
    entry.failed > 0 ? ` (${entry.failed} failed: ${entry.errors[0]})` : '';
  const latencyRow = (percentile: 'p50' | 'p99'): ResultRow => {
    const added = cai.latency[percentile] - direct.latency[percentile];
    return {
      scenario,
      metric: `latency ${percentile}`,
      cai: `${formatMs(cai.latency[percentile])} (n=${cai.requests})${failures(cai)}`,
      ...(withPeer
        ? {
            peer: peer
              ? `${formatMs(peer.latency[percentile])} (${formatAdded(peer.latency[percentile] - direct.latency[percentile])}, n=${peer.requests})${failures(peer)}`
              : 'not run',
          }
        : {}),
      ...(floor
        ? {
            floor: `${formatMs(floor.latency[percentile])} (${formatAdded(floor.latency[percentile] - direct.latency[percentile])})${failures(floor)}`,
          }
        : {}),
      direct: `${formatMs(direct.latency[percentile])} (n=${direct.requests})`,
      ...(percentile === 'p99'
        ? {
            comparison: formatAdded(added) + addedVerdict(added, ADDED_P99_GOAL_MS).note,
            goal: `added ≤ ${ADDED_P99_GOAL_MS} ms`,
            met: cai.failed === 0 ? addedVerdict(added, ADDED_P99_GOAL_MS).met : 'no',
          }
        : { comparison: formatAdded(added), goal: '', met: '' as const }),
    };
  };
  return [
    latencyRow('p50'),
    latencyRow('p99'),
    {
      scenario,
      metric: 'CPU per request (serving process)',
      cai: `${cai.cpuMicrosPerRequest} µs`,
      ...(withPeer ? { peer: peer ? `${peer.cpuMicrosPerRequest} µs` : 'not run' } : {}),
      ...(floor ? { floor: `${floor.cpuMicrosPerRequest} µs` } : {}),
      direct: `${direct.cpuMicrosPerRequest} µs (upstream)`,
      comparison: formatRatio(cai.cpuMicrosPerRequest / direct.cpuMicrosPerRequest),
      goal: '',
      met: '',
    },
  ];
}

/**
 * A few streamed requests at once through cai's OpenAI-compatible endpoint, through Portkey and to
 * the upstream directly: whether every token arrives, and if not, what the client got.
 */
async function streamingThroughEach(
  context: BenchContext,
  servers: NonStreamingServers,
): Promise<{ row: ResultRow; figures: unknown }> {
  const tokens = context.tokens;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const streams = (port: number, headers: Record<string, string>, model: string) =>
    Promise.all(
      Array.from({ length: STREAM_PROBES }, () => {
        const requestId = context.nextRequestId();
        return streamOverSse({
          agent,
          port,
          path: '/v1/chat/completions',
          headers,
          body: { model, stream: true, messages: [{ role: 'user', content: promptFor(requestId) }] },
          dialect: openAiSse,
          tracker: new TokenTracker({ requestId, tokens }),
          timeoutMs: context.parameters.streamTimeoutMs,
        });
      }),
    );
  try {
    const [cai, peer, direct] = await Promise.all([
      streams(servers.cai.port, { authorization: `Bearer ${servers.cai.apiKey}` }, 'openai:bench'),
      servers.portkey ? streams(servers.portkey.port, servers.portkey.headers, 'bench') : undefined,
      streams(context.upstream.port, { authorization: 'Bearer x' }, 'bench'),
    ]);
    // What Portkey itself logged about a failure (its client only sees a generic 500).
    const peerLog = servers.portkey?.child
      .stderrTail()
      .split('\n')
      .map((line) => /\b\w*Error: .*$/.exec(line)?.[0])
      .filter((error) => error !== undefined)
      .at(-1)
      ?.trim();
    const outcome = (records: StreamRecord[]) => {
      const complete = records.filter(
        (record) => record.error === undefined && record.delivered === tokens.length,
      ).length;
      const firstError = records.find((record) => record.error !== undefined)?.error;
      return `${complete}/${records.length} complete${firstError ? `: ${shortError(firstError)}` : ''}`;
    };
    const summary = (records: StreamRecord[]) =>
      records.map((record) => ({ delivered: record.delivered, error: record.error ?? null }));
    return {
      row: {
        scenario: 'stream /v1/chat/completions',
        metric: `streams of ${tokens.length} tokens, ${STREAM_PROBES} at once`,
        cai: outcome(cai),
        peer: peer
          ? `${outcome(peer)}${peerLog && peer.some((record) => record.error) ? ` (log: ${peerLog})` : ''}`
          : `not run: ${servers.portkeyProblem ?? 'no portkey'}`,
        direct: outcome(direct),
        comparison: '',
        goal: '',
        met: '',
      },
      figures: {
        cai: summary(cai),
        portkey: peer ? summary(peer) : null,
        portkeyLog: peerLog ?? null,
        direct: summary(direct),
      },
    };
  } finally {
    agent.destroy();
  }
}

/** `HTTP 500: {"status":"failure","message":"Something went wrong"}` → `HTTP 500 "Something went wrong"`. */
function shortError(error: string): string {
  const match = /^HTTP (\d+): (.*)$/s.exec(error);
  if (!match) return error;
  try {
    const body = JSON.parse(match[2] ?? '') as { message?: unknown; error?: { message?: unknown } };
    const message = body.message ?? body.error?.message;
    return typeof message === 'string' ? `HTTP ${match[1]} "${message}"` : error;
  } catch {
    return error;
  }
}
