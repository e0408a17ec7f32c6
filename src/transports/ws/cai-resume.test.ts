import { afterEach, describe, expect, it } from 'vitest';
import { createCaiHarness, type CaiHarness, type Connection } from '../../../test/support/cai-harness.ts';

// Resumable streams (issue 3): a client that lost its socket mid-reply reconnects, sends RESUME
// with the last seq it saw, and gets each missed message exactly once, then the rest live.

type Wire = Record<string, unknown>;

let harness: CaiHarness;

afterEach(async () => {
  await harness.close();
});

const ended = (connection: Connection, requestId: string) =>
  connection.socket.waitFor(
    (message) => message['type'] === 'COMPLETION_ENDED' && message['requestId'] === requestId,
  );

const sequenced = (connection: Connection) =>
  (connection.socket.sent as Wire[]).filter((message) => message['seq'] !== undefined);

describe('RESUME', () => {
  it('replays exactly the missed messages once, in order, then the rest live', async () => {
    harness = await createCaiHarness();
    const first = harness.connect();
    first.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Long answer please' } });
    const call = await harness.model.call(0);
    call.text('Part one. ', 'Part two');
    await first.socket.waitFor((message) => message['type'] === 'SENTENCE');
    // The client saw up to COMPLETION_STARTED and the first chunk only (the rest was in flight).
    const lastSeen = 2;
    first.drop();
    call.text('. Part three');

    const second = harness.connect();
    second.send({ type: 'RESUME', connectionId: first.connectionId, lastSeq: lastSeen });
    const resumed = second.socket.sent[1] as Wire;
    expect(resumed).toMatchObject({
      type: 'RESUMED',
      connectionId: first.connectionId,
      conversationId: first.conversationId,
    });
    expect(resumed['seq']).toBeUndefined();
    const replayed = sequenced(second);
    expect(replayed.length).toBe(resumed['replayed']);
    expect(replayed.map((message) => message['seq'])).toEqual(
      replayed.map((_, index) => lastSeen + 1 + index),
    );

    call.text('. The end.');
    call.finish();
    const end = await ended(second, 'r');
    const all = sequenced(second);
    expect(all.map((message) => message['seq'])).toEqual(all.map((_, index) => lastSeen + 1 + index));
    // What the client saw before the drop plus what the new socket carried is the whole reply, once.
    const seenBefore = (first.socket.sent as Wire[]).filter(
      (message) => typeof message['seq'] === 'number' && (message['seq'] as number) <= lastSeen,
    );
    const chunks = [...seenBefore, ...all]
      .filter((message) => message['type'] === 'COMPLETION_CHUNK')
      .map((message) => message['text'])
      .join('');
    expect(chunks).toBe(end['text']);
    expect(end['text']).toBe('Part one. Part two. Part three. The end.');
    expect(second.session.busy).toBe(false);
  });

  it('keeps generating while no socket is attached', async () => {
    harness = await createCaiHarness();
    const first = harness.connect();
    first.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Go on' } });
    const call = await harness.model.call(0);
    await first.socket.waitFor((message) => message['type'] === 'COMPLETION_STARTED');
    first.drop();
    call.text('Nobody is listening. ', 'Still going.');
    call.finish();
    await harness.activeTurns.whenIdle();
    expect(call.aborted).toBe(false);

    const second = harness.connect();
    second.send({ type: 'RESUME', connectionId: first.connectionId, lastSeq: 1 });
    const end = await ended(second, 'r');
    expect(end).toMatchObject({ finishReason: 'stop', text: 'Nobody is listening. Still going.' });
  });

  it('fails with RESUME_FAILED for an unknown session, and the connection goes on as a fresh one', async () => {
    harness = await createCaiHarness();
    const connection = harness.connect();
    connection.send({ type: 'RESUME', connectionId: 'no-such-connection', lastSeq: 0 });
    expect(connection.socket.sent[1]).toMatchObject({ type: 'ERROR', code: 'RESUME_FAILED' });
    expect((connection.socket.sent[1] as Wire)['message']).toContain('REST');
    connection.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Hello' } });
    (await harness.model.call(0)).text('Fresh.').finish();
    const started = await connection.socket.waitFor((message) => message['type'] === 'COMPLETION_STARTED');
    expect(started['conversationId']).toBe(connection.conversationId);
    await ended(connection, 'r');
  });

  it("fails for another tenant's session, a lastSeq no longer kept, or after the connection was used", async () => {
    harness = await createCaiHarness();
    const first = harness.connect();
    first.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Hello' } });
    (await harness.model.call(0)).text('Done.').finish();
    await ended(first, 'r');
    first.drop();

    const stranger = harness.connect({ kind: 'api-key', tenantId: 'another-tenant' });
    stranger.send({ type: 'RESUME', connectionId: first.connectionId, lastSeq: 0 });
    expect(stranger.socket.sent.at(-1)).toMatchObject({ code: 'RESUME_FAILED' });

    const ahead = harness.connect();
    ahead.send({ type: 'RESUME', connectionId: first.connectionId, lastSeq: 99 });
    expect(ahead.socket.sent.at(-1)).toMatchObject({ code: 'RESUME_FAILED' });

    const used = harness.connect();
    used.send({ type: 'COMPLETION', requestId: 'x', payload: { prompt: 'Hi' } });
    used.send({ type: 'RESUME', connectionId: first.connectionId, lastSeq: 0 });
    expect(used.socket.ofType('ERROR').at(-1)).toMatchObject({ code: 'RESUME_FAILED' });

    // The failed attempts left the session resumable for its owner.
    const owner = harness.connect();
    owner.send({ type: 'RESUME', connectionId: first.connectionId, lastSeq: 0 });
    expect(owner.socket.sent[1]).toMatchObject({ type: 'RESUMED', replayed: 4 });
  });

  it('takes a session over from a socket that is still open (half-open TCP), closing it with 1000', async () => {
    harness = await createCaiHarness();
    const first = harness.connect();
    first.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Hello' } });
    const call = await harness.model.call(0);
    call.text('Some ');
    await first.socket.waitFor((message) => message['type'] === 'COMPLETION_CHUNK');

    const second = harness.connect();
    second.send({ type: 'RESUME', connectionId: first.connectionId, lastSeq: 1 });
    expect(second.socket.sent[1]).toMatchObject({ type: 'RESUMED', replayed: 1 });
    expect(first.socket.closed?.code).toBe(1000);
    first.session.onClose(1000); // the layer reports the close; the session must stay with `second`
    expect(second.session.busy).toBe(true);
    expect(first.session.busy).toBe(false);

    call.text('more.').finish();
    const end = await ended(second, 'r');
    expect(end['text']).toBe('Some more.');
    expect(first.socket.ofType('COMPLETION_ENDED')).toHaveLength(0);
  });

  it('interrupts running replies when the grace period ends without a resume', async () => {
    harness = await createCaiHarness({ environment: { RESUME_GRACE_MS: '0' } });
    const first = harness.connect();
    first.send({ type: 'COMPLETION', requestId: 'r', payload: { prompt: 'Hello' } });
    const call = await harness.model.call(0);
    call.text('Unheard ');
    await first.socket.waitFor((message) => message['type'] === 'COMPLETION_CHUNK');
    first.drop();
    await harness.activeTurns.whenIdle();
    expect(call.aborted).toBe(true);
    const page = await harness.store.listMessages({ tenantId: harness.tenantId }, first.conversationId, {
      offset: 0,
      limit: 10,
      order: 'asc',
    });
    expect(page.items.at(-1)).toMatchObject({
      role: 'assistant',
      status: 'interrupted',
      content: 'Unheard ',
    });

    const late = harness.connect();
    late.send({ type: 'RESUME', connectionId: first.connectionId, lastSeq: 2 });
    expect(late.socket.sent.at(-1)).toMatchObject({ code: 'RESUME_FAILED' });
  });
});
