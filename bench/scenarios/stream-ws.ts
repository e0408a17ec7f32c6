import { Agent } from 'node:http';
import { openCaiWs, type CaiWsConnection } from '../lib/cai-ws-client.ts';
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
} from './streaming-comparison.ts';
import type { LoadLevel, Scenario } from './scenario.ts';

// Doc 000's `WS /`: one connection per worker (opened before the clock starts), `COMPLETION` in,
// `COMPLETION_CHUNK`s out, against the same stream taken from the upstream directly over SSE.

export const NOT_SERVED = 'not run: doc 000 not served yet';

export const streamWs: Scenario = {
  name: 'stream-ws',
  description: "streaming over doc 000's WebSocket (WS /) vs the upstream directly",
  async run(context) {
    const cai = await context.cai();
    const probe = await openCaiWs({
      port: cai.port,
      apiKey: cai.apiKey,
      tenantId: cai.tenantId,
      timeoutMs: 3_000,
    }).catch((error: unknown) => error as Error);
    if (probe instanceof Error) {
      context.log(`stream-ws: ${NOT_SERVED} (${probe.message})`);
      return { name: this.name, notRun: `${NOT_SERVED} (${probe.message})`, rows: [], figures: null };
    }
    context.log('stream-ws: warming up');
    const directAgent = new Agent({ keepAlive: true, maxSockets: Infinity });
    await warmUp(context, directStreamOnce(context, directAgent));
    directAgent.destroy();
    await warmUp(context, ({ requestId, tracker }) =>
      probe.complete({
        requestId,
        prompt: promptFor(requestId),
        tracker,
        timeoutMs: context.parameters.streamTimeoutMs,
      }),
    );
    probe.close();
    const rows: ResultRow[] = [];
    const figures: Array<{ concurrency: number; direct: StreamFigures; cai: StreamFigures }> = [];
    const levelsMeasured: Array<{ level: LoadLevel; direct: StreamFigures; cai: StreamFigures }> = [];
    for (const level of context.parameters.levels) {
      context.log(`stream-ws: concurrency ${level.concurrency}, direct`);
      const direct = await measureDirect(context, level);
      context.log(`stream-ws: concurrency ${level.concurrency}, opening ${level.concurrency} connections`);
      const connections: CaiWsConnection[] = [];
      try {
        for (let opened = 0; opened < level.concurrency; opened += 100) {
          const batch = Math.min(100, level.concurrency - opened);
          connections.push(
            ...(await Promise.all(
              Array.from({ length: batch }, () =>
                openCaiWs({ port: cai.port, apiKey: cai.apiKey, tenantId: cai.tenantId, timeoutMs: 10_000 }),
              ),
            )),
          );
        }
        context.log(`stream-ws: concurrency ${level.concurrency}, cai`);
        const measured = await measureLevel({
          context,
          level,
          cai,
          streamOnce: ({ worker, requestId, tracker }) =>
            (connections[worker] as CaiWsConnection).complete({
              requestId,
              prompt: promptFor(requestId),
              tracker,
              timeoutMs: context.parameters.streamTimeoutMs,
            }),
        });
        figures.push({ concurrency: level.concurrency, direct, cai: measured });
        levelsMeasured.push({ level, direct, cai: measured });
        rows.push(
          ...comparisonRows({ label: 'ws', level, cai: measured, direct, paceMs: context.parameters.paceMs }),
        );
      } finally {
        for (const connection of connections) connection.close();
      }
    }
    rows.push(
      mostConcurrentRow({ label: 'ws', measured: levelsMeasured, paceMs: context.parameters.paceMs }),
    );
    return { name: this.name, rows, figures };
  },
};
