import { Agent } from 'node:http';
import { startBareRelay } from '../lib/bare-relay-process.ts';
import { caiSse, streamOverSse } from '../lib/sse-stream.ts';
import { promptFor } from '../lib/tokens.ts';
import type { StreamFigures } from '../lib/stream-figures.ts';
import type { ResultRow } from '../lib/results-table.ts';
import {
  comparisonRows,
  directStreamOnce,
  measureDirect,
  measureLevel,
  mostConcurrentRow,
  warmUp,
  type StreamOnce,
} from './streaming-comparison.ts';
import type { LoadLevel, Scenario } from './scenario.ts';

// Doc 002's `POST /api/v1/ai/chat` with `"stream": true` (Server-Sent Events) against the same
// stream taken from the upstream directly, at each load level, and beside it the bare relay
// (bench/upstream/bare-relay-main.ts) passing the upstream's own SSE stream through: the floor of
// one Node hop for a streamed HTTP reply on this machine.

export const streamSse: Scenario = {
  name: 'stream-sse',
  description: 'streaming over SSE (POST /api/v1/ai/chat) vs the upstream directly',
  async run(context) {
    const cai = await context.cai();
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const directAgent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const caiStreamOnce: StreamOnce = ({ requestId, tracker }) =>
      streamOverSse({
        agent,
        port: cai.port,
        path: '/api/v1/ai/chat',
        headers: { authorization: `Bearer ${cai.apiKey}` },
        body: { content: promptFor(requestId), stream: true },
        dialect: caiSse,
        tracker,
        timeoutMs: context.parameters.streamTimeoutMs,
      });
    context.log('stream-sse: warming up');
    await warmUp(context, directStreamOnce(context, directAgent));
    await warmUp(context, caiStreamOnce);
    directAgent.destroy();
    const relay = await startBareRelay({ upstreamBaseUrl: context.upstream.baseUrl }).catch(
      (error: unknown) => {
        context.log(`stream-sse: the bare relay did not start (${(error as Error).message})`);
        return undefined;
      },
    );
    const relayAgent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const relayStreamOnce = relay && directStreamOnce(context, relayAgent, relay.port);
    const rows: ResultRow[] = [];
    const figures: Array<{
      concurrency: number;
      direct: StreamFigures;
      cai: StreamFigures;
      floor: StreamFigures | null;
    }> = [];
    const levelsMeasured: Array<{
      level: LoadLevel;
      direct: StreamFigures;
      cai: StreamFigures;
      floor?: StreamFigures;
    }> = [];
    try {
      if (relayStreamOnce) await warmUp(context, relayStreamOnce);
      for (const level of context.parameters.levels) {
        context.log(`stream-sse: concurrency ${level.concurrency}, direct`);
        const direct = await measureDirect(context, level);
        context.log(`stream-sse: concurrency ${level.concurrency}, cai`);
        const measured = await measureLevel({ context, level, cai, streamOnce: caiStreamOnce });
        let floor: StreamFigures | undefined;
        if (relay && relayStreamOnce) {
          context.log(`stream-sse: concurrency ${level.concurrency}, bare relay`);
          floor = await measureLevel({ context, level, cai: relay, streamOnce: relayStreamOnce });
        }
        figures.push({ concurrency: level.concurrency, direct, cai: measured, floor: floor ?? null });
        levelsMeasured.push({ level, direct, cai: measured, ...(floor ? { floor } : {}) });
        rows.push(
          ...comparisonRows({
            label: 'sse',
            level,
            cai: measured,
            direct,
            ...(floor ? { floor } : {}),
            paceMs: context.parameters.paceMs,
          }),
        );
      }
    } finally {
      agent.destroy();
      relayAgent.destroy();
      await relay?.stop();
    }
    rows.push(
      mostConcurrentRow({ label: 'sse', measured: levelsMeasured, paceMs: context.parameters.paceMs }),
    );
    return { name: this.name, rows, figures };
  },
};
