import { describe, expect, it } from 'vitest';
import { EventStreamParser, readServerSentEvents, type ServerSentEvent } from './server-sent-events.ts';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

describe('Server-Sent Events reader', () => {
  it('reads named events with JSON data', async () => {
    const events = await collect(['event: start\ndata: {"a":1}\n\n', 'event: end\ndata: {"b":2}\n\n']);
    expect(events).toEqual([
      { event: 'start', data: '{"a":1}' },
      { event: 'end', data: '{"b":2}' },
    ]);
  });

  it('reassembles events split anywhere, even inside a multi-byte character', async () => {
    const text = 'event: delta\ndata: {"content":"héllo ✓"}\n\n';
    const bytes = new TextEncoder().encode(text);
    const pieces: ReadableStream<Uint8Array> = new ReadableStream({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    for await (const event of readServerSentEvents(pieces)) events.push(event);
    expect(events).toEqual([{ event: 'delta', data: '{"content":"héllo ✓"}' }]);
  });

  it('joins multi-line data, skips comments, and accepts CRLF and CR line ends', async () => {
    const events = await collect([
      ': keep-alive\r\n',
      'data: one\r\ndata: two\r\n\r\n',
      'id: 7\rdata:three\r\r',
    ]);
    expect(events).toEqual([
      { event: 'message', data: 'one\ntwo' },
      { event: 'message', data: 'three', id: '7' },
    ]);
  });

  it('does not split a CRLF that arrives in two chunks into two line ends', () => {
    const parser = new EventStreamParser();
    const events = [...parser.push('data: x\r'), ...parser.push('\n\r\n')];
    expect(events).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('dispatches a last event that lacks its blank line when the stream ends', async () => {
    expect(await collect(['event: end\ndata: {}'])).toEqual([{ event: 'end', data: '{}' }]);
  });
});
