import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../bus/redis-connection.ts';
import {
  TEST_REDIS_URL,
  deleteKeysUnder,
  eventually,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
} from '../bus/testing/redis-test-support.ts';
import { TcpProxy } from '../bus/testing/tcp-proxy.ts';
import { createRateLimits } from './rate-limits.ts';

// Rate limits on Redis: one count shared by every process, atomic however they race; and what a
// limit does while Redis is unreachable (each process counts on its own) and after (Redis again).

const logger = pino({ level: 'silent' });
const redisProbe = await probeRedis();
const redisTarget = new URL(TEST_REDIS_URL);

async function connected(client: Redis): Promise<Redis> {
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

describe.skipIf(!mustRunRedisTests(redisProbe))('rate limits on Redis', () => {
  const keyPrefix = testKeyPrefix('rate-limits');
  const clients: Redis[] = [];
  const unhandled: unknown[] = [];
  const recordUnhandled = (reason: unknown) => unhandled.push(reason);

  function client(url: string = TEST_REDIS_URL): Redis {
    const created = createRedisClient({ url, logger, name: 'rate-limits-test', unavailableAfterMs: 500 });
    clients.push(created);
    return created;
  }

  beforeAll(() => {
    if (!redisProbe.available) throw new Error(redisProbe.reason);
    process.on('unhandledRejection', recordUnhandled);
  });

  afterAll(async () => {
    for (const created of clients) created.disconnect();
    await deleteKeysUnder(keyPrefix);
    process.off('unhandledRejection', recordUnhandled);
  });

  it('allow exactly the limit across two processes asking at once', async () => {
    const limit = 25;
    const first = createRateLimits({ backend: 'redis', client: await connected(client()), keyPrefix });
    const second = createRateLimits({ backend: 'redis', client: await connected(client()), keyPrefix });
    const request = { name: 'LIMIT_REST_PER_MINUTE', key: 'tenant-race', limit, windowSeconds: 60 };

    const decisions = await Promise.all(
      Array.from({ length: 2 * limit }, (_, index) => (index % 2 === 0 ? first : second).consume(request)),
    );

    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(limit);
    const refused = decisions.filter((decision) => !decision.allowed);
    expect(refused).toHaveLength(limit);
    expect(refused.every((decision) => decision.retryAfterMs > 0 && decision.remaining === 0)).toBe(true);
    // Every remaining count from 0 to limit - 1 was handed out once: one shared, atomic counter.
    const remaining = decisions.filter((decision) => decision.allowed).map((decision) => decision.remaining);
    expect(remaining.sort((left, right) => left - right)).toEqual(
      Array.from({ length: limit }, (_, index) => index),
    );
  });

  it('count in each process while Redis is unreachable, and in Redis again once it returns', async () => {
    const proxy = new TcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
    await proxy.start();
    try {
      const proxied = await connected(client(proxy.url));
      const limits = createRateLimits({ backend: 'redis', client: proxied, keyPrefix });
      const request = { name: 'LIMIT_REST_PER_MINUTE', key: 'tenant-outage', limit: 5, windowSeconds: 60 };
      expect((await limits.consume(request)).allowed).toBe(true);
      expect((await limits.consume(request)).allowed).toBe(true);

      await proxy.stop();
      expect(
        await eventually(
          async () => proxied.status,
          (status) => status !== 'ready',
        ),
      ).not.toBe('ready');
      // The insurance limiter answers: the whole limit in this process, then refusals, never a failure.
      const whileDown = [];
      for (let index = 0; index < 6; index += 1) whileDown.push(await limits.consume(request));
      expect(whileDown.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false]);

      await proxy.start();
      expect(
        await eventually(
          async () => proxied.status,
          (status) => status === 'ready',
        ),
      ).toBe('ready');
      // Redis still holds the 2 counted before the outage; this is the third.
      expect(await limits.consume(request)).toMatchObject({ allowed: true, remaining: 2 });
      const direct = await connected(client());
      expect(await direct.get(`${keyPrefix}rate:LIMIT_REST_PER_MINUTE:60:tenant-outage`)).toBe('3');
    } finally {
      await proxy.stop();
    }
    expect(unhandled).toEqual([]);
  });
});
