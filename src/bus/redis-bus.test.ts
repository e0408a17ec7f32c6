import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from './create-bus.ts';
import { MemoryBus } from './memory-bus.ts';
import { RedisBus } from './redis-bus.ts';
import { MessageInbox } from './testing/message-inbox.ts';
import {
  TEST_REDIS_URL,
  deleteKeysUnder,
  eventually,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
  waitOnRedisClock,
} from './testing/redis-test-support.ts';

// What only the Redis bus has to show: ownership between processes, a clean close withdrawing at
// once, the heartbeat restoring what Redis lost, and keys kept under their prefix.

const logger = pino({ level: 'silent' });
const redisProbe = await probeRedis();

describe('createBus', () => {
  it('answers the in-process bus without a Redis URL, and the Redis bus with one', async () => {
    const memory = await createBus({ logger });
    expect(memory).toBeInstanceOf(MemoryBus);
    await memory.close();
    const redis = await createBus({
      logger,
      redisUrl: TEST_REDIS_URL,
      keyPrefix: testKeyPrefix('create-bus'),
    });
    expect(redis.kind).toBe('redis');
    await redis.close();
  });
});

describe.skipIf(!mustRunRedisTests(redisProbe))('the Redis bus between processes', () => {
  const keyPrefix = testKeyPrefix('redis-bus');
  const buses: RedisBus[] = [];
  let raw: Redis;

  function openBus(ttlMs = 5000): RedisBus {
    const bus = new RedisBus({ url: TEST_REDIS_URL, logger, keyPrefix, ttlMs });
    buses.push(bus);
    return bus;
  }

  beforeAll(() => {
    if (!redisProbe.available) throw new Error(redisProbe.reason);
    raw = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });

  afterAll(async () => {
    await deleteKeysUnder(keyPrefix);
    raw?.disconnect();
  });

  it('leaves a member alone when a process that does not own it removes it', async () => {
    const holder = openBus();
    const other = openBus();
    await holder.presence.set('company-own', 'peer-a', 'held');
    await other.presence.remove('company-own', 'peer-a');
    expect(await other.presence.get('company-own', 'peer-a')).toBe('held');
  });

  it('withdraws its members and leases at once on a clean close', async () => {
    const leaving = openBus(60_000);
    const staying = openBus();
    await leaving.presence.set('company-close', 'peer-a', 1);
    expect(await leaving.connections.acquire('tenant:close', 1)).toBeTypeOf('function');
    await leaving.close();
    expect(await staying.presence.list('company-close')).toEqual([]);
    expect(await staying.connections.count('tenant:close')).toBe(0);
    expect(await staying.connections.acquire('tenant:close', 1)).toBeTypeOf('function');
  });

  it('writes its members and leases again on the heartbeat after Redis lost them', async () => {
    const bus = openBus(900);
    const observer = openBus();
    await bus.presence.set('company-lost', 'peer-a', { back: true });
    expect(await bus.connections.acquire('tenant:lost', 5)).toBeTypeOf('function');
    // What a Redis restart does: everything gone.
    await raw.del(
      `${keyPrefix}presence:company-lost`,
      `${keyPrefix}presence-data:company-lost`,
      `${keyPrefix}connections:tenant:lost`,
    );
    expect(await observer.presence.get('company-lost', 'peer-a')).toBeUndefined();

    expect(
      await eventually(
        () => observer.presence.get('company-lost', 'peer-a'),
        (data) => data !== undefined,
      ),
    ).toEqual({ back: true });
    expect(
      await eventually(
        () => observer.connections.count('tenant:lost'),
        (count) => count === 1,
      ),
    ).toBe(1);
  });

  it('keeps a member alive past its time-to-live while its process lives', async () => {
    const bus = openBus(600);
    const observer = openBus();
    await bus.presence.set('company-alive', 'peer-a', 'here');
    const lease = await bus.connections.acquire('tenant:alive', 1);
    // Several time-to-lives, on Redis's clock.
    await waitOnRedisClock(2000);
    expect(await observer.presence.get('company-alive', 'peer-a')).toBe('here');
    expect(await observer.connections.count('tenant:alive')).toBe(1);
    await lease!();
  });

  it('drops a message on its channel that is not JSON, and keeps delivering', async () => {
    const bus = openBus();
    const inbox = new MessageInbox();
    await bus.subscribe('raw', inbox.handler);
    await raw.publish(`${keyPrefix}channel:raw`, '{not json');
    await bus.publish('raw', 'fine');
    await inbox.receive('fine');
    expect(inbox.messages).toEqual(['fine']);
  });

  it('keeps every key under its prefix', async () => {
    const bus = openBus();
    const unique = `marker-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await bus.presence.set(unique, 'peer-a', 1);
    await bus.connections.acquire(unique, 1);
    const keys = await raw.keys(`*${unique}*`);
    expect(keys.sort()).toEqual(
      [
        `${keyPrefix}connections:${unique}`,
        `${keyPrefix}presence-data:${unique}`,
        `${keyPrefix}presence:${unique}`,
      ].sort(),
    );
  });

  it('lets a key expire as a whole once no process refreshes it', async () => {
    const bus = openBus(5000);
    await bus.connections.acquire('tenant:expiry', 1);
    const remainingMs = await raw.pttl(`${keyPrefix}connections:tenant:expiry`);
    expect(remainingMs).toBeGreaterThan(0);
    expect(remainingMs).toBeLessThanOrEqual(5000);
  });
});
