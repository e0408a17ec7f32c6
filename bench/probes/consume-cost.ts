// CPU per token of consuming the paced upstream's SSE in-process, by method: the floor each
// design of cai's upstream hop can reach (`http`, `fetch`), the AI SDK provider alone (`sdk`), and
// cai's ChatModel port over each of its two Chat Completions clients: its own (`cai`, the default,
// src/models/chat-completions-model.ts) and the AI SDK's (`cai-sdk`, CHAT_COMPLETIONS_CLIENT=ai-sdk).
// Run: npx tsx bench/probes/consume-cost.ts [streams]
import { request } from 'node:http';
import { createOpenAI } from '@ai-sdk/openai';
import { AiSdkChatModel } from '../../src/models/ai-sdk-chat-model.ts';
import type { ChatModel } from '../../src/models/chat-model.ts';
import { CHAT_COMPLETIONS_DIALECTS } from '../../src/models/chat-completions-dialect.ts';
import { ChatCompletionsEndpoint } from '../../src/models/chat-completions-endpoint.ts';
import { ChatCompletionsModel } from '../../src/models/chat-completions-model.ts';
import { startUpstreamProcess } from '../lib/upstream-process.ts';

const streams = Number(process.argv[2] ?? 200);
const chunks = Array.from({ length: 64 }, (_, index) => `w${index} `);
const upstream = await startUpstreamProcess({ chunks, paceMs: 20 });
const url = new URL(`${upstream.baseUrl}/chat/completions`);
const body = (index: number) =>
  JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: `req-${index}` }] });

async function viaHttp(index: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        let tokens = 0;
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (event.startsWith('data: ') && event !== 'data: [DONE]') {
              const parsed = JSON.parse(event.slice(6)) as {
                choices: Array<{ delta?: { content?: string } }>;
              };
              if (parsed.choices[0]?.delta?.content) tokens += 1;
            }
          }
        });
        response.on('end', () => resolve(tokens));
        response.on('error', reject);
      },
    );
    outgoing.end(body(index));
  });
}

async function viaFetch(index: number): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(index),
  });
  const decoder = new TextDecoder();
  let tokens = 0;
  let buffer = '';
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (event.startsWith('data: ') && event !== 'data: [DONE]') {
        const parsed = JSON.parse(event.slice(6)) as { choices: Array<{ delta?: { content?: string } }> };
        if (parsed.choices[0]?.delta?.content) tokens += 1;
      }
    }
  }
  return tokens;
}

const provider = createOpenAI({ baseURL: upstream.baseUrl, apiKey: 'x' });
async function viaSdk(index: number): Promise<number> {
  const { stream } = await provider.chat('bench').doStream({
    prompt: [{ role: 'user', content: [{ type: 'text', text: `req-${index}` }] }],
  } as never);
  let tokens = 0;
  for await (const part of stream as unknown as AsyncIterable<{ type: string }>)
    if (part.type === 'text-delta') tokens += 1;
  return tokens;
}

// cai's ChatModel.stream over its own client: request body, SSE split, one JSON.parse per event,
// the typed parts, the finish with usage; and over the AI SDK provider above, as AiSdkChatModel.
const caiModel = new ChatCompletionsModel({
  name: 'openai:bench',
  provider: 'openai',
  modelId: 'bench',
  endpoint: new ChatCompletionsEndpoint({ baseUrl: upstream.baseUrl, apiKey: 'x' }),
  dialect: CHAT_COMPLETIONS_DIALECTS.openai,
});
const caiSdkModel = new AiSdkChatModel({
  name: 'openai:bench',
  provider: 'openai',
  model: provider.chat('bench'),
});
async function viaChatModel(model: ChatModel, index: number): Promise<number> {
  let tokens = 0;
  for await (const part of model.stream({
    messages: [{ role: 'user', content: `req-${index}` }],
    signal: new AbortController().signal,
  }))
    if (part.type === 'text-delta') tokens += 1;
  return tokens;
}
const viaCai = (index: number) => viaChatModel(caiModel, index);
const viaCaiSdk = (index: number) => viaChatModel(caiSdkModel, index);

for (const [name, method] of [
  ['http', viaHttp],
  ['fetch', viaFetch],
  ['sdk', viaSdk],
  ['cai-sdk', viaCaiSdk],
  ['cai', viaCai],
  ['http', viaHttp],
  ['fetch', viaFetch],
  ['sdk', viaSdk],
  ['cai-sdk', viaCaiSdk],
  ['cai', viaCai],
] as const) {
  const before = process.cpuUsage();
  const counts = await Promise.all(Array.from({ length: streams }, (_, index) => method(index)));
  const used = process.cpuUsage(before);
  const tokens = counts.reduce((sum, count) => sum + count, 0);
  console.log(
    `${name.padEnd(7)} ${streams} streams: ${tokens} tokens, ${((used.user + used.system) / tokens).toFixed(1)} µs CPU per token`,
  );
}
await upstream.stop();
