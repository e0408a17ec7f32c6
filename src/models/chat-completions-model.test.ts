import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { startFakeOpenAiServer } from '../../test/fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../../test/fakes/fake-vendor-server.ts';
import { CHAT_COMPLETIONS_DIALECTS } from './chat-completions-dialect.ts';
import type { ChatCompletionsModel } from './chat-completions-model.ts';
import { chunkEvent, directModel, doneEvent, usageEvent } from './chat-completions-test-helpers.ts';
import { collect, collectWith, describeChatModelContract } from './chat-model-contract.ts';

// cai's own Chat Completions client: first the contract it keeps with the AI SDK client, then what
// only a client that reads the bytes itself can get wrong: characters and events split across
// packets, line endings, connection reuse, the fields it reads itself. Its failures on the wire:
// chat-completions-errors.test.ts; its request bodies: chat-completions-request-body.test.ts.

describeChatModelContract({
  title: 'ChatCompletionsModel over openai',
  start: startFakeOpenAiServer,
  build: ({ baseUrl, name }) => directModel({ baseUrl, name }),
  name: 'openai:test',
  recordedText: 'Hello! How can I help you today?',
});

describeChatModelContract({
  title: 'ChatCompletionsModel over an OpenAI-compatible server (Ollama)',
  start: startFakeOpenAiServer,
  build: ({ baseUrl, name }) =>
    directModel({ baseUrl, name, modelId: 'llama3.2', dialect: CHAT_COMPLETIONS_DIALECTS.openAiCompatible }),
  name: 'ollama:test',
  recordedText: 'Hello! How can I help you today?',
});

describe('ChatCompletionsModel on the wire', () => {
  let server: FakeVendorServer;
  let model: ChatCompletionsModel;

  beforeAll(async () => {
    server = await startFakeOpenAiServer();
    model = directModel({ baseUrl: server.baseUrl });
  });
  afterAll(() => server.close());

  it('joins a UTF-8 character split across TCP packets', async () => {
    const bytes = Buffer.from(chunkEvent({ content: 'héllo 👋 wörld' }));
    const emoji = bytes.indexOf(Buffer.from('👋'));
    const accent = bytes.indexOf(Buffer.from('é'));
    server.enqueue({
      type: 'raw',
      writes: [
        bytes.subarray(0, accent + 1),
        bytes.subarray(accent + 1, emoji + 2),
        bytes.subarray(emoji + 2, emoji + 3),
        bytes.subarray(emoji + 3),
        chunkEvent({ finish: 'stop' }) + usageEvent + doneEvent,
      ],
    });
    const { text, error, parts } = await collect(model);
    expect(error).toBeUndefined();
    expect(text).toBe('héllo 👋 wörld');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('reads an SSE event split across packets, inside its prefix, its JSON and its blank line', async () => {
    const first = chunkEvent({ content: 'Split' });
    server.enqueue({
      type: 'raw',
      writes: [
        first.slice(0, 2),
        first.slice(2, 20),
        first.slice(20, -1),
        first.slice(-1) + chunkEvent({ content: ' events' }).slice(0, -1),
        `\n${chunkEvent({ finish: 'stop' })}${usageEvent}${doneEvent}`,
      ],
    });
    const { text, error } = await collect(model);
    expect(error).toBeUndefined();
    expect(text).toBe('Split events');
  });

  it('reads \\r\\n and \\r line endings, even with a \\r\\n pair split across packets', async () => {
    const crlf = (frame: string) => frame.replaceAll('\n', '\r\n');
    server.enqueue({
      type: 'raw',
      writes: [
        crlf(chunkEvent({ content: 'Carriage' })),
        // One event in two data lines (joined by a line feed, which JSON allows), its first line end split.
        'data: {"id":"chatcmpl-1",\r',
        '\ndata: "choices":[{"index":0,"delta":{"content":" returns"},"finish_reason":null}]}\r\n\r\n',
        chunkEvent({ content: ' and more' }).replaceAll('\n', '\r'),
        crlf(`: a comment line\n${chunkEvent({ finish: 'stop' })}${usageEvent}${doneEvent}`),
      ],
    });
    const { text, error, parts } = await collect(model);
    expect(error).toBeUndefined();
    expect(text).toBe('Carriage returns and more');
    expect(parts.at(-1)).toMatchObject({ usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 } });
  });

  it('keeps the connection alive: two calls in turn travel on one connection', async () => {
    server.enqueue({ type: 'stream', chunks: ['One'] }, { type: 'stream', chunks: ['Two'] });
    const before = server.requests.length;
    expect((await collect(model)).text).toBe('One');
    expect((await collect(model)).text).toBe('Two');
    const [first, second] = server.requests.slice(before);
    expect(second!.connection).toBe(first!.connection);
  });

  it('opens a new connection after a stream torn down before its end, and reuses one that ended', async () => {
    server.enqueue(
      { type: 'stall', afterChunks: 1, chunks: ['Left', ' unread'] },
      { type: 'stream', chunks: ['Fresh'] },
      { type: 'malformed', afterChunks: 1 },
      { type: 'stream', chunks: ['Again'] },
    );
    const before = server.requests.length;
    for await (const part of model.stream({ messages: [], signal: new AbortController().signal })) {
      expect(part).toEqual({ type: 'text-delta', text: 'Left' });
      break;
    }
    expect((await collect(model)).text).toBe('Fresh');
    // After a garbled event the next call works: its connection is torn down unless the response had ended.
    expect((await collect(model)).error).toMatchObject({ kind: 'invalid-response' });
    expect((await collect(model)).text).toBe('Again');
    const [stalled, fresh, malformed] = server.requests.slice(before);
    expect(fresh!.connection).not.toBe(stalled!.connection);
    expect(malformed!.connection).toBe(fresh!.connection);
  });

  it("reads Groq's usage from x_groq.usage", async () => {
    const groq = directModel({
      baseUrl: server.baseUrl,
      name: 'groq:test',
      modelId: 'llama-3.1-8b-instant',
      dialect: CHAT_COMPLETIONS_DIALECTS.groq,
    });
    const groqUsage = {
      x_groq: { id: 'req_1', usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } },
    };
    server.enqueue({
      type: 'raw',
      writes: [
        chunkEvent({ content: 'Fast' }),
        chunkEvent({ content: '!' }),
        chunkEvent({ finish: 'stop', extra: groqUsage }) + doneEvent,
      ],
    });
    const before = server.requests.length;
    const { text, parts } = await collect(groq);
    expect(text).toBe('Fast!');
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 2, totalTokens: 14 },
      model: 'groq:test',
    });
    expect(server.requests[before]!.body.stream_options).toBeUndefined();
  });

  it.each([
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    ['tool_calls', 'other'],
    ['eos', 'other'],
  ])('maps the finish reason %s to %s', async (raw, mapped) => {
    server.enqueue({ type: 'stream', chunks: ['Some'], finishReason: raw });
    const { parts } = await collect(model);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: mapped });
  });

  it("shows OpenAI's refusal as text and finishes content-filtered", async () => {
    const refusal = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { refusal: "I can't help with that." }, finish_reason: null }] })}\n\n`;
    server.enqueue({ type: 'raw', writes: [refusal, chunkEvent({ finish: 'stop' }) + doneEvent] });
    const { text, parts } = await collect(model);
    expect(text).toBe("I can't help with that.");
    expect(parts.at(-1)).toMatchObject({ finishReason: 'content-filter', usage: null });
  });

  it('throws when the stream says [DONE] without a finish reason', async () => {
    server.enqueue({ type: 'raw', writes: [chunkEvent({ content: 'Half' }), doneEvent] });
    const { text, error } = await collect(model);
    expect(text).toBe('Half');
    expect(error).toMatchObject({ kind: 'invalid-response', retryable: false });
    expect(error?.message).toMatch(/ended without a finish reason/);
  });

  it('throws on a chunk whose choices are not a list', async () => {
    server.enqueue({ type: 'raw', writes: ['data: {"choices":{"0":{}}}\n\n', doneEvent] });
    expect((await collect(model)).error).toMatchObject({ kind: 'invalid-response' });
  });

  it('sends nothing when the signal is already aborted', async () => {
    const before = server.requests.length;
    const controller = new AbortController();
    controller.abort();
    const { error } = await collect(model, controller.signal);
    expect(error).toMatchObject({ kind: 'aborted', retryable: false });
    expect(server.requests.length).toBe(before);
  });

  it('aborts a whole reply that is still being written, closing the connection', async () => {
    server.enqueue({ type: 'stall', afterChunks: 0 });
    const before = server.requests.length;
    const controller = new AbortController();
    const call = collectWith(model, { delivery: 'whole', signal: controller.signal });
    await server.waitForRequests(before + 1);
    controller.abort();
    expect((await call).error).toMatchObject({ kind: 'aborted' });
    await server.requests[before]!.clientClosed;
  });
});
