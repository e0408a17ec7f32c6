import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBusUnavailable } from '../bus/bus-unavailable-error.ts';
import { MemoryBus } from '../bus/memory-bus.ts';
import { RedisBus } from '../bus/redis-bus.ts';
import {
  TEST_REDIS_URL,
  deleteKeysUnder,
  eventually,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
} from '../bus/testing/redis-test-support.ts';
import { TcpProxy } from '../bus/testing/tcp-proxy.ts';
import type { ConnectionCounter } from './connection-counter.ts';
import { SharedConnectionCounter, outageAnswerFor } from './shared-connection-counter.ts';

const logger = pino({ level: 'silent' });
const redisProbe = await probeRedis();
const redisTarget = new URL(TEST_REDIS_URL);

describe('the shared connection counter', () => {
  it('takes the place of the in-process counter', async () => {
    const bus = new MemoryBus({ logger });
    const counter: Pick<ConnectionCounter, 'acquire'> = new SharedConnectionCounter({
      leases: bus.connections,
      logger,
    });
    const release = await counter.acquire('tenant:t1', 1);
    expect(release).toBeTypeOf('function');
    expect(await counter.acquire('tenant:t1', 1)).toBeUndefined();
    release!();
    expect(
      await eventually(
        () => bus.connections.count('tenant:t1'),
        (count) => count === 0,
      ),
    ).toBe(0);
    await bus.close();
  });

  it('refuses anonymous addresses and counts tenants and companies locally during an outage', () => {
    expect(outageAnswerFor('ip:203.0.113.9')).toBe('refuse');
    expect(outageAnswerFor('tenant:abc')).toBe('count-locally');
    expect(outageAnswerFor('company:abc')).toBe('count-locally');
  });
});

describe.skipIf(!mustRunRedisTests(redisProbe))(
  'the shared connection counter when Redis is unreachable',
  () => {
    const keyPrefix = testKeyPrefix('shared-counter');
    const proxy = new TcpProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
    let proxied: RedisBus;
    let direct: RedisBus;

    beforeAll(async () => {
      if (!redisProbe.available) throw new Error(redisProbe.reason);
      await proxy.start();
      proxied = new RedisBus({ url: proxy.url, logger, keyPrefix, ttlMs: 1500, unavailableAfterMs: 500 });
      direct = new RedisBus({ url: TEST_REDIS_URL, logger, keyPrefix });
      await Promise.all([proxied.ping(), direct.ping()]);
    });

    afterAll(async () => {
      await proxy.stop();
      await Promise.all([proxied?.close(), direct?.close()]);
      await deleteKeysUnder(keyPrefix);
    });

    it('counts across processes while Redis answers, and follows each key’s outage answer when it does not', async () => {
      const here = new SharedConnectionCounter({ leases: proxied.connections, logger });
      const there = new SharedConnectionCounter({ leases: direct.connections, logger });
      expect(await here.acquire('tenant:t1', 2)).toBeTypeOf('function');
      expect(await there.acquire('tenant:t1', 2)).toBeTypeOf('function');
      expect(await here.acquire('tenant:t1', 2)).toBeUndefined();

      await proxy.stop();
      await eventually(
        () =>
          proxied.ping().then(
            () => 'up',
            () => 'down',
          ),
        (state) => state === 'down',
      );
      // A tenant: counted in this process, up to the cap.
      const localOne = await here.acquire('tenant:t1', 2);
      expect(localOne).toBeTypeOf('function');
      expect(await here.acquire('tenant:t1', 2)).toBeTypeOf('function');
      expect(await here.acquire('tenant:t1', 2)).toBeUndefined();
      localOne!();
      expect(await here.acquire('tenant:t1', 2)).toBeTypeOf('function');
      // An anonymous address: refused with the registry's SERVICE_UNAVAILABLE.
      const refusal = await here.acquire('ip:203.0.113.9', 10).catch((error: unknown) => error);
      expect(isBusUnavailable(refusal)).toBe(true);
      expect(refusal).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });

      await proxy.start();
      await eventually(
        () =>
          proxied.ping().then(
            () => 'up',
            () => 'down',
          ),
        (state) => state === 'up',
      );
      expect(await here.acquire('ip:203.0.113.9', 10)).toBeTypeOf('function');
      expect(await direct.connections.count('ip:203.0.113.9')).toBe(1);
    });
  },
);
