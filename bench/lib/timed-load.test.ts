import { describe, expect, it } from 'vitest';
import { summarize } from './stats.ts';
import { bestWithin, runTimedLoad, type TimedLoadResult } from './timed-load.ts';

function level(options: {
  concurrency: number;
  rate: number;
  p99: number;
  failed?: number;
}): TimedLoadResult {
  return {
    concurrency: options.concurrency,
    requests: 100,
    failed: options.failed ?? 0,
    errors: [],
    elapsedMs: 1000,
    requestsPerSecond: options.rate,
    latency: { ...summarize([1]), p99: options.p99 },
    clientLoopDelayP99Ms: 0,
  };
}

describe('bestWithin', () => {
  const levels = [
    level({ concurrency: 1, rate: 900, p99: 0.8 }),
    level({ concurrency: 8, rate: 4000, p99: 4 }),
    level({ concurrency: 64, rate: 6000, p99: 9, failed: 1 }),
    level({ concurrency: 512, rate: 5000, p99: 40 }),
  ];

  it('picks the most requests per second among the levels within the p99 bound', () => {
    expect(bestWithin(levels, 1)?.concurrency).toBe(1);
    expect(bestWithin(levels, 5)?.concurrency).toBe(8);
    expect(bestWithin(levels, 50)?.concurrency).toBe(512);
  });

  it('never counts a level where a request failed', () => {
    expect(bestWithin(levels, 10)?.concurrency).toBe(8);
  });

  it('answers nothing when no level stayed within the bound', () => {
    expect(bestWithin(levels, 0.5)).toBeUndefined();
    expect(bestWithin([], 10)).toBeUndefined();
  });
});

describe('runTimedLoad', () => {
  it('leaves each worker’s first request out and counts every other answer', async () => {
    let calls = 0;
    const result = await runTimedLoad({
      concurrency: 4,
      durationMs: 20,
      send: async () => {
        calls += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return calls % 7 === 0 ? { latencyMs: 1, error: 'refused' } : { latencyMs: 1 };
      },
    });
    expect(result.requests + result.failed).toBe(calls - 4);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.latency.count).toBe(result.requests);
    expect(result.errors.every((error) => error === 'refused' || error.startsWith('first request'))).toBe(
      true,
    );
  });

  it('starts counting only once every worker has had its first answer', async () => {
    const firstAnswered: number[] = [];
    const counted: number[] = [];
    await runTimedLoad({
      concurrency: 3,
      durationMs: 5,
      send: async (worker) => {
        const isFirst = !firstAnswered.includes(worker);
        // Worker 2 is slow to connect: nobody's measured requests may start before it is done.
        await new Promise((resolve) => setTimeout(resolve, isFirst && worker === 2 ? 20 : 0));
        if (isFirst) firstAnswered.push(worker);
        else counted.push(firstAnswered.length);
        return { latencyMs: 1 };
      },
    });
    expect(counted.length).toBeGreaterThan(0);
    expect(counted.every((answeredFirsts) => answeredFirsts === 3)).toBe(true);
  });
});
