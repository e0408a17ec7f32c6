import { Agent } from 'node:http';
import { streamFromCai } from '../lib/sse-stream.ts';
import { compareLevelByLevel, startFloorRelay } from './level-by-level.ts';
import { upstreamFormatStreamOnce, measureLevel, warmUp, type StreamOnce } from './streaming-comparison.ts';
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
      streamFromCai({
        agent,
        server: cai,
        requestId,
        tracker,
        timeoutMs: context.parameters.streamTimeoutMs,
      });
    context.log('stream-sse: warming up');
    await warmUp(context, upstreamFormatStreamOnce(context, directAgent));
    await warmUp(context, caiStreamOnce);
    directAgent.destroy();
    const relay = await startFloorRelay(context, 'stream-sse');
    const relayAgent = new Agent({ keepAlive: true, maxSockets: Infinity });
    try {
      const relayStreamOnce = relay && upstreamFormatStreamOnce(context, relayAgent, relay.port);
      if (relayStreamOnce) await warmUp(context, relayStreamOnce);
      const { rows, figures } = await compareLevelByLevel({
        context,
        scenario: 'stream-sse',
        label: 'sse',
        measureCai: (level) => measureLevel({ context, level, cai, streamOnce: caiStreamOnce }),
        ...(relay && relayStreamOnce
          ? {
              measureFloor: (level: LoadLevel) =>
                measureLevel({ context, level, cai: relay, streamOnce: relayStreamOnce }),
            }
          : {}),
      });
      return { name: this.name, rows, figures };
    } finally {
      agent.destroy();
      relayAgent.destroy();
      await relay?.stop();
    }
  },
};
