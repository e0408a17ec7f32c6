import { readFileSync } from 'node:fs';
import { recordedPayloads, startFakeVendorServer } from './fake-vendor-server.ts';
import type { FakeVendorServer, WireDialect } from './fake-vendor-server.ts';

// The Anthropic Messages API (`POST /v1/messages`): `message_start`, `content_block_start`,
// `content_block_delta` (`text_delta`)…, `content_block_stop`, `message_delta` (stop_reason, usage),
// `message_stop`. Every frame is shaped after the recorded stream in __fixtures__/anthropic-messages-stream.sse.

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

const recordedStream = fixture('anthropic-messages-stream.sse');
type Event = Record<string, unknown> & { type: string };
const events = recordedPayloads(recordedStream) as Event[];
const eventOf = (type: string) => events.find((event) => event.type === type) as Event;
const message = JSON.parse(fixture('anthropic-message.json')) as Record<string, unknown>;

const frame = (payload: Event) => `event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`;

export const anthropicDialect: WireDialect = {
  path: '/v1/messages',
  recordedStream,
  defaultChunks: events
    .filter((event) => event.type === 'content_block_delta')
    .map((event) => (event.delta as { text: string }).text),
  streamFrames({ chunks, model, finishReason }) {
    const start = eventOf('message_start');
    const delta = eventOf('content_block_delta');
    const messageDelta = eventOf('message_delta');
    return {
      head: [
        frame({ ...start, message: { ...(start.message as object), model } }),
        frame(eventOf('content_block_start')),
        frame(eventOf('ping')),
      ],
      chunks: chunks.map((text) => frame({ ...delta, delta: { type: 'text_delta', text } })),
      tail: [
        frame(eventOf('content_block_stop')),
        frame({
          ...messageDelta,
          delta: { stop_reason: finishReason ?? 'end_turn', stop_sequence: null },
          usage: { output_tokens: chunks.length },
        }),
        frame(eventOf('message_stop')),
      ],
    };
  },
  completionBody: ({ text, model, outputTokens }) => ({
    ...message,
    model,
    content: [{ type: 'text', text }],
    usage: { ...(message.usage as object), output_tokens: outputTokens },
  }),
  rateLimitedBody: fixture('anthropic-error-429.json'),
  serverErrorBody: fixture('anthropic-error-500.json'),
  // An event whose JSON was cut off inside the line.
  malformedFrame:
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_del\n\n',
};

export function startFakeAnthropicServer(): Promise<FakeVendorServer> {
  return startFakeVendorServer(anthropicDialect);
}
