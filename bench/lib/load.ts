import { monitorEventLoopDelay } from 'node:perf_hooks';
import { nowMs, sleep } from './clock.ts';
import type { StreamRecord } from './token-tracker.ts';

// Closed-loop load: `concurrency` workers, each running `rounds` streams one after the other, their
// first starts spread over `rampMs` so that connection setup does not arrive as one burst.
// It also watches the load generator's own event loop, to tell when the client was the limit.

const LOOP_DELAY_RESOLUTION_MS = 10;

export interface LoadResult {
  records: StreamRecord[];
  wallMs: number;
  peakInFlight: number;
  /** p99 delay of this process's event loop during the run: high means the client was saturated. */
  clientLoopDelayP99Ms: number;
}

export async function runLoad(options: {
  concurrency: number;
  rounds: number;
  rampMs: number;
  run: (worker: number, round: number) => Promise<StreamRecord>;
}): Promise<LoadResult> {
  const records: StreamRecord[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  const startedAt = nowMs();
  const worker = async (index: number) => {
    await sleep((index * options.rampMs) / options.concurrency);
    for (let round = 0; round < options.rounds; round += 1) {
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      try {
        records.push(await options.run(index, round));
      } finally {
        inFlight -= 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  loopDelay.disable();
  return {
    records,
    wallMs: nowMs() - startedAt,
    peakInFlight,
    // Node's histogram counts each sampling interval whole: the delay is what exceeds it.
    clientLoopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
  };
}
