import { describe, expect, it } from 'vitest';
import { FakeProtocolSocket } from '../../../test/support/fake-protocol-socket.ts';
import { ResumableOutbox } from './resumable-outbox.ts';

function outbox(options: { retainMs?: number; maxRetained?: number } = {}) {
  let now = 1_000;
  const box = new ResumableOutbox({
    id: 'connection-1',
    retainMs: options.retainMs ?? 30_000,
    ...(options.maxRetained === undefined ? {} : { maxRetained: options.maxRetained }),
    now: () => now,
  });
  return { box, advance: (ms: number) => (now += ms) };
}

const seqs = (socket: FakeProtocolSocket) => socket.sent.map((message) => (message as { seq?: number }).seq);

describe('the resumable outbox', () => {
  it('stamps 1, 2, 3… on what it sends, and leaves unsequenced messages unstamped', () => {
    const { box } = outbox();
    const socket = new FakeProtocolSocket();
    box.attach(socket);
    expect(box.send({ type: 'a' })).toBe(1);
    box.sendUnsequenced({ type: 'pong' });
    expect(box.send({ type: 'b' })).toBe(2);
    expect(socket.sent).toEqual([{ type: 'a', seq: 1 }, { type: 'pong' }, { type: 'b', seq: 2 }]);
    expect(box.lastSeq).toBe(2);
  });

  it('replays each message after the last seq the client saw exactly once, in order, then goes on live', () => {
    const { box } = outbox();
    const first = new FakeProtocolSocket();
    box.attach(first);
    for (const text of ['a', 'b', 'c', 'd']) box.send({ text });
    first.close(1006);
    const second = new FakeProtocolSocket();
    expect(box.attach(second, 2)).toEqual({ resumed: true, replayed: 2 });
    box.send({ text: 'e' });
    expect(second.sent).toEqual([
      { text: 'c', seq: 3 },
      { text: 'd', seq: 4 },
      { text: 'e', seq: 5 },
    ]);
  });

  it('keeps what is sent while detached, and hands it over on attach', () => {
    const { box } = outbox();
    box.attach(new FakeProtocolSocket());
    box.send({ text: 'a' });
    box.detach();
    expect(box.attached).toBe(false);
    box.send({ text: 'b' });
    box.sendUnsequenced({ type: 'lost' });
    const socket = new FakeProtocolSocket();
    expect(box.attach(socket, 1)).toEqual({ resumed: true, replayed: 1 });
    expect(socket.sent).toEqual([{ text: 'b', seq: 2 }]);
    expect(box.attached).toBe(true);
  });

  it('replays nothing to a client that saw everything', () => {
    const { box } = outbox();
    box.send({ text: 'a' });
    const socket = new FakeProtocolSocket();
    expect(box.attach(socket, 1)).toEqual({ resumed: true, replayed: 0 });
    expect(socket.sent).toEqual([]);
  });

  it('refuses a resume from a seq it has not sent yet', () => {
    const { box } = outbox();
    box.send({ text: 'a' });
    const socket = new FakeProtocolSocket();
    expect(box.attach(socket, 5)).toEqual({ resumed: false, oldestSeq: 1 });
    expect(socket.sent).toEqual([]);
    expect(box.attached).toBe(false);
  });

  it('refuses a resume across a gap of messages no longer kept (by count)', () => {
    const { box } = outbox({ maxRetained: 3 });
    for (let index = 0; index < 5; index += 1) box.send({ index });
    const refused = new FakeProtocolSocket();
    expect(box.attach(refused, 1)).toEqual({ resumed: false, oldestSeq: 3 });
    expect(refused.sent).toEqual([]);
    const resumed = new FakeProtocolSocket();
    expect(box.attach(resumed, 2)).toEqual({ resumed: true, replayed: 3 });
    expect(seqs(resumed)).toEqual([3, 4, 5]);
  });

  it('keeps exactly the newest messages through many rounds of dropping the oldest', () => {
    const { box } = outbox({ maxRetained: 1_000 });
    for (let index = 0; index < 25_000; index += 1) box.send({ index });
    const refused = new FakeProtocolSocket();
    expect(box.attach(refused, 23_999)).toEqual({ resumed: false, oldestSeq: 24_001 });
    const resumed = new FakeProtocolSocket();
    expect(box.attach(resumed, 24_000)).toEqual({ resumed: true, replayed: 1_000 });
    expect(seqs(resumed)[0]).toBe(24_001);
    expect(seqs(resumed).at(-1)).toBe(25_000);
  });

  it('lets messages older than the retention period go', () => {
    const { box, advance } = outbox({ retainMs: 1_000 });
    box.send({ text: 'old' });
    advance(600);
    box.send({ text: 'newer' });
    advance(600);
    const refused = new FakeProtocolSocket();
    expect(box.attach(refused, 0)).toEqual({ resumed: false, oldestSeq: 2 });
    const resumed = new FakeProtocolSocket();
    expect(box.attach(resumed, 1)).toEqual({ resumed: true, replayed: 1 });
    expect(resumed.sent).toEqual([{ text: 'newer', seq: 2 }]);
  });

  it('resumes after everything aged out when the client saw it all', () => {
    const { box, advance } = outbox({ retainMs: 1_000 });
    box.send({ text: 'a' });
    box.send({ text: 'b' });
    advance(5_000);
    expect(box.attach(new FakeProtocolSocket(), 2)).toEqual({ resumed: true, replayed: 0 });
    expect(box.attach(new FakeProtocolSocket(), 1)).toEqual({ resumed: false, oldestSeq: 3 });
  });

  it('attaches a fresh socket after the last message by default, replaying nothing', () => {
    const { box } = outbox();
    box.send({ text: 'a' });
    const socket = new FakeProtocolSocket();
    expect(box.attach(socket)).toEqual({ resumed: true, replayed: 0 });
    box.send({ text: 'b' });
    expect(socket.sent).toEqual([{ text: 'b', seq: 2 }]);
  });

  it('does not count a closed socket as attached', () => {
    const { box } = outbox();
    const socket = new FakeProtocolSocket();
    box.attach(socket);
    socket.close(1000);
    expect(box.attached).toBe(false);
  });
});
