import type { UpstreamTiming } from '../upstream/paced-upstream.ts';
import { rounded, summarize, type Summary } from './stats.ts';
import type { LoadResult } from './load.ts';

// The figures of one load run, each stream joined with the upstream's stamps for the same request.

export interface StreamFigures {
  streams: number;
  failedStreams: number;
  /** A few of the errors, for the report. */
  errors: string[];
  tokensDelivered: number;
  tokensExpected: number;
  /** Request sent → first token complete at the client. */
  firstToken: Summary;
  /** First token minus the upstream's own wait before it (receipt → first chunk written): what the hops cost, per request. */
  firstTokenOverhead: Summary;
  /** Upstream wrote a chunk → the client had it, over every token. */
  tokenLatency: Summary;
  /** Between consecutive tokens at the client. */
  gap: Summary;
  wallMs: number;
  peakInFlight: number;
  clientLoopDelayP99Ms: number;
  /** CPU seconds used during the run by cai (absent for the direct run) and the upstream. */
  caiCpuSeconds?: number;
  upstreamCpuSeconds: number;
}

export function streamFigures(options: {
  load: LoadResult;
  timings: UpstreamTiming[];
  tokensPerStream: number;
  cpu: { cai?: number; upstream: number };
}): StreamFigures {
  const { load, tokensPerStream } = options;
  const timingOf = new Map(options.timings.map((timing) => [timing.requestId, timing]));
  const firstToken: number[] = [];
  const overhead: number[] = [];
  const latency: number[] = [];
  const gaps: number[] = [];
  let delivered = 0;
  const errors: string[] = [];
  let failed = 0;
  for (const record of load.records) {
    delivered += record.delivered;
    if (record.error !== undefined || record.delivered < tokensPerStream) {
      failed += 1;
      if (errors.length < 5) errors.push(record.error ?? `${record.delivered}/${tokensPerStream} tokens`);
    }
    const timing = timingOf.get(record.requestId);
    const first = record.tokenAt[0];
    if (first !== undefined) {
      firstToken.push(first - record.startedAt);
      const firstSent = timing?.chunkSentAt[0];
      if (timing && firstSent !== undefined)
        overhead.push(first - record.startedAt - (firstSent - timing.receivedAt));
    }
    for (let index = 0; index < record.tokenAt.length; index += 1) {
      const at = record.tokenAt[index];
      if (at === undefined) continue;
      const sent = timing?.chunkSentAt[index];
      if (sent !== undefined) latency.push(at - sent);
      const previous = index > 0 ? record.tokenAt[index - 1] : undefined;
      if (previous !== undefined) gaps.push(at - previous);
    }
  }
  return {
    streams: load.records.length,
    failedStreams: failed,
    errors,
    tokensDelivered: delivered,
    tokensExpected: load.records.length * tokensPerStream,
    firstToken: rounded(summarize(firstToken)),
    firstTokenOverhead: rounded(summarize(overhead)),
    tokenLatency: rounded(summarize(latency)),
    gap: rounded(summarize(gaps)),
    wallMs: Math.round(load.wallMs),
    peakInFlight: load.peakInFlight,
    clientLoopDelayP99Ms: Math.round(load.clientLoopDelayP99Ms * 1000) / 1000,
    ...(options.cpu.cai === undefined ? {} : { caiCpuSeconds: Math.round(options.cpu.cai * 100) / 100 }),
    upstreamCpuSeconds: Math.round(options.cpu.upstream * 100) / 100,
  };
}
