import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCaiHarness, scriptedModel, type CaiHarness } from '../../../test/support/cai-harness.ts';
import { FakeProtocolSocket } from '../../../test/support/fake-protocol-socket.ts';
import { AppError } from '../../core/errors.ts';

type Wire = Record<string, unknown>;

let harness: CaiHarness;

beforeEach(async () => {
  harness = await createCaiHarness();
});

afterEach(async () => {
  await harness.close();
});

const ofRequest = (socket: FakeProtocolSocket, requestId: string) =>
  (socket.sent as Wire[]).filter((message) => message['requestId'] === requestId);

const chunkText = (messages: Wire[]) =>
  messages
    .filter((message) => message['type'] === 'COMPLETION_CHUNK')
    .map((message) => message['text'])
    .join('');

const ended = (socket: FakeProtocolSocket, requestId: string) =>
  socket.waitFor((message) => message['type'] === 'COMPLETION_ENDED' && message['requestId'] === requestId);

describe('admission', () => {
  it('accepts the tenant key in the query with its own orgId', async () => {
    const admission = await harness.protocol.admit(
      harness.upgrade(`?authorization=Bearer%20${harness.apiKey}&orgId=${harness.tenantId}`),
    );
    expect(admission).toMatchObject({
      accepted: true,
      principal: { tenantId: harness.tenantId, kind: 'api-key' },
    });
  });

  it('accepts the other credential forms: a header, ?api_key= and a JWT', async () => {
    const header = await harness.protocol.admit({
      ...harness.upgrade(`?orgId=${harness.tenantId}`),
      headers: { authorization: `Bearer ${harness.apiKey}` },
    });
    expect(header.accepted).toBe(true);
    const apiKeyQuery = await harness.protocol.admit(
      harness.upgrade(`?api_key=${harness.apiKey}&orgId=${harness.tenantId}`),
    );
    expect(apiKeyQuery.accepted).toBe(true);
    const token = await harness.jwtFor('alice');
    const jwt = await harness.protocol.admit(
      harness.upgrade(`?authorization=Bearer%20${token}&orgId=${harness.tenantId}`),
    );
    expect(jwt).toMatchObject({ accepted: true, principal: { kind: 'jwt', userId: 'alice' } });
  });

  it('refuses a bad or missing credential with AUTH_FAILED', async () => {
    for (const query of [
      `?authorization=Bearer%20cai_nope&orgId=${harness.tenantId}`,
      `?orgId=${harness.tenantId}`,
    ]) {
      const admission = await harness.protocol.admit(harness.upgrade(query));
      expect(admission.accepted).toBe(false);
      if (!admission.accepted) expect(admission.error.code).toBe('AUTH_FAILED');
    }
  });

  it('refuses an orgId that is not the credential tenant, or none, with INVALID_ORG', async () => {
    for (const orgId of ['someone-else', '']) {
      const admission = await harness.protocol.admit(
        harness.upgrade(`?authorization=Bearer%20${harness.apiKey}${orgId ? `&orgId=${orgId}` : ''}`),
      );
      expect(admission.accepted).toBe(false);
      if (!admission.accepted) expect(admission.error.code).toBe('INVALID_ORG');
    }
  });

  it('tells a refused client why, then closes 1008 (1013 with retryAfterMs when rate limited)', () => {
    const refused = new FakeProtocolSocket();
    harness.protocol.refuse(refused, new AppError('AUTH_FAILED'));
    expect(refused.sent).toEqual([
      { type: 'ERROR', code: 'AUTH_FAILED', message: 'Invalid or expired authentication credentials.' },
    ]);
    expect(refused.closed?.code).toBe(1008);

    const limited = new FakeProtocolSocket();
    harness.protocol.refuse(limited, new AppError('RATE_LIMITED', { retryAfterMs: 2500 }));
    expect(limited.sent[0]).toMatchObject({ type: 'ERROR', code: 'RATE_LIMITED', retryAfterMs: 2500 });
    expect(limited.closed?.code).toBe(1013);
  });

  it('serves the path / only', () => {
    expect(harness.protocol.match('/')).toEqual({});
    expect(harness.protocol.match('/chat/')).toBeUndefined();
    expect(harness.protocol.match('/ws')).toBeUndefined();
  });
});

describe('a completion', () => {
  it('greets, then streams every message in order, each with the next seq', async () => {
    const connection = harness.connect();
    expect(connection.socket.sent[0]).toEqual({
      type: 'CONNECTED',
      connectionId: connection.connectionId,
      conversationId: connection.conversationId,
    });

    connection.send({ type: 'COMPLETION', requestId: 'r1', payload: { prompt: 'Hello', model: 'default' } });
    const call = await harness.model.call(0);
    call.text('Hi there', '. How can I ', 'help?');
    call.finish();
    await ended(connection.socket, 'r1');

    const messages = connection.socket.sent.slice(1) as Wire[];
    expect(messages.map((message) => [message['type'], message['seq']])).toEqual([
      ['COMPLETION_STARTED', 1],
      ['COMPLETION_CHUNK', 2],
      ['COMPLETION_CHUNK', 3],
      ['SENTENCE', 4],
      ['COMPLETION_CHUNK', 5],
      ['SENTENCE', 6],
      ['COMPLETION_ENDED', 7],
    ]);
    expect(messages[0]).toEqual({
      type: 'COMPLETION_STARTED',
      requestId: 'r1',
      conversationId: connection.conversationId,
      seq: 1,
    });
    expect(messages.filter((message) => message['type'] === 'SENTENCE')).toMatchObject([
      { requestId: 'r1', index: 0, text: 'Hi there.' },
      { requestId: 'r1', index: 1, text: 'How can I help?' },
    ]);
    expect(messages.at(-1)).toEqual({
      type: 'COMPLETION_ENDED',
      requestId: 'r1',
      text: 'Hi there. How can I help?',
      finishReason: 'stop',
      usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10 },
      seq: 7,
    });
    expect(chunkText(messages)).toBe('Hi there. How can I help?');
    // "default" is the default model.
    expect(harness.model.requestedNames).toEqual([undefined]);

    const stored = await harness.store.listMessages(
      { tenantId: harness.tenantId },
      connection.conversationId,
      { offset: 0, limit: 10, order: 'asc' },
    );
    expect(stored.items.map((message) => [message.role, message.content, message.status])).toEqual([
      ['user', 'Hello', 'complete'],
      ['assistant', 'Hi there. How can I help?', 'complete'],
    ]);
  });

  it('makes a requestId when the client gives none', async () => {
    harness = await replaceHarness({ resolveModel: () => scriptedModel(['Sure.']) });
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', payload: { prompt: 'Hello' } });
    const end = await connection.socket.waitFor((message) => message['type'] === 'COMPLETION_ENDED');
    const started = connection.socket.ofType('COMPLETION_STARTED')[0]!;
    expect(typeof started['requestId']).toBe('string');
    expect(end['requestId']).toBe(started['requestId']);
  });

  it('continues another conversation of the same tenant, and answers one out of scope as not found', async () => {
    harness = await replaceHarness({ resolveModel: () => scriptedModel(['Again.']) });
    const earlier = await harness.store.createConversation({ tenantId: harness.tenantId }, { userId: null });
    const connection = harness.connect();
    connection.send({
      type: 'COMPLETION',
      requestId: 'a',
      payload: { prompt: 'Hi', conversationId: earlier.id },
    });
    const started = await connection.socket.waitFor((message) => message['type'] === 'COMPLETION_STARTED');
    expect(started['conversationId']).toBe(earlier.id);
    await ended(connection.socket, 'a');

    const other = await harness.store.createTenant({ name: 'other' });
    const foreign = await harness.store.createConversation({ tenantId: other.id }, { userId: null });
    connection.send({
      type: 'COMPLETION',
      requestId: 'b',
      payload: { prompt: 'Hi', conversationId: foreign.id },
    });
    const error = await connection.socket.waitFor((message) => message['type'] === 'ERROR');
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', requestId: 'b' });
    expect(error['message']).toContain('not found');
    expect(connection.socket.isOpen).toBe(true);
  });

  it('reports engine refusals with INVALID_REQUEST, the engine message and the requestId', async () => {
    harness = await replaceHarness({
      resolveModel: (name) => {
        throw new AppError('PROVIDER_NOT_CONFIGURED', {
          message: `Provider of ${name} is not configured; configured: test.`,
        });
      },
    });
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'x', payload: { prompt: 'Hi', model: 'nope:model' } });
    const error = await connection.socket.waitFor((message) => message['type'] === 'ERROR');
    expect(error).toMatchObject({
      code: 'INVALID_REQUEST',
      requestId: 'x',
      message: 'Provider of nope:model is not configured; configured: test.',
    });
    connection.send({ type: 'COMPLETION', requestId: 'y', payload: { prompt: 'x'.repeat(2000) } });
    const tooLarge = await connection.socket.waitFor(
      (message) => message['type'] === 'ERROR' && message['requestId'] === 'y',
    );
    expect(tooLarge['code']).toBe('INVALID_REQUEST');
    expect(tooLarge['message']).toContain('1000 characters');
  });

  it('ends with ERROR MODEL_ERROR then COMPLETION_ENDED error when the model fails mid-reply', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Hi' } });
    const call = await harness.model.call(0);
    call.text('Partial ');
    call.fail('The provider dropped the stream.');
    const end = await ended(connection.socket, 'r');
    const messages = ofRequest(connection.socket, 'r');
    expect(messages.slice(-2).map((message) => message['type'])).toEqual(['ERROR', 'COMPLETION_ENDED']);
    expect(messages.at(-2)).toMatchObject({
      code: 'MODEL_ERROR',
      message: 'The provider dropped the stream.',
    });
    expect(end).toMatchObject({ finishReason: 'error', text: 'Partial ' });
  });

  it('runs several requests at once, told apart by requestId', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'a', payload: { prompt: 'First' } });
    connection.send({ type: 'COMPLETION', requestId: 'b', payload: { prompt: 'Second' } });
    const [first, second] = await Promise.all([harness.model.call(0), harness.model.call(1)]);
    const callFor = (prompt: string) =>
      [first, second].find((call) => call.request.messages.at(-1)?.content === prompt)!;
    callFor('Second').text('Bee ');
    callFor('First').text('Ay ');
    callFor('Second').text('two.');
    callFor('Second').finish();
    await ended(connection.socket, 'b');
    expect(connection.session.busy).toBe(true);
    callFor('First').text('one.');
    callFor('First').finish();
    await ended(connection.socket, 'a');
    expect(connection.session.busy).toBe(false);

    expect(chunkText(ofRequest(connection.socket, 'a'))).toBe('Ay one.');
    expect(chunkText(ofRequest(connection.socket, 'b'))).toBe('Bee two.');
    expect(ofRequest(connection.socket, 'a').at(-1)).toMatchObject({ text: 'Ay one.', finishReason: 'stop' });
    const seqs = (connection.socket.sent.slice(1) as Wire[]).map((message) => message['seq']);
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  });

  it('refuses a requestId that is still running, and accepts it again once ended', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'same', payload: { prompt: 'One' } });
    connection.send({ type: 'COMPLETION', requestId: 'same', payload: { prompt: 'Two' } });
    const error = await connection.socket.waitFor((message) => message['type'] === 'ERROR');
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', requestId: 'same' });
    expect(error['seq']).toBeUndefined();
    (await harness.model.call(0)).finish();
    await ended(connection.socket, 'same');
    connection.send({ type: 'COMPLETION', requestId: 'same', payload: { prompt: 'Three' } });
    (await harness.model.call(1)).text('Fine.').finish();
    await connection.socket.waitFor(
      (message) => message['type'] === 'COMPLETION_ENDED' && message['text'] === 'Fine.',
    );
    expect(harness.model.calls).toHaveLength(2);
  });

  it('creates the conversation for a JWT user under that user', async () => {
    const token = await harness.jwtFor('bob');
    const admission = await harness.protocol.admit(
      harness.upgrade(`?authorization=Bearer%20${token}&orgId=${harness.tenantId}`),
    );
    if (!admission.accepted || admission.principal === null) throw new Error('expected admission');
    const connection = harness.connect(admission.principal);
    connection.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Hi' } });
    (await harness.model.call(0)).text('Hello Bob.').finish();
    await ended(connection.socket, 'r');
    const conversation = await harness.store.getConversation(
      { tenantId: harness.tenantId, userId: 'bob' },
      connection.conversationId,
    );
    expect(conversation?.userId).toBe('bob');
  });

  it('counts streams, tokens and turns', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Hi' } });
    const call = await harness.model.call(0);
    call.text('One. ', 'Two.');
    await connection.socket.waitFor((message) => message['type'] === 'SENTENCE');
    expect((await harness.metrics.activeStreams.get()).values[0]?.value).toBe(1);
    call.finish();
    await ended(connection.socket, 'r');
    await harness.activeTurns.whenIdle();
    expect((await harness.metrics.activeStreams.get()).values[0]?.value).toBe(0);
    expect((await harness.metrics.streamedTokens.get()).values[0]?.value).toBe(2);
    const turns = (await harness.metrics.turns.get()).values;
    expect(turns).toEqual([expect.objectContaining({ labels: { finish_reason: 'stop' }, value: 1 })]);
  });
});

describe('bad input', () => {
  it('answers each bad frame with INVALID_REQUEST saying what is wrong, and stays open', () => {
    const connection = harness.connect();
    connection.send('not json');
    connection.session.onBinary(Buffer.from([1, 2, 3]));
    connection.send({ type: 'SHOUT', requestId: 'q' });
    connection.send({ type: 'COMPLETION', requestId: 'm', payload: {} });
    connection.send({ type: 'SENTENCE_COMPLETED', requestId: 'm' });
    connection.send([1, 2]);
    connection.send({ payload: {} });
    const errors = connection.socket.ofType('ERROR');
    expect(errors.map((error) => error['code'])).toEqual(Array(7).fill('INVALID_REQUEST'));
    expect(errors[0]!['message']).toContain('not valid JSON');
    expect(errors[1]!['message']).toContain('Binary frames');
    expect(errors[2]).toMatchObject({ requestId: 'q' });
    expect(errors[2]!['message']).toContain('"SHOUT"');
    expect(errors[3]).toMatchObject({ requestId: 'm' });
    expect(errors[3]!['message']).toContain('Missing field "payload.prompt"');
    expect(errors[4]!['message']).toContain('Missing field "index"');
    expect(errors[6]!['message']).toContain('Missing field "type"');
    expect(errors.every((error) => error['seq'] === undefined)).toBe(true);
    expect(connection.socket.isOpen).toBe(true);
  });

  it('answers a requestId that does not exist with INVALID_REQUEST naming it', () => {
    const connection = harness.connect();
    connection.send({ type: 'INTERRUPTED', requestId: 'ghost' });
    connection.send({ type: 'SENTENCE_COMPLETED', requestId: 'ghost', index: 0 });
    connection.send({ type: 'AWAIT_MORE', requestId: 'ghost' });
    const errors = connection.socket.ofType('ERROR');
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(error).toMatchObject({ code: 'INVALID_REQUEST', requestId: 'ghost' });
      expect(error['message']).toContain('"ghost"');
    }
    expect(connection.socket.isOpen).toBe(true);
  });

  it('reports a layer refusal as RATE_LIMITED with retryAfterMs', () => {
    const connection = harness.connect();
    connection.session.onRefused(new AppError('RATE_LIMITED', { retryAfterMs: 800 }));
    expect(connection.socket.ofType('ERROR')).toEqual([
      {
        type: 'ERROR',
        code: 'RATE_LIMITED',
        message: 'Too many requests, retry after backoff.',
        retryAfterMs: 800,
      },
    ]);
  });

  it('answers PING with PONG', () => {
    const connection = harness.connect();
    connection.send({ type: 'PING' });
    expect(connection.socket.sent.at(-1)).toEqual({ type: 'PONG' });
  });
});

async function replaceHarness(options: Parameters<typeof createCaiHarness>[0]): Promise<CaiHarness> {
  await harness.close();
  return createCaiHarness(options);
}
