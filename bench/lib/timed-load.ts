import { monitorEventLoopDelay } from 'node:perf_hooks';
import { nowMs } from './clock.ts';
import type { RequestOutcome } from './json-request.ts';
import { rounded, summarize, type Summary } from './stats.ts';

// Closed-loop load for a fixed time: `concurrency` workers, each sending one request after the
// other. Each worker's first request opens its connection and is not counted; the clock starts once
// every worker has had its first answer, so connection setup is never part of a figure. Requests
// started before the deadline are all waited for and counted: throughput is the requests answered
// over the time from the start to the last answer.

const LOOP_DELAY_RESOLUTION_MS = 10;

export interface TimedLoadResult {
  concurrency: number;
  /** Answered correctly in the measured window. */
  requests: number;
  failed: number;
  /** A few of the errors, for the report. */
  errors: string[];
  elapsedMs: number;
  requestsPerSecond: number;
  latency: Summary;
  /** p99 delay of the load generator's event loop: high means the client was the limit. */
  clientLoopDelayP99Ms: number;
}

export async function runTimedLoad(options: {
  concurrency: number;
  durationMs: number;
  send: (worker: number) => Promise<RequestOutcome>;
}): Promise<TimedLoadResult> {
  const { concurrency, durationMs, send } = options;
  const latencies: number[] = [];
  const errors: string[] = [];
  let failed = 0;
  const record = (outcome: RequestOutcome) => {
    if (outcome.error === undefined) latencies.push(outcome.latencyMs);
    else {
      failed += 1;
      if (errors.length < 5) errors.push(outcome.error);
    }
  };

  // Every worker opens its connection first; the measured window starts when all have.
  let waiting = concurrency;
  let release!: () => void;
  const allConnected = new Promise<void>((resolve) => (release = resolve));
  let startedAt = 0;
  let deadline = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  const worker = async (index: number) => {
    const first = await send(index);
    if (first.error !== undefined && errors.length < 5) errors.push(`first request: ${first.error}`);
    waiting -= 1;
    if (waiting === 0) {
      startedAt = nowMs();
      deadline = startedAt + durationMs;
      loopDelay.enable();
      release();
    }
    await allConnected;
    while (nowMs() < deadline) record(await send(index));
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  const elapsedMs = nowMs() - startedAt;
  loopDelay.disable();
  return {
    concurrency,
    requests: latencies.length,
    failed,
    errors,
    elapsedMs: Math.round(elapsedMs),
    requestsPerSecond: Math.round((latencies.length / elapsedMs) * 1000),
    latency: rounded(summarize(latencies)),
    // Node's histogram counts each sampling interval whole: the delay is what exceeds it.
    clientLoopDelayP99Ms:
      Math.round(Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS) * 1000) / 1000,
  };
}

/**
 * The most requests per second among the levels whose p99 latency stayed within `boundMs` and
 * where nothing failed, with the level it was reached at; undefined when no level qualified.
 */
export function bestWithin<Level extends TimedLoadResult>(
  levels: readonly Level[],
  boundMs: number,
): Level | undefined {
  let best: Level | undefined;
  for (const level of levels) {
    if (level.failed > 0 || level.requests === 0 || !(level.latency.p99 <= boundMs)) continue;
    if (best === undefined || level.requestsPerSecond > best.requestsPerSecond) best = level;
  }
  return best;
}
