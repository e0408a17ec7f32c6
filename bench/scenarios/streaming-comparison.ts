import { Agent } from 'node:http';
import { runLoad } from '../lib/load.ts';
import { formatAdded, formatMs, formatRatio, verdict, type ResultRow } from '../lib/results-table.ts';
import { openAiSse, streamOverSse } from '../lib/sse-stream.ts';
import { streamFigures, type StreamFigures } from '../lib/stream-figures.ts';
import { TokenTracker, type StreamRecord } from '../lib/token-tracker.ts';
import { promptFor } from '../lib/tokens.ts';
import type { CaiServer } from '../lib/cai-server.ts';
import type { BenchContext, LoadLevel } from './scenario.ts';

// Shared by the streaming scenarios: one load level run against a target, the upstream directly as
// the baseline, and the rows that compare the two.

/** Runs one stream against a target: given the request id and its tracker, answers its record. */
export type StreamOnce = (options: {
  worker: number;
  requestId: string;
  tracker: TokenTracker;
}) => Promise<StreamRecord>;

export async function measureLevel(options: {
  context: BenchContext;
  level: LoadLevel;
  streamOnce: StreamOnce;
  cai?: CaiServer;
}): Promise<StreamFigures> {
  const { context, level, cai } = options;
  await context.upstream.takeTimings();
  const caiCpuBefore = cai?.cpuSeconds();
  const upstreamCpuBefore = context.upstream.cpuSeconds();
  const load = await runLoad({
    ...level,
    run: (worker) => {
      const requestId = context.nextRequestId();
      return options.streamOnce({
        worker,
        requestId,
        tracker: new TokenTracker({ requestId, tokens: context.tokens }),
      });
    },
  });
  const timings = await context.upstream.takeTimings();
  return streamFigures({
    load,
    timings,
    tokensPerStream: context.tokens.length,
    cpu: {
      ...(cai === undefined || caiCpuBefore === undefined ? {} : { cai: cai.cpuSeconds() - caiCpuBefore }),
      upstream: context.upstream.cpuSeconds() - upstreamCpuBefore,
    },
  });
}

const WARM_UP: LoadLevel = { concurrency: 10, rounds: 2, rampMs: 50 };

/** A few unmeasured streams first, so that neither side is measured while its code is still being compiled. */
export async function warmUp(context: BenchContext, streamOnce: StreamOnce): Promise<void> {
  const figures = await measureLevel({ context, level: WARM_UP, streamOnce });
  if (figures.failedStreams > 0) throw new Error(`warm-up streams failed: ${figures.errors.join('; ')}`);
}

/** The upstream directly: `POST /v1/chat/completions` with `stream: true`, as cai itself calls it. */
export function measureDirect(context: BenchContext, level: LoadLevel): Promise<StreamFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  return measureLevel({ context, level, streamOnce: directStreamOnce(context, agent) }).finally(() =>
    agent.destroy(),
  );
}

export function directStreamOnce(context: BenchContext, agent: Agent): StreamOnce {
  return ({ requestId, tracker }) =>
    streamOverSse({
      agent,
      port: context.upstream.port,
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer x' },
      body: {
        model: 'bench',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: promptFor(requestId) }],
      },
      dialect: openAiSse,
      tracker,
      timeoutMs: context.parameters.streamTimeoutMs,
    });
}

const FIRST_TOKEN_GOAL_CONCURRENCY = 100;
const FIRST_TOKEN_GOAL_MS = 1;
const DELIVERY_GOAL_CONCURRENCY = 1000;
const GAP_GOAL_RATIO = 1.1;
const KEPT_RHYTHM_RATIO = 0.9;

export function comparisonRows(options: {
  label: string;
  level: LoadLevel;
  cai: StreamFigures;
  direct: StreamFigures;
  paceMs: number;
}): ResultRow[] {
  const { label, level, cai, direct, paceMs } = options;
  const scenario = `${label} c=${level.concurrency}`;
  const firstTokenGoal = level.concurrency === FIRST_TOKEN_GOAL_CONCURRENCY;
  const deliveryGoal = level.concurrency >= DELIVERY_GOAL_CONCURRENCY;
  const row = (fields: Omit<ResultRow, 'scenario' | 'goal' | 'met'> & Partial<ResultRow>): ResultRow => ({
    scenario,
    goal: '',
    met: '',
    ...fields,
  });
  const added = (pick: (figures: StreamFigures) => number) => pick(cai) - pick(direct);
  const addedP99 = added((figures) => figures.firstToken.p99);
  const gapRatio = cai.gap.p99 / paceMs;
  const percent = (figures: StreamFigures) =>
    `${figures.tokensDelivered}/${figures.tokensExpected} (${((100 * figures.tokensDelivered) / Math.max(1, figures.tokensExpected)).toFixed(2)}%)`;
  return [
    row({
      metric: 'first token p50',
      cai: formatMs(cai.firstToken.p50),
      direct: formatMs(direct.firstToken.p50),
      comparison: formatAdded(added((figures) => figures.firstToken.p50)),
    }),
    row({
      metric: 'first token p99',
      cai: formatMs(cai.firstToken.p99),
      direct: formatMs(direct.firstToken.p99),
      comparison: formatAdded(addedP99),
      ...(firstTokenGoal
        ? { goal: `added ≤ ${FIRST_TOKEN_GOAL_MS} ms`, met: verdict(addedP99 <= FIRST_TOKEN_GOAL_MS) }
        : {}),
    }),
    row({
      metric: 'first-token overhead p50 (paired)',
      cai: formatMs(cai.firstTokenOverhead.p50),
      direct: formatMs(direct.firstTokenOverhead.p50),
      comparison: formatAdded(added((figures) => figures.firstTokenOverhead.p50)),
    }),
    row({
      metric: 'first-token overhead p99 (paired)',
      cai: formatMs(cai.firstTokenOverhead.p99),
      direct: formatMs(direct.firstTokenOverhead.p99),
      comparison: formatAdded(added((figures) => figures.firstTokenOverhead.p99)),
    }),
    row({
      metric: 'token latency p99 (upstream → client)',
      cai: formatMs(cai.tokenLatency.p99),
      direct: formatMs(direct.tokenLatency.p99),
      comparison: formatAdded(added((figures) => figures.tokenLatency.p99)),
    }),
    row({
      metric: 'gap p99 / pace (p50 / pace)',
      cai: `${formatRatio(gapRatio)} (${formatRatio(cai.gap.p50 / paceMs)})`,
      direct: `${formatRatio(direct.gap.p99 / paceMs)} (${formatRatio(direct.gap.p50 / paceMs)})`,
      comparison: formatRatio(cai.gap.p99 / direct.gap.p99),
      // Tokens that queued and then arrived in bursts have tiny gaps: the goal also asks that the
      // median gap kept the upstream's rhythm.
      ...(deliveryGoal
        ? {
            goal: `≤ ${GAP_GOAL_RATIO}× (p50 ≥ ${KEPT_RHYTHM_RATIO}×)`,
            met: verdict(gapRatio <= GAP_GOAL_RATIO && cai.gap.p50 >= KEPT_RHYTHM_RATIO * paceMs),
          }
        : {}),
    }),
    row({
      metric: 'CPU per token (cai; upstream)',
      cai:
        cai.caiCpuSeconds === undefined
          ? 'n/a'
          : `${((1e6 * cai.caiCpuSeconds) / Math.max(1, cai.tokensDelivered)).toFixed(0)} µs`,
      direct: `${((1e6 * direct.upstreamCpuSeconds) / Math.max(1, direct.tokensDelivered)).toFixed(0)} µs (upstream)`,
      comparison: '',
    }),
    row({
      metric: 'peak concurrent streams',
      cai: String(cai.peakInFlight),
      direct: String(direct.peakInFlight),
      comparison: '',
    }),
    row({
      metric: 'tokens delivered / expected',
      cai: percent(cai),
      direct: percent(direct),
      comparison: formatRatio(
        cai.tokensDelivered /
          Math.max(1, cai.tokensExpected) /
          (direct.tokensDelivered / Math.max(1, direct.tokensExpected)),
      ),
      ...(deliveryGoal
        ? {
            goal: 'all',
            met: verdict(
              cai.tokensDelivered === cai.tokensExpected &&
                cai.tokensExpected > 0 &&
                cai.peakInFlight >= level.concurrency,
            ),
          }
        : {}),
    }),
  ];
}
