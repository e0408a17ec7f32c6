import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCaiHarness, type CaiHarness, type Connection } from '../../../test/support/cai-harness.ts';

// Doc 000's voice-agent flow control: INTERRUPTED (barge-in), SENTENCE_COMPLETED, pace "sentence".

type Wire = Record<string, unknown>;

let harness: CaiHarness;

beforeEach(async () => {
  harness = await createCaiHarness();
});

afterEach(async () => {
  await harness.close();
});

const ofRequest = (connection: Connection, requestId: string) =>
  (connection.socket.sent as Wire[]).filter((message) => message['requestId'] === requestId);

const chunkText = (messages: Wire[]) =>
  messages
    .filter((message) => message['type'] === 'COMPLETION_CHUNK')
    .map((message) => message['text'])
    .join('');

const ended = (connection: Connection, requestId: string) =>
  connection.socket.waitFor(
    (message) => message['type'] === 'COMPLETION_ENDED' && message['requestId'] === requestId,
  );

const sentence = (connection: Connection, requestId: string, index: number) =>
  connection.socket.waitFor(
    (message) =>
      message['type'] === 'SENTENCE' && message['requestId'] === requestId && message['index'] === index,
  );

async function storedReply(conversationId: string) {
  await harness.activeTurns.whenIdle();
  const page = await harness.store.listMessages({ tenantId: harness.tenantId }, conversationId, {
    offset: 0,
    limit: 10,
    order: 'asc',
  });
  return page.items.find((message) => message.role === 'assistant');
}

describe('INTERRUPTED', () => {
  it('aborts the model call at once and stores only the acknowledged sentences', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Tell me' } });
    const call = await harness.model.call(0);
    call.text('First one. ', 'Second one. ', 'Third');
    await sentence(connection, 'r', 1);
    connection.send({ type: 'SENTENCE_COMPLETED', requestId: 'r', index: 0 });
    connection.send({ type: 'INTERRUPTED', requestId: 'r' });

    const end = await ended(connection, 'r');
    expect(call.aborted).toBe(true);
    expect(end).toMatchObject({ finishReason: 'interrupted', text: 'First one. Second one. Third' });
    expect(chunkText(ofRequest(connection, 'r'))).toBe(end['text']);
    expect(await storedReply(connection.conversationId)).toMatchObject({
      content: 'First one.',
      status: 'interrupted',
    });
  });

  it('stores what was sent when nothing was acknowledged', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Tell me' } });
    const call = await harness.model.call(0);
    call.text('Half a ');
    await connection.socket.waitFor((message) => message['type'] === 'COMPLETION_CHUNK');
    connection.send({ type: 'INTERRUPTED', requestId: 'r' });
    await ended(connection, 'r');
    expect(await storedReply(connection.conversationId)).toMatchObject({
      content: 'Half a ',
      status: 'interrupted',
    });
  });

  it('without a requestId interrupts every running request, and the requestIds are free again', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'a', payload: { prompt: 'One' } });
    connection.send({ type: 'COMPLETION', requestId: 'b', payload: { prompt: 'Two' } });
    const calls = await Promise.all([harness.model.call(0), harness.model.call(1)]);
    connection.send({ type: 'INTERRUPTED' });
    const ends = await Promise.all([ended(connection, 'a'), ended(connection, 'b')]);
    expect(ends.map((end) => end['finishReason'])).toEqual(['interrupted', 'interrupted']);
    expect(calls.every((call) => call.aborted)).toBe(true);
    expect(connection.session.busy).toBe(false);
    connection.send({ type: 'INTERRUPTED', requestId: 'a' });
    expect(connection.socket.sent.at(-1)).toMatchObject({
      type: 'ERROR',
      code: 'INVALID_REQUEST',
      requestId: 'a',
    });
  });
});

describe('pace "sentence"', () => {
  it('sends the first sentence, then one more per AWAIT_MORE, and ends only after all were released', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'p', payload: { prompt: 'Speak', pace: 'sentence' } });
    const call = await harness.model.call(0);
    call.text('One is ', 'here. Two is', ' here. Three', ' is here.');
    call.finish();
    await sentence(connection, 'p', 0);
    // The model finished while the rest is held.
    await harness.activeTurns.whenIdle();
    let messages = ofRequest(connection, 'p');
    expect(messages.map((message) => message['type'])).toEqual([
      'COMPLETION_STARTED',
      'COMPLETION_CHUNK',
      'COMPLETION_CHUNK',
      'SENTENCE',
    ]);
    expect(chunkText(messages)).toBe('One is here.');
    expect(connection.session.busy).toBe(true);

    connection.send({ type: 'AWAIT_MORE', requestId: 'p' });
    messages = ofRequest(connection, 'p');
    expect(messages.at(-1)).toMatchObject({ type: 'SENTENCE', index: 1, text: 'Two is here.' });
    expect(chunkText(messages)).toBe('One is here. Two is here.');
    expect(connection.socket.ofType('COMPLETION_ENDED')).toHaveLength(0);

    connection.send({ type: 'AWAIT_MORE', requestId: 'p' });
    const end = await ended(connection, 'p');
    messages = ofRequest(connection, 'p');
    expect(messages.slice(-2).map((message) => message['type'])).toEqual(['SENTENCE', 'COMPLETION_ENDED']);
    expect(end).toMatchObject({ finishReason: 'stop', text: 'One is here. Two is here. Three is here.' });
    expect(chunkText(messages)).toBe(end['text']);
    expect(connection.session.busy).toBe(false);
  });

  it('releases a sentence as soon as it completes when AWAIT_MORE came first', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'p', payload: { prompt: 'Speak', pace: 'sentence' } });
    const call = await harness.model.call(0);
    call.text('Ready. Set');
    await sentence(connection, 'p', 0);
    connection.send({ type: 'AWAIT_MORE', requestId: 'p' });
    call.text('. Go');
    await sentence(connection, 'p', 1);
    expect(chunkText(ofRequest(connection, 'p'))).toBe('Ready. Set.');
    call.finish();
    connection.send({ type: 'AWAIT_MORE', requestId: 'p' });
    const end = await ended(connection, 'p');
    expect(end['text']).toBe('Ready. Set. Go');
  });

  it('on INTERRUPTED counts what was released as sent: the rest is neither sent nor stored', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'p', payload: { prompt: 'Speak', pace: 'sentence' } });
    const call = await harness.model.call(0);
    call.text('Alpha here. Beta here. Gamma here. Delta');
    await sentence(connection, 'p', 0);
    connection.send({ type: 'AWAIT_MORE', requestId: 'p' });
    await sentence(connection, 'p', 1);
    connection.send({ type: 'INTERRUPTED', requestId: 'p' });
    const end = await ended(connection, 'p');
    expect(call.aborted).toBe(true);
    expect(end).toMatchObject({ finishReason: 'interrupted', text: 'Alpha here. Beta here.' });
    expect(chunkText(ofRequest(connection, 'p'))).toBe('Alpha here. Beta here.');
    expect(await storedReply(connection.conversationId)).toMatchObject({
      content: 'Alpha here. Beta here.',
      status: 'interrupted',
    });
  });

  it('on INTERRUPTED keeps to the acknowledged sentences when there are some', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'p', payload: { prompt: 'Speak', pace: 'sentence' } });
    const call = await harness.model.call(0);
    call.text('Alpha here. Beta here. Gamma');
    await sentence(connection, 'p', 0);
    connection.send({ type: 'AWAIT_MORE', requestId: 'p' });
    connection.send({ type: 'SENTENCE_COMPLETED', requestId: 'p', index: 0 });
    connection.send({ type: 'INTERRUPTED', requestId: 'p' });
    await ended(connection, 'p');
    expect(await storedReply(connection.conversationId)).toMatchObject({ content: 'Alpha here.' });
  });

  it('ends at once on INTERRUPTED when the model had finished and sentences were still held', async () => {
    const connection = harness.connect();
    connection.send({ type: 'COMPLETION', requestId: 'p', payload: { prompt: 'Speak', pace: 'sentence' } });
    const call = await harness.model.call(0);
    call.text('Alpha here. Beta here.');
    call.finish();
    await sentence(connection, 'p', 0);
    await harness.activeTurns.whenIdle();
    connection.send({ type: 'INTERRUPTED', requestId: 'p' });
    const end = await ended(connection, 'p');
    expect(end).toMatchObject({ finishReason: 'interrupted', text: 'Alpha here.' });
    expect(connection.socket.ofType('SENTENCE')).toHaveLength(1);
  });
});
