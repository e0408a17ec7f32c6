import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeVendorServer } from '../../test/fakes/fake-vendor-server.ts';
import { ModelError } from './chat-model.ts';
import type { ChatModel, ChatModelPart } from './chat-model.ts';

// The behaviour every vendor ChatModel owes the layers above it (a test helper, run by the tests of
// each client: ai-sdk-chat-model.test.ts, chat-completions-model.test.ts): the parts of a reply, and
// every failure mode as the same ModelError, against a local server speaking the vendor's wire format.

export interface ChatModelContractSubject {
  /** What the describe block is called. */
  title: string;
  start: () => Promise<FakeVendorServer>;
  /** The model under test, named `name`, speaking to the fake at `baseUrl`. */
  build: (options: { baseUrl: string; name: string }) => ChatModel;
  /** `provider:model`, as the finish part names it. */
  name: string;
  /** What the fake's recorded stream says. */
  recordedText: string;
}

export async function collect(model: ChatModel, signal = new AbortController().signal) {
  const parts: ChatModelPart[] = [];
  try {
    for await (const part of model.stream({
      messages: [{ role: 'user', content: 'Hi there' }],
      signal,
      maxOutputTokens: 64,
    })) {
      parts.push(part);
    }
    return { parts, text: textOf(parts), error: undefined };
  } catch (error) {
    return { parts, text: textOf(parts), error: error as ModelError };
  }
}

export async function collectWith(
  model: ChatModel,
  options: { delivery: 'stream' | 'whole'; signal: AbortSignal },
): Promise<{ parts: ChatModelPart[]; error: ModelError | undefined }> {
  const parts: ChatModelPart[] = [];
  try {
    for await (const part of model.stream({
      messages: [{ role: 'user', content: 'Hi there' }],
      signal: options.signal,
      delivery: options.delivery,
    })) {
      parts.push(part);
    }
    return { parts, error: undefined };
  } catch (error) {
    return { parts, error: error as ModelError };
  }
}

export const textOf = (parts: ChatModelPart[]) =>
  parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');

export function describeChatModelContract(subject: ChatModelContractSubject): void {
  const { title, start, build, name, recordedText } = subject;
  describe(title, () => {
    let server: FakeVendorServer;
    let model: ChatModel;

    beforeAll(async () => {
      server = await start();
      model = build({ baseUrl: server.baseUrl, name });
    });
    afterAll(() => server.close());

    it('asks for a whole reply without streaming, and yields it as one delta and the finish', async () => {
      server.enqueue({ type: 'stream', chunks: ['One whole ', 'reply.'] });
      const parts: ChatModelPart[] = [];
      for await (const part of model.stream({
        messages: [{ role: 'user', content: 'Hi there' }],
        signal: new AbortController().signal,
        delivery: 'whole',
      })) {
        parts.push(part);
      }
      expect(server.requests.at(-1)?.body.stream).not.toBe(true);
      expect(parts[0]).toEqual({ type: 'text-delta', text: 'One whole reply.' });
      expect(parts).toHaveLength(2);
      expect(parts[1]).toMatchObject({ type: 'finish', finishReason: 'stop', model: name });
      expect((parts[1] as { usage: unknown }).usage).toMatchObject({ inputTokens: expect.any(Number) });
    });

    it('maps a whole reply refused with 429 to a retryable rate-limited error, and a cut to an upstream error', async () => {
      server.enqueue({ type: 'rate-limited', retryAfter: '2' });
      const whole = (signal = new AbortController().signal) =>
        collectWith(model, { delivery: 'whole', signal });
      const limited = await whole();
      expect(limited.error).toBeInstanceOf(ModelError);
      expect(limited.error).toMatchObject({ kind: 'rate-limited', retryable: true, retryAfterMs: 2000 });
      server.enqueue({ type: 'cut', afterChunks: 0 });
      const cut = await whole();
      expect(cut.error).toBeInstanceOf(ModelError);
      expect(cut.parts).toEqual([]);
    });

    it('streams the recorded reply and finishes with usage', async () => {
      server.enqueue({ type: 'replay' });
      const { parts, text, error } = await collect(model);
      expect(error).toBeUndefined();
      expect(text).toBe(recordedText);
      expect(parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(1);
      expect(parts.at(-1)).toEqual({
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 19, outputTokens: 10, totalTokens: 29 },
        model: name,
      });
    });

    it('sends the conversation to the vendor as a streamed request', async () => {
      server.enqueue({ type: 'stream', chunks: ['Fine', '.'] });
      const before = server.requests.length;
      const { text } = await collect(model);
      expect(text).toBe('Fine.');
      const request = server.requests[before];
      expect(request?.body.stream).toBe(true);
      expect(JSON.stringify(request?.body.messages)).toContain('Hi there');
    });

    it('reports a 429 as rate-limited, with the Retry-After in milliseconds', async () => {
      server.enqueue({ type: 'rate-limited', retryAfter: '7' });
      const { parts, error } = await collect(model);
      expect(parts).toEqual([]);
      expect(error).toBeInstanceOf(ModelError);
      expect(error).toMatchObject({
        kind: 'rate-limited',
        retryable: true,
        statusCode: 429,
        retryAfterMs: 7000,
      });
    });

    it('reads a Retry-After given as an HTTP date', async () => {
      server.enqueue({ type: 'rate-limited', retryAfter: new Date(Date.now() + 60_000).toUTCString() });
      const { error } = await collect(model);
      expect(error?.kind).toBe('rate-limited');
      expect(error?.retryAfterMs).toBeGreaterThan(50_000);
      expect(error?.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('prefers retry-after-ms when the vendor sends it', async () => {
      server.enqueue({ type: 'rate-limited', retryAfter: '7', retryAfterMs: 1500 });
      const { error } = await collect(model);
      expect(error?.retryAfterMs).toBe(1500);
    });

    it('reports a 500 before the first token as a retryable upstream failure', async () => {
      server.enqueue({ type: 'server-error' });
      const { parts, error } = await collect(model);
      expect(parts).toEqual([]);
      expect(error).toMatchObject({ kind: 'upstream', retryable: true, statusCode: 500 });
    });

    it('reports a 401 as a client error that retrying cannot fix', async () => {
      server.enqueue({ type: 'server-error', status: 401 });
      const { error } = await collect(model);
      expect(error).toMatchObject({ kind: 'client', retryable: false, statusCode: 401 });
    });

    it('throws when the connection is cut mid-stream, after the text that did arrive', async () => {
      server.enqueue({ type: 'cut', afterChunks: 2, chunks: ['One', ' two', ' three', ' four'] });
      const { text, parts, error } = await collect(model);
      expect(text).toBe('One two');
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
      expect(error).toBeInstanceOf(ModelError);
      expect(error).toMatchObject({ kind: 'upstream', retryable: true });
    });

    it('throws on a malformed SSE line instead of skipping it', async () => {
      server.enqueue({ type: 'malformed', afterChunks: 1, chunks: ['One', ' two', ' three'] });
      const { text, parts, error } = await collect(model);
      expect(text).toBe('One');
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
      expect(error).toMatchObject({ kind: 'invalid-response' });
    });

    it('throws when the stream ends without a finish reason', async () => {
      // A response that ends cleanly but early (the closing events never came) is not a complete reply.
      server.enqueue({ type: 'end-early', afterChunks: 2, chunks: ['One', ' two', ' three'] });
      const { text, parts, error } = await collect(model);
      expect(text).toBe('One two');
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
      expect(error).toMatchObject({ kind: 'invalid-response' });
      expect(error?.message).toMatch(/ended/);
    });

    it('closes the upstream connection when the caller aborts during a stall', async () => {
      server.enqueue({ type: 'stall', afterChunks: 1, chunks: ['Waiting', ' forever'] });
      const before = server.requests.length;
      const controller = new AbortController();
      const parts: ChatModelPart[] = [];
      const consumed = (async () => {
        for await (const part of model.stream({
          messages: [{ role: 'user', content: 'Hi' }],
          signal: controller.signal,
        })) {
          parts.push(part);
          controller.abort();
        }
      })();
      await expect(consumed).rejects.toMatchObject({ kind: 'aborted' });
      expect(textOf(parts)).toBe('Waiting');
      await server.requests[before]!.clientClosed;
      expect(server.requests[before]!.closedByClient).toBe(true);
    });

    it('closes the upstream connection when the consumer stops reading', async () => {
      server.enqueue({ type: 'stall', afterChunks: 1, chunks: ['Enough', ' already'] });
      const before = server.requests.length;
      for await (const part of model.stream({
        messages: [{ role: 'user', content: 'Hi' }],
        signal: new AbortController().signal,
      })) {
        expect(part).toEqual({ type: 'text-delta', text: 'Enough' });
        break;
      }
      await server.requests[before]!.clientClosed;
      expect(server.requests[before]!.closedByClient).toBe(true);
    });
  });
}
