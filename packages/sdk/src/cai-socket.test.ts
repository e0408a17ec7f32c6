import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineReply } from '../../../src/models/offline-chat-model.ts';
import { startTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { CaiSocket, type CaiSocketOptions } from './cai-socket.ts';
import type { CompletionEvent } from './completion.ts';
import { AuthError, ResumeFailedError } from './errors.ts';
import { trackedWebSocket } from './tracked-websocket.test-support.ts';

// Doc 000 over real sockets against a real cai server (offline model, a small pause per word so a
// reply is still streaming when the test acts on it).

const expectedReply = (prompt: string) => offlineReply([{ role: 'user', content: prompt }]);

async function collect(completion: AsyncIterable<CompletionEvent>): Promise<CompletionEvent[]> {
  const events: CompletionEvent[] = [];
  for await (const event of completion) events.push(event);
  return events;
}

describe('CaiSocket (doc 000)', () => {
  let server: TestApp;
  let options: CaiSocketOptions;
  const opened: CaiSocket[] = [];

  const connect = async (extra: Partial<CaiSocketOptions> = {}) => {
    const socket = new CaiSocket({ ...options, ...extra });
    opened.push(socket);
    await socket.connect();
    return socket;
  };

  beforeAll(async () => {
    server = await startTestApp({ OFFLINE_MODEL_TOKEN_DELAY_MS: '15' });
    const tenant = await server.createTenant('sdk-cai');
    options = { url: server.baseUrl, apiKey: tenant.apiKey, orgId: tenant.tenantId };
  });
  afterAll(async () => {
    for (const socket of opened) socket.close();
    await server.close();
  });

  it('streams a completion whose chunks add up to its text', async () => {
    const socket = await connect();
    expect(socket.connectionId).toEqual(expect.any(String));
    expect(socket.conversationId).toEqual(expect.any(String));
    const completion = socket.complete('Hello there');
    const events = await collect(completion);
    const result = await completion.result;
    const chunks = events.flatMap((event) => (event.type === 'chunk' ? [event.text] : []));
    expect(chunks.join('')).toBe(expectedReply('Hello there'));
    expect(result).toMatchObject({ text: expectedReply('Hello there'), finishReason: 'stop' });
    expect(result.conversationId).toBe(socket.conversationId);
    const sentences = events.flatMap((event) => (event.type === 'sentence' ? [event.index] : []));
    expect(sentences).toEqual([...sentences.keys()]);
    expect(sentences.length).toBeGreaterThan(1);
  });

  it('runs several completions at once on one socket, each with its own text', async () => {
    const socket = await connect();
    const prompts = ['first', 'second', 'third'];
    const completions = prompts.map((prompt) => socket.complete(prompt, { conversationId: undefined }));
    expect(socket.inFlight).toBe(3);
    const texts = await Promise.all(completions.map((completion) => completion.text));
    expect(texts).toEqual(prompts.map(expectedReply));
    expect(socket.inFlight).toBe(0);
  });

  it('refuses a bad key with AuthError AUTH_FAILED and a wrong org with INVALID_ORG', async () => {
    const badKey = await connect({ apiKey: 'cai_not_a_real_key_000000000000' }).catch(
      (error: unknown) => error,
    );
    expect(badKey).toBeInstanceOf(AuthError);
    expect(badKey).toMatchObject({ code: 'AUTH_FAILED' });
    const otherTenant = await server.createTenant('other');
    const wrongOrg = await connect({ orgId: otherTenant.tenantId }).catch((error: unknown) => error);
    expect(wrongOrg).toBeInstanceOf(AuthError);
    expect(wrongOrg).toMatchObject({ code: 'INVALID_ORG' });
  });

  it('interrupts a completion: it ends "interrupted" with less than the whole reply', async () => {
    const socket = await connect();
    const completion = socket.complete('Please stop me');
    for await (const event of completion) {
      if (event.type === 'chunk') {
        completion.interrupt();
        break;
      }
    }
    const result = await completion.result;
    expect(result.finishReason).toBe('interrupted');
    expect(expectedReply('Please stop me').startsWith(result.text)).toBe(true);
    expect(result.text.length).toBeLessThan(expectedReply('Please stop me').length);
  });

  it('paces by sentence: one sentence, then one more per more()', async () => {
    const socket = await connect();
    const completion = socket.complete('Pace me', { pace: 'sentence' });
    const sentences: string[] = [];
    for await (const event of completion) {
      if (event.type !== 'sentence') continue;
      sentences.push(event.text);
      completion.acknowledge(event.index);
      completion.more();
    }
    const result = await completion.result;
    expect(result.finishReason).toBe('stop');
    expect(sentences.join(' ')).toBe(expectedReply('Pace me'));
  });

  it('resumes after its socket is cut mid-completion: the text arrives whole, each chunk once', async () => {
    const tracked = trackedWebSocket();
    const socket = await connect({ WebSocket: tracked.WebSocket, reconnect: { baseDelayMs: 50 } });
    const connectionId = socket.connectionId;
    const reconnecting: number[] = [];
    const resumed: number[] = [];
    socket.on('reconnecting', (event) => reconnecting.push(event.attempt));
    socket.on('resumed', (event) => resumed.push(event.replayed));

    const prompt = 'Survive a cut connection';
    const completion = socket.complete(prompt);
    const chunks: string[] = [];
    let cut = false;
    for await (const event of completion) {
      if (event.type !== 'chunk') continue;
      chunks.push(event.text);
      if (chunks.length === 3 && !cut) {
        cut = true;
        tracked.cut();
      }
    }
    const result = await completion.result;
    expect(cut).toBe(true);
    expect(chunks.join('')).toBe(expectedReply(prompt));
    expect(result).toMatchObject({ text: expectedReply(prompt), finishReason: 'stop' });
    expect(reconnecting).toEqual([1]);
    expect(resumed).toHaveLength(1);
    expect(tracked.sockets).toHaveLength(2);
    expect(socket.connectionId).toBe(connectionId);

    // The resumed session goes on as before.
    expect(await socket.complete('After the cut').text).toBe(expectedReply('After the cut'));
  });
});

describe('CaiSocket when the session cannot be resumed', () => {
  let server: TestApp;
  let socket: CaiSocket | undefined;

  beforeAll(async () => {
    // No grace period: a session whose socket is gone is given up at once.
    server = await startTestApp({ OFFLINE_MODEL_TOKEN_DELAY_MS: '15', RESUME_GRACE_MS: '0' });
  });
  afterAll(async () => {
    socket?.close();
    await server.close();
  });

  it('fails the completion in flight with ResumeFailedError and carries on as a fresh session', async () => {
    const tenant = await server.createTenant('sdk-cai-expired');
    const tracked = trackedWebSocket();
    socket = new CaiSocket({
      url: server.baseUrl,
      apiKey: tenant.apiKey,
      orgId: tenant.tenantId,
      WebSocket: tracked.WebSocket,
      // Long enough for the server to have given the session up before the resume arrives.
      reconnect: { baseDelayMs: 1000, random: () => 0.99 },
    });
    await socket.connect();
    const firstId = socket.connectionId;
    const failed: string[] = [];
    socket.on('resume-failed', (event) => failed.push(event.error.code));

    const completion = socket.complete('Lost in transit');
    await completion.started;
    tracked.cut();
    const error = await completion.result.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ResumeFailedError);
    expect(failed).toEqual(['RESUME_FAILED']);
    expect(socket.connectionId).not.toBe(firstId);
    expect(await socket.complete('Fresh start').text).toBe(expectedReply('Fresh start'));
  });
});
