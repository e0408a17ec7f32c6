import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAiServer } from '../../test/fakes/fake-openai-server.ts';
import type { FakeVendorServer } from '../../test/fakes/fake-vendor-server.ts';
import type { ChatCompletionsModel } from './chat-completions-model.ts';
import { chunkEvent, directModel } from './chat-completions-test-helpers.ts';
import { collect, collectWith } from './chat-model-contract.ts';

// How cai's Chat Completions client fails, beyond the contract (chat-model-contract.ts): the
// provider's own words in the message, error events in a stream, error pages, refused connections,
// and the ways a reply asked for whole can be wrong.

describe('ChatCompletionsModel failures', () => {
  let server: FakeVendorServer;
  let model: ChatCompletionsModel;

  beforeAll(async () => {
    server = await startFakeOpenAiServer();
    model = directModel({ baseUrl: server.baseUrl });
  });
  afterAll(() => server.close());

  it('classifies an error event before any text by its type, and one after text as the end of the reply', async () => {
    const errorEvent = (type: string) =>
      `data: ${JSON.stringify({ error: { message: `A ${type} happened.`, type, param: null, code: null } })}\n\n`;
    server.enqueue({ type: 'raw', writes: [errorEvent('rate_limit_exceeded')] });
    const early = await collect(model);
    expect(early.error).toMatchObject({ kind: 'rate-limited', retryable: true, statusCode: 429 });
    expect(early.error?.message).toContain('A rate_limit_exceeded happened.');

    server.enqueue({ type: 'raw', writes: [chunkEvent({ content: 'Begun' }), errorEvent('server_error')] });
    const late = await collect(model);
    expect(late.text).toBe('Begun');
    expect(late.error).toMatchObject({ kind: 'upstream', retryable: false });
    expect(late.error?.message).toBe('openai:test: A server_error happened.');
  });

  it("puts the provider's error message in the error", async () => {
    server.enqueue({ type: 'rate-limited' });
    const { error } = await collect(model);
    expect(error?.message).toMatch(/^openai:test: Rate limit reached for gpt-4o-mini/);
    expect(error?.retryAfterMs).toBeUndefined();
  });

  it('reports an error page that is not JSON by its status', async () => {
    server.enqueue({
      type: 'raw',
      status: 502,
      contentType: 'text/html',
      writes: ['<html>Bad gateway</html>'],
    });
    const { error } = await collect(model);
    expect(error).toMatchObject({ kind: 'upstream', retryable: true, statusCode: 502 });
    expect(error?.message).toBe('openai:test: Bad Gateway');
  });

  it('reports a refused connection as a retryable upstream failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { error } = await collect(directModel({ baseUrl: `http://127.0.0.1:${port}/v1` }));
    expect(error).toMatchObject({ kind: 'upstream', retryable: true });
    expect(error?.message).toMatch(/ECONNREFUSED/);
  });

  describe('whole replies', () => {
    const whole = (body: unknown, status = 200) => {
      server.enqueue({
        type: 'raw',
        status,
        writes: [typeof body === 'string' ? body : JSON.stringify(body)],
      });
      return collectWith(model, { delivery: 'whole', signal: new AbortController().signal });
    };

    it.each([
      [500, 'upstream', true],
      [503, 'upstream', true],
      [408, 'upstream', true],
      [401, 'client', false],
      [404, 'client', false],
    ])('maps status %i to %s (retryable: %s), with the message', async (status, kind, retryable) => {
      const { error, parts } = await whole({ error: { message: `Status ${status} said so.` } }, status);
      expect(parts).toEqual([]);
      expect(error).toMatchObject({ kind, retryable, statusCode: status });
      expect(error?.message).toBe(`openai:test: Status ${status} said so.`);
    });

    it("reads Cerebras' error body, whose message is at the top", async () => {
      const { error } = await whole(
        { message: 'Wrong API key', type: 'invalid_request_error', param: 'api_key', code: 'wrong_api_key' },
        401,
      );
      expect(error?.message).toBe('openai:test: Wrong API key');
    });

    it('throws on a reply that is not JSON, has no choices, or has no finish reason', async () => {
      expect((await whole('{"choices": [')).error).toMatchObject({
        kind: 'invalid-response',
        retryable: false,
      });
      expect((await whole({ choices: [] })).error?.message).toMatch(/did not contain any choices/);
      const unfinished = {
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hm' }, finish_reason: null }],
      };
      expect((await whole(unfinished)).error?.message).toMatch(/without a finish reason/);
    });

    it('gives only the finish when the reply has no text, and no usage when none is given', async () => {
      const { parts } = await whole({
        choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'length' }],
      });
      expect(parts).toEqual([{ type: 'finish', finishReason: 'length', usage: null, model: 'openai:test' }]);
    });
  });
});
