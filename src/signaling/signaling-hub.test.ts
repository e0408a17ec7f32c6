import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '../bus/bus.ts';
import { peerChannel } from '../bus/channels.ts';
import { MemoryBus } from '../bus/memory-bus.ts';
import { RedisBus } from '../bus/redis-bus.ts';
import { isBusUnavailable } from '../bus/bus-unavailable-error.ts';
import { TcpProxy } from '../bus/testing/tcp-proxy.ts';
import {
  deleteKeysUnder,
  eventually,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
  TEST_REDIS_URL,
} from '../bus/testing/redis-test-support.ts';
import type { RelayedFrame } from './signaling-envelope.ts';
import { SignalingHub, type PeerEndpoint } from './signaling-hub.ts';
import { findPeer, listCompanyPeers, signalingStats } from './signaling-presence.ts';

// The hub on the in-process bus (one process) and on Redis (two hubs on two buses: two processes).

const logger = pino({ level: 'silent' });
const runRedis = mustRunRedisTests(await probeRedis());

/** A peer endpoint that records what the hub tells it. */
class RecordingEndpoint implements PeerEndpoint {
  readonly frames: RelayedFrame[] = [];
  replacedCount = 0;
  readonly #waiters: Array<() => void> = [];

  deliver(frame: RelayedFrame): void {
    this.frames.push(frame);
    this.#wake();
  }

  replaced(): void {
    this.replacedCount += 1;
    this.#wake();
  }

  /** Resolves once `count` frames have arrived (counting those before the call). */
  async received(count = 1): Promise<void> {
    while (this.frames.length < count) await this.#next();
  }

  async wasReplaced(): Promise<void> {
    while (this.replacedCount === 0) await this.#next();
  }

  #next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n' };

describe('SignalingHub in one process', () => {
  let bus: MemoryBus;
  let hub: SignalingHub;

  afterEach(async () => {
    await bus?.close();
  });

  function start(options: { activityFlushMs?: number } = {}) {
    bus = new MemoryBus({ logger });
    hub = new SignalingHub({ bus, logger, ...options });
  }

  it('hands a signal to a peer of the same company, naming the sender', async () => {
    start();
    const alice = await hub.join({ companyId: 'acme', peerId: 'alice', endpoint: new RecordingEndpoint() });
    const bobEndpoint = new RecordingEndpoint();
    await hub.join({ companyId: 'acme', peerId: 'bob', endpoint: bobEndpoint });

    expect(await alice.send('bob', { type: 'signal', data: offer })).toBe('sent');
    expect(bobEndpoint.frames).toEqual([{ type: 'signal', from_peer: 'alice', data: offer }]);
  });

  it('answers absent for a peer connected nowhere and for a peer of another company', async () => {
    start();
    const alice = await hub.join({ companyId: 'acme', peerId: 'alice', endpoint: new RecordingEndpoint() });
    const stranger = new RecordingEndpoint();
    await hub.join({ companyId: 'globex', peerId: 'bob', endpoint: stranger });

    expect(await alice.send('carol', { type: 'signal', data: offer })).toBe('absent');
    expect(await alice.send('bob', { type: 'message', data: { content: 'hi' } })).toBe('absent');
    expect(stranger.frames).toEqual([]);
  });

  it('lists a peer while it is joined, and no longer once it has left', async () => {
    start();
    const alice = await hub.join({ companyId: 'acme', peerId: 'alice', endpoint: new RecordingEndpoint() });
    await hub.join({ companyId: 'acme', peerId: 'bob', endpoint: new RecordingEndpoint() });
    expect(await listCompanyPeers(bus.presence, 'acme')).toEqual(['alice', 'bob']);

    await alice.leave();
    expect(await listCompanyPeers(bus.presence, 'acme')).toEqual(['bob']);
    expect((await signalingStats(bus.presence)).peer_details.map((peer) => peer.peer_id)).toEqual(['bob']);
    expect(hub.localPeerCount).toBe(1);
  });

  it('replaces an older connection with the same peer id, and the older one leaving takes nothing away', async () => {
    start();
    const first = new RecordingEndpoint();
    const older = await hub.join({ companyId: 'acme', peerId: 'alice', endpoint: first });
    const second = new RecordingEndpoint();
    const newer = await hub.join({ companyId: 'acme', peerId: 'alice', endpoint: second });
    expect(first.replacedCount).toBe(1);
    expect(second.replacedCount).toBe(0);

    await older.leave();
    expect(await findPeer(bus.presence, { companyId: 'acme', peerId: 'alice' })).toMatchObject({
      membership_id: newer.id,
    });
    const bob = await hub.join({ companyId: 'acme', peerId: 'bob', endpoint: new RecordingEndpoint() });
    expect(await bob.send('alice', { type: 'signal', data: offer })).toBe('sent');
    expect(second.frames).toHaveLength(1);
    expect(first.frames).toHaveLength(0);
  });

  it('reports each peer’s activity in the stats', async () => {
    start({ activityFlushMs: 0 });
    const alice = await hub.join({ companyId: 'acme', peerId: 'alice', endpoint: new RecordingEndpoint() });
    alice.recordActivity();
    alice.recordActivity();
    const stats = await eventually(
      () => signalingStats(bus.presence),
      (value) => value.peer_details[0]?.message_count === 2,
    );
    expect(stats).toMatchObject({
      total_peers: 1,
      total_companies: 1,
      peers_by_company: { acme: 1 },
      peer_details: [{ peer_id: 'alice', company_id: 'acme', message_count: 2, is_connected: true }],
    });
  });

  it('ignores a malformed relay on a peer’s channel and goes on delivering', async () => {
    start();
    const bobEndpoint = new RecordingEndpoint();
    const bob = await hub.join({ companyId: 'acme', peerId: 'bob', endpoint: bobEndpoint });
    await bus.publish(peerChannel('acme', 'bob'), { kind: 'relay', to: bob.id, frame: { type: 'evil' } });
    await bus.publish(peerChannel('acme', 'bob'), {
      kind: 'relay',
      to: 'someone-else',
      frame: { type: 'signal', from_peer: 'x', data: {} },
    });
    await bus.publish(peerChannel('acme', 'bob'), {
      kind: 'relay',
      to: bob.id,
      frame: { type: 'signal', from_peer: 'alice', data: offer },
    });
    await bobEndpoint.received(1);
    expect(bobEndpoint.frames).toEqual([{ type: 'signal', from_peer: 'alice', data: offer }]);
  });
});

describe.runIf(runRedis)('SignalingHub across two processes on Redis', () => {
  const keyPrefix = testKeyPrefix('signaling-hub');
  const buses: Bus[] = [];

  const proxies: TcpProxy[] = [];

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
    await deleteKeysUnder(keyPrefix);
  });

  function startProcess(): { bus: Bus; hub: SignalingHub } {
    const bus = new RedisBus({ url: TEST_REDIS_URL, logger, keyPrefix, ttlMs: 3000 });
    buses.push(bus);
    return { bus, hub: new SignalingHub({ bus, logger }) };
  }

  it('relays a signal to a peer held by the other process', async () => {
    const first = startProcess();
    const second = startProcess();
    const alice = await first.hub.join({
      companyId: 'acme',
      peerId: 'alice',
      endpoint: new RecordingEndpoint(),
    });
    const bobEndpoint = new RecordingEndpoint();
    await second.hub.join({ companyId: 'acme', peerId: 'bob', endpoint: bobEndpoint });

    expect(await alice.send('bob', { type: 'signal', data: offer })).toBe('sent');
    await bobEndpoint.received(1);
    expect(bobEndpoint.frames).toEqual([{ type: 'signal', from_peer: 'alice', data: offer }]);
    expect(await listCompanyPeers(first.bus.presence, 'acme')).toEqual(['alice', 'bob']);
    expect(await alice.send('carol', { type: 'signal', data: offer })).toBe('absent');
  });

  it('closes the older connection of a peer id taken over in the other process', async () => {
    const first = startProcess();
    const second = startProcess();
    const olderEndpoint = new RecordingEndpoint();
    const older = await first.hub.join({ companyId: 'acme', peerId: 'alice', endpoint: olderEndpoint });
    const newerEndpoint = new RecordingEndpoint();
    const newer = await second.hub.join({ companyId: 'acme', peerId: 'alice', endpoint: newerEndpoint });

    await olderEndpoint.wasReplaced();
    // The older one's announcement arriving late (it raced the newer one's) changes nothing.
    await first.bus.publish(peerChannel('acme', 'alice'), { kind: 'replaced', by: older.id });
    await older.leave();
    await first.bus.publish(peerChannel('acme', 'alice'), {
      kind: 'relay',
      to: newer.id,
      frame: { type: 'signal', from_peer: 'marker', data: {} },
    });
    await newerEndpoint.received(1);
    expect(newerEndpoint.replacedCount).toBe(0);
    newerEndpoint.frames.length = 0;
    expect(await findPeer(first.bus.presence, { companyId: 'acme', peerId: 'alice' })).toMatchObject({
      membership_id: newer.id,
    });
    const bob = await first.hub.join({ companyId: 'acme', peerId: 'bob', endpoint: new RecordingEndpoint() });
    expect(await bob.send('alice', { type: 'message', data: { content: 'still there?' } })).toBe('sent');
    await newerEndpoint.received(1);
    expect(olderEndpoint.frames).toEqual([]);
  });

  it('relays between its own peers through a Redis outage, and reaches the other process again after', async () => {
    const redis = new URL(TEST_REDIS_URL);
    const proxy = new TcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    proxies.push(proxy);
    await proxy.start();
    const cutOffBus = new RedisBus({
      url: proxy.url,
      logger,
      keyPrefix,
      ttlMs: 3000,
      unavailableAfterMs: 500,
    });
    buses.push(cutOffBus);
    const cutOff = new SignalingHub({ bus: cutOffBus, logger });
    const other = startProcess();
    const aliceEndpoint = new RecordingEndpoint();
    const alice = await cutOff.join({ companyId: 'acme', peerId: 'alice', endpoint: aliceEndpoint });
    const carolEndpoint = new RecordingEndpoint();
    await cutOff.join({ companyId: 'acme', peerId: 'carol', endpoint: carolEndpoint });
    const bobEndpoint = new RecordingEndpoint();
    const bob = await other.hub.join({ companyId: 'acme', peerId: 'bob', endpoint: bobEndpoint });

    await proxy.stop();
    expect(await alice.send('carol', { type: 'signal', data: offer })).toBe('sent');
    expect(carolEndpoint.frames).toHaveLength(1);
    const failure = await alice.send('bob', { type: 'signal', data: offer }).catch((error: unknown) => error);
    expect(isBusUnavailable(failure)).toBe(true);

    await proxy.start();
    const outcome = await eventually(
      () => alice.send('bob', { type: 'signal', data: offer }).catch(() => 'unavailable'),
      (value) => value === 'sent',
    );
    expect(outcome).toBe('sent');
    await bobEndpoint.received(1);
    expect(bobEndpoint.frames[0]).toEqual({ type: 'signal', from_peer: 'alice', data: offer });
    // Its subscriptions came back by themselves: the other process reaches its peers again.
    const answered = await eventually(
      async () => {
        await bob.send('alice', { type: 'signal', data: { type: 'answer', sdp: offer.sdp } });
        return aliceEndpoint.frames.length;
      },
      (count) => count > 0,
    );
    expect(answered).toBeGreaterThan(0);
    expect(aliceEndpoint.frames[0]).toMatchObject({ from_peer: 'bob' });
  });
});
