import { Agent } from 'node:http';
import type { BareRelayProcess } from '../lib/bare-relay-process.ts';
import { openCaiWs, type CaiWsConnection } from '../lib/cai-ws-client.ts';
import { promptFor } from '../lib/tokens.ts';
import type { StreamFigures } from '../lib/stream-figures.ts';
import { compareLevelByLevel, startFloorRelay } from './level-by-level.ts';
import { upstreamFormatStreamOnce, measureLevel, warmUp } from './streaming-comparison.ts';
import type { BenchContext, LoadLevel, Scenario } from './scenario.ts';

// Doc 000's `WS /`: one connection per worker (opened before the clock starts), `COMPLETION` in,
// `COMPLETION_CHUNK`s out, against the same stream taken from the upstream directly over SSE, and
// beside it the bare relay (bench/upstream/bare-relay-main.ts): the same protocol relayed by a
// Node process that does nothing else, the floor of any Node hop on this machine.

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
    await warmUp(context, upstreamFormatStreamOnce(context, directAgent));
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
    const relay = await startFloorRelay(context, 'stream-ws');
    try {
      if (relay) await warmUpRelay(context, relay);
      const { rows, figures } = await compareLevelByLevel({
        context,
        scenario: 'stream-ws',
        label: 'ws',
        measureCai: (level) => measureOverSockets({ context, level, server: cai }),
        ...(relay
          ? { measureFloor: (level: LoadLevel) => measureOverSockets({ context, level, server: relay }) }
          : {}),
      });
      return { name: this.name, rows, figures };
    } finally {
      await relay?.stop();
    }
  },
};

/** One level over doc 000 sockets to `server` (cai, or the bare relay), opened before the clock starts. */
async function measureOverSockets(options: {
  context: BenchContext;
  level: LoadLevel;
  server: { port: number; cpuSeconds(): number; apiKey?: string; tenantId?: string };
}): Promise<StreamFigures> {
  const { context, level, server } = options;
  const connections: CaiWsConnection[] = [];
  try {
    for (let opened = 0; opened < level.concurrency; opened += 100) {
      const batch = Math.min(100, level.concurrency - opened);
      connections.push(
        ...(await Promise.all(
          Array.from({ length: batch }, () =>
            openCaiWs({
              port: server.port,
              apiKey: server.apiKey ?? 'none',
              tenantId: server.tenantId ?? 'none',
              timeoutMs: 10_000,
            }),
          ),
        )),
      );
    }
    return await measureLevel({
      context,
      level,
      cai: server,
      streamOnce: ({ worker, requestId, tracker }) =>
        (connections[worker] as CaiWsConnection).complete({
          requestId,
          prompt: promptFor(requestId),
          tracker,
          timeoutMs: context.parameters.streamTimeoutMs,
        }),
    });
  } finally {
    for (const connection of connections) connection.close();
  }
}

async function warmUpRelay(context: BenchContext, relay: BareRelayProcess): Promise<void> {
  const connection = await openCaiWs({
    port: relay.port,
    apiKey: 'none',
    tenantId: 'none',
    timeoutMs: 5_000,
  });
  try {
    await warmUp(context, ({ requestId, tracker }) =>
      connection.complete({
        requestId,
        prompt: promptFor(requestId),
        tracker,
        timeoutMs: context.parameters.streamTimeoutMs,
      }),
    );
  } finally {
    connection.close();
  }
}
