import { readFileSync } from 'node:fs';
import { recordedPayloads, startFakeVendorServer } from './fake-vendor-server.ts';
import type { FakeVendorServer, FakeVendorServerOptions, WireDialect } from './fake-vendor-server.ts';

// The OpenAI Chat Completions API (`POST /v1/chat/completions`): `data: {chat.completion.chunk}` events,
// a last chunk with `finish_reason`, a usage chunk when `stream_options.include_usage`, then `data: [DONE]`.
// Every frame is shaped after the recorded stream in __fixtures__/openai-chat-stream.sse.

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

const recordedStream = fixture('openai-chat-stream.sse');
const payloads = recordedPayloads(recordedStream);
type Chunk = { model: string; choices: Array<Record<string, unknown>>; usage?: unknown };
const [roleChunk, contentChunk] = payloads as [Chunk, Chunk];
const finishChunk = payloads.at(-2) as Chunk;
const usageChunk = payloads.at(-1) as Chunk;
const completion = JSON.parse(fixture('openai-chat-completion.json')) as Record<string, unknown>;

const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;

export const openAiDialect: WireDialect = {
  path: '/v1/chat/completions',
  recordedStream,
  defaultChunks: payloads
    .map((payload) => (payload as Chunk).choices[0]?.delta as { content?: string } | undefined)
    .map((delta) => delta?.content ?? '')
    .filter((text) => text !== ''),
  streamFrames({ chunks, model, finishReason, requestBody }) {
    const streamOptions = requestBody.stream_options as { include_usage?: boolean } | undefined;
    const withChoice = (template: Chunk, choice: Record<string, unknown>) => ({
      ...template,
      model,
      choices: [{ ...template.choices[0], ...choice }],
    });
    return {
      head: [frame(withChoice(roleChunk, {}))],
      chunks: chunks.map((text) => frame(withChoice(contentChunk, { delta: { content: text } }))),
      tail: [
        frame(withChoice(finishChunk, { finish_reason: finishReason ?? 'stop' })),
        ...(streamOptions?.include_usage
          ? [
              frame({
                ...usageChunk,
                model,
                usage: {
                  prompt_tokens: 19,
                  completion_tokens: chunks.length,
                  total_tokens: 19 + chunks.length,
                },
              }),
            ]
          : []),
        'data: [DONE]\n\n',
      ],
    };
  },
  completionBody: ({ text, model, outputTokens }) => ({
    ...completion,
    model,
    usage: {
      ...(completion.usage as object),
      completion_tokens: outputTokens,
      total_tokens: 19 + outputTokens,
    },
    choices: [
      {
        ...(completion.choices as object[])[0],
        message: { role: 'assistant', content: text, refusal: null },
      },
    ],
  }),
  rateLimitedBody: fixture('openai-error-429.json'),
  serverErrorBody: fixture('openai-error-500.json'),
  // A chunk whose JSON was cut off inside the line, as a broken proxy might forward it.
  malformedFrame:
    'data: {"id":"chatcmpl-BxRtA1b2C3d4E5f6G7h8I9j0","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"oo\n\n',
};

export function startFakeOpenAiServer(options: FakeVendorServerOptions = {}): Promise<FakeVendorServer> {
  return startFakeVendorServer(openAiDialect, options);
}
