import { Agent } from 'node:http';
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
// stream taken from the upstream directly, at each load level.

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
    const rows: ResultRow[] = [];
    const figures: Array<{ concurrency: number; direct: StreamFigures; cai: StreamFigures }> = [];
    const levelsMeasured: Array<{ level: LoadLevel; direct: StreamFigures; cai: StreamFigures }> = [];
    for (const level of context.parameters.levels) {
      context.log(`stream-sse: concurrency ${level.concurrency}, direct`);
      const direct = await measureDirect(context, level);
      context.log(`stream-sse: concurrency ${level.concurrency}, cai`);
      const measured = await measureLevel({ context, level, cai, streamOnce: caiStreamOnce });
      figures.push({ concurrency: level.concurrency, direct, cai: measured });
      levelsMeasured.push({ level, direct, cai: measured });
      rows.push(
        ...comparisonRows({ label: 'sse', level, cai: measured, direct, paceMs: context.parameters.paceMs }),
      );
    }
    agent.destroy();
    rows.push(
      mostConcurrentRow({ label: 'sse', measured: levelsMeasured, paceMs: context.parameters.paceMs }),
    );
    return { name: this.name, rows, figures };
  },
};
