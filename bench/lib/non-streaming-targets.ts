import type { BareRelayProcess } from './bare-relay-process.ts';
import type { CaiServer } from './cai-server.ts';
import { checkAiChatReply, checkChatCompletion, type JsonTarget } from './json-request.ts';
import type { PortkeyProcess } from './portkey-process.ts';
import type { UpstreamProcess } from './upstream-process.ts';

// The ways one non-streaming chat request is served in the benchmark, each with the process whose
// CPU and memory it costs: the upstream directly (the baseline), cai's OpenAI-compatible
// `POST /v1/chat/completions`, cai's doc 002 `POST /api/v1/ai/chat`, Portkey (the peer) in front of
// the same upstream, and the bare relay passing the request through (the floor of one Node hop).

export type TargetRole = 'direct' | 'cai' | 'peer' | 'floor';

export interface NonStreamingTarget {
  name: 'direct' | 'cai /v1/chat/completions' | 'cai /api/v1/ai/chat' | 'portkey' | 'bare relay';
  role: TargetRole;
  request: JsonTarget;
  /** CPU seconds used so far by the process that serves it (the upstream's for direct). */
  cpuSeconds(): number;
}

const PROMPT = 'Benchmark request: please reply.';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const chatBody = (model: string) => json({ model, messages: [{ role: 'user', content: PROMPT }] });

export function nonStreamingTargets(options: {
  upstream: UpstreamProcess;
  cai: CaiServer;
  portkey?: PortkeyProcess;
  relay?: BareRelayProcess;
}): NonStreamingTarget[] {
  const { upstream, cai, portkey, relay } = options;
  const caiHeaders = { authorization: `Bearer ${cai.apiKey}` };
  const targets: NonStreamingTarget[] = [
    {
      name: 'direct',
      role: 'direct',
      request: {
        port: upstream.port,
        path: '/v1/chat/completions',
        headers: { authorization: 'Bearer x' },
        body: chatBody('bench'),
        check: checkChatCompletion,
      },
      cpuSeconds: () => upstream.cpuSeconds(),
    },
    {
      name: 'cai /v1/chat/completions',
      role: 'cai',
      request: {
        port: cai.port,
        path: '/v1/chat/completions',
        headers: caiHeaders,
        body: chatBody('openai:bench'),
        check: checkChatCompletion,
      },
      cpuSeconds: () => cai.cpuSeconds(),
    },
    {
      name: 'cai /api/v1/ai/chat',
      role: 'cai',
      request: {
        port: cai.port,
        path: '/api/v1/ai/chat',
        headers: caiHeaders,
        body: json({ content: PROMPT }),
        check: checkAiChatReply,
      },
      cpuSeconds: () => cai.cpuSeconds(),
    },
  ];
  if (portkey) {
    targets.push({
      name: 'portkey',
      role: 'peer',
      request: {
        port: portkey.port,
        path: '/v1/chat/completions',
        headers: portkey.headers,
        body: chatBody('bench'),
        check: checkChatCompletion,
      },
      cpuSeconds: () => portkey.cpuSeconds(),
    });
  }
  if (relay) {
    targets.push({
      name: 'bare relay',
      role: 'floor',
      request: {
        port: relay.port,
        path: '/v1/chat/completions',
        headers: {},
        body: chatBody('bench'),
        check: checkChatCompletion,
      },
      cpuSeconds: () => relay.cpuSeconds(),
    });
  }
  return targets;
}
