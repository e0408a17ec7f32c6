import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBusUnavailable } from './bus-unavailable-error.ts';
import { RedisBus } from './redis-bus.ts';
import { MessageInbox } from './testing/message-inbox.ts';
import {
  TEST_REDIS_URL,
  deleteKeysUnder,
  eventually,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
} from './testing/redis-test-support.ts';
import { TcpProxy } from './testing/tcp-proxy.ts';

// Redis going away and coming back, for real: the bus reaches Redis through a TCP proxy that the
// test stops (every connection cut, new ones refused) and starts again on the same port.

const logger = pino({ level: 'silent' });
const redisProbe = await probeRedis();
const redisTarget = new URL(TEST_REDIS_URL);

describe.skipIf(!mustRunRedisTests(redisProbe))('the Redis bus when Redis is unreachable', () => {
  const keyPrefix = testKeyPrefix('bus-outage');
  const unhandled: unknown[] = [];
  const recordUnhandled = (reason: unknown) => unhandled.push(reason);
  const proxy = new TcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
  let direct: RedisBus;

  beforeAll(async () => {
    if (!redisProbe.available) throw new Error(redisProbe.reason);
    process.on('unhandledRejection', recordUnhandled);
    await proxy.start();
    direct = new RedisBus({ url: TEST_REDIS_URL, logger, keyPrefix, ttlMs: 5000 });
  });

  afterAll(async () => {
    await proxy.stop();
    await direct?.close();
    await deleteKeysUnder(keyPrefix);
    process.off('unhandledRejection', recordUnhandled);
  });

  function state(bus: RedisBus): Promise<'up' | 'down'> {
    return bus.ping().then(
      () => 'up' as const,
      (error: unknown) => {
        if (isBusUnavailable(error)) return 'down' as const;
        throw error;
      },
    );
  }

  it('fails fast with BusUnavailableError while down, and serves again when Redis returns, subscriptions included', async () => {
    const bus = new RedisBus({ url: proxy.url, logger, keyPrefix, ttlMs: 1500, unavailableAfterMs: 500 });
    try {
      await bus.ping();
      const inbox = new MessageInbox();
      await bus.subscribe('news', inbox.handler);
      await bus.presence.set('company', 'peer-removed-while-down', 'old');
      const releaseWhileDown = (await bus.connections.acquire('tenant:outage', 10))!;
      await direct.publish('news', 'before');
      await inbox.receive('before');

      await proxy.stop();
      expect(
        await eventually(
          () => state(bus),
          (value) => value === 'down',
        ),
      ).toBe('down');

      const unavailable = (promise: Promise<unknown>) => expect(promise).rejects.toSatisfy(isBusUnavailable);
      await unavailable(bus.publish('news', 'lost'));
      await unavailable(bus.subscribe('other', () => undefined));
      await unavailable(bus.presence.set('company', 'peer-joined-while-down', { late: true }));
      await unavailable(bus.presence.get('company', 'peer-removed-while-down'));
      await unavailable(bus.presence.list('company'));
      await unavailable(bus.connections.acquire('tenant:outage', 10));
      await unavailable(bus.connections.count('tenant:outage'));
      // Withdrawing never fails: what cannot be withdrawn now lapses with its time-to-live.
      await expect(bus.presence.remove('company', 'peer-removed-while-down')).resolves.toBeUndefined();
      await expect(releaseWhileDown()).resolves.toBeUndefined();

      await proxy.start();
      expect(
        await eventually(
          () => state(bus),
          (value) => value === 'up',
        ),
      ).toBe('up');

      // The subscription made before the outage is back by itself.
      const delivered = await eventually(
        async () => {
          await direct.publish('news', 'after');
          return inbox.messages.includes('after');
        },
        (received) => received,
      );
      expect(delivered).toBe(true);
      expect(inbox.messages).not.toContain('lost');

      // What was set while down is published by the heartbeat; what was withdrawn lapses.
      expect(
        await eventually(
          () => direct.presence.get('company', 'peer-joined-while-down'),
          (data) => data !== undefined,
        ),
      ).toEqual({ late: true });
      expect(
        await eventually(
          () => direct.presence.get('company', 'peer-removed-while-down'),
          (data) => data === undefined,
        ),
      ).toBeUndefined();
      expect(
        await eventually(
          () => direct.connections.count('tenant:outage'),
          (count) => count === 0,
        ),
      ).toBe(0);

      expect(await bus.connections.acquire('tenant:outage', 10)).toBeTypeOf('function');
      const fresh = new MessageInbox();
      await bus.subscribe('fresh', fresh.handler);
      await direct.publish('fresh', 'works');
      await fresh.receive('works');
    } finally {
      await bus.close();
    }
    expect(unhandled).toEqual([]);
  });

  it('starts while Redis is unreachable, refusing calls, and serves once Redis appears', async () => {
    await proxy.stop();
    const bus = new RedisBus({ url: proxy.url, logger, keyPrefix, ttlMs: 1500, unavailableAfterMs: 500 });
    try {
      await expect(bus.ping()).rejects.toSatisfy(isBusUnavailable);
      await expect(bus.subscribe('late', () => undefined)).rejects.toSatisfy(isBusUnavailable);
      await expect(bus.publish('late', 1)).rejects.toSatisfy(isBusUnavailable);

      await proxy.start();
      expect(
        await eventually(
          () => state(bus),
          (value) => value === 'up',
        ),
      ).toBe('up');
      const inbox = new MessageInbox();
      await bus.subscribe('late', inbox.handler);
      await direct.publish('late', 'hello');
      await inbox.receive('hello');
    } finally {
      await bus.close();
    }
    expect(unhandled).toEqual([]);
  });
});
