import { Agent } from 'node:http';
import type { BenchContext, NonStreamingServers } from '../scenarios/scenario.ts';
import { nowMs } from './clock.ts';
import { sendJson } from './json-request.ts';
import type { NonStreamingTarget } from './non-streaming-targets.ts';
import { rounded, summarize, type Summary } from './stats.ts';
import { runTimedLoad, type TimedLoadResult } from './timed-load.ts';

// Load shapes shared by the non-streaming scenarios: a warm-up, requests one at a time with the
// targets taking turns, and a timed closed-loop level against one target. Each is bounded in time
// as well as in count, so that a target that is slow today cannot stretch the run past its limit.

/**
 * Unmeasured requests one at a time, `requests` of them or as many as fit in `budgetMs` per target
 * (a target that takes a second per request still gets one); throws if any fails.
 */
export async function warmUpTargets(options: {
  targets: readonly NonStreamingTarget[];
  requests: number;
  budgetMs: number;
}): Promise<void> {
  for (const target of options.targets) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const deadline = nowMs() + options.budgetMs;
    try {
      for (let index = 0; index < options.requests && (index === 0 || nowMs() < deadline); index += 1) {
        const outcome = await sendJson(target.request, agent);
        if (outcome.error !== undefined) throw new Error(`${target.name} warm-up: ${outcome.error}`);
      }
    } finally {
      agent.destroy();
    }
  }
}

/** Warms the shared non-streaming servers up once, for whichever of their scenarios runs first. */
export async function warmUpOnce(
  context: BenchContext,
  servers: NonStreamingServers,
  targets: readonly NonStreamingTarget[],
): Promise<void> {
  if (servers.warmedUp) return;
  context.log('non-streaming: warming up');
  const { warmUpRequests, warmUpBudgetMs } = context.parameters.nonStreaming;
  await warmUpTargets({ targets, requests: warmUpRequests, budgetMs: warmUpBudgetMs });
  servers.warmedUp = true;
}

export interface SequentialFigures {
  requests: number;
  failed: number;
  errors: string[];
  latency: Summary;
  /** CPU of the serving process per answered request, in microseconds. */
  cpuMicrosPerRequest: number;
}

/**
 * `requests` per target at concurrency 1, in blocks of `blockSize` that take turns between the
 * targets, so that whatever else the machine does falls on all of them alike. A target stops
 * early once its requests have taken `budgetMs` in all (a slow target still gets one), so the
 * phase stays bounded; its count says how many were measured. Each target keeps one keep-alive
 * connection. CPU is read around each block, so only that target's requests count.
 */
export async function measureOneAtATime(options: {
  targets: readonly NonStreamingTarget[];
  requests: number;
  blockSize: number;
  budgetMs: number;
}): Promise<Map<NonStreamingTarget['name'], SequentialFigures>> {
  const { targets, requests, blockSize, budgetMs } = options;
  const state = targets.map((target) => ({
    target,
    agent: new Agent({ keepAlive: true, maxSockets: 1 }),
    latencies: [] as number[],
    errors: [] as string[],
    failed: 0,
    cpuSeconds: 0,
    spentMs: 0,
  }));
  const sent = (entry: (typeof state)[number]) => entry.latencies.length + entry.failed;
  try {
    for (let round = 0; round * blockSize < requests; round += 1) {
      for (const entry of state) {
        const cpuBefore = entry.target.cpuSeconds();
        const startedAt = nowMs();
        const end = Math.min(requests, (round + 1) * blockSize);
        while (sent(entry) < end && (sent(entry) === 0 || entry.spentMs + nowMs() - startedAt < budgetMs)) {
          const outcome = await sendJson(entry.target.request, entry.agent);
          if (outcome.error === undefined) entry.latencies.push(outcome.latencyMs);
          else {
            entry.failed += 1;
            if (entry.errors.length < 5) entry.errors.push(outcome.error);
          }
        }
        entry.spentMs += nowMs() - startedAt;
        entry.cpuSeconds += entry.target.cpuSeconds() - cpuBefore;
      }
    }
  } finally {
    for (const entry of state) entry.agent.destroy();
  }
  return new Map(
    state.map((entry) => [
      entry.target.name,
      {
        requests: entry.latencies.length,
        failed: entry.failed,
        errors: entry.errors,
        latency: rounded(summarize(entry.latencies)),
        cpuMicrosPerRequest: Math.round((entry.cpuSeconds * 1e6) / Math.max(1, sent(entry))),
      },
    ]),
  );
}

export interface LevelFigures extends TimedLoadResult {
  target: NonStreamingTarget['name'];
  cpuMicrosPerRequest: number;
}

/** One target at one concurrency for `durationMs`, on connections of its own. */
export async function measureLevel(options: {
  target: NonStreamingTarget;
  concurrency: number;
  durationMs: number;
}): Promise<LevelFigures> {
  const { target } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const cpuBefore = target.cpuSeconds();
    const result = await runTimedLoad({
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      send: () => sendJson(target.request, agent),
    });
    const cpuSeconds = target.cpuSeconds() - cpuBefore;
    return {
      ...result,
      target: target.name,
      // The level's CPU also covers each worker's first (uncounted) request.
      cpuMicrosPerRequest: Math.round(
        (cpuSeconds * 1e6) / Math.max(1, result.requests + result.failed + options.concurrency),
      ),
    };
  } finally {
    agent.destroy();
  }
}
