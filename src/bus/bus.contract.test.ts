import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from './bus.ts';
import { isBusUnavailable } from './bus-unavailable-error.ts';
import { MemoryBus } from './memory-bus.ts';
import { RedisBus } from './redis-bus.ts';
import { MessageInbox } from './testing/message-inbox.ts';
import {
  TEST_REDIS_URL,
  deleteKeysUnder,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
} from './testing/redis-test-support.ts';

// One contract, two buses. Each test gets two handles, as two processes would have: on Redis two
// buses with their own connections, in memory the one bus of the one process.

const logger = pino({ level: 'silent' });
const redisProbe = await probeRedis();

interface Handles {
  first: Bus;
  second: Bus;
  cleanup(): Promise<void>;
}

const implementations: Array<{ name: string; run: boolean; open(): Handles }> = [
  {
    name: 'memory',
    run: true,
    open() {
      const bus = new MemoryBus({ logger });
      return { first: bus, second: bus, cleanup: () => bus.close() };
    },
  },
  {
    name: 'Redis',
    run: mustRunRedisTests(redisProbe),
    open() {
      const keyPrefix = testKeyPrefix('bus-contract');
      const open = () => new RedisBus({ url: TEST_REDIS_URL, logger, keyPrefix, ttlMs: 5000 });
      const first = open();
      const second = open();
      return {
        first,
        second,
        async cleanup() {
          await Promise.all([first.close(), second.close()]);
          await deleteKeysUnder(keyPrefix);
        },
      };
    },
  },
];

for (const implementation of implementations) {
  describe.skipIf(!implementation.run)(`Bus contract on ${implementation.name}`, () => {
    let handles: Handles;
    let first: Bus;
    let second: Bus;

    beforeAll(async () => {
      if (implementation.name === 'Redis' && !redisProbe.available) throw new Error(redisProbe.reason);
      handles = implementation.open();
      ({ first, second } = handles);
      await Promise.all([first.ping(), second.ping()]);
    });

    afterAll(async () => {
      await handles?.cleanup();
    });

    describe('channels', () => {
      it('deliver what one handle publishes to the subscribers of another, and only on that channel', async () => {
        const weather = new MessageInbox();
        const news = new MessageInbox();
        await second.subscribe('weather', weather.handler);
        await second.subscribe('news', news.handler);

        await first.publish('news', { headline: 'not for weather' });
        await first.publish('weather', { sky: 'clear', degrees: 21, tags: ['a', 'b'], nested: { ok: true } });

        await weather.receive({ sky: 'clear', degrees: 21, tags: ['a', 'b'], nested: { ok: true } });
        await news.receive({ headline: 'not for weather' });
        expect(weather.messages).toHaveLength(1);
        expect(news.messages).toHaveLength(1);
      });

      it('keep the order in which one handle published', async () => {
        const inbox = new MessageInbox();
        await second.subscribe('ordered', inbox.handler);
        for (let index = 0; index < 20; index += 1) await first.publish('ordered', index);
        await inbox.receive(19);
        expect(inbox.messages).toEqual(Array.from({ length: 20 }, (_, index) => index));
      });

      it('deliver a copy, so the publisher changing its object afterwards changes nothing', async () => {
        const inbox = new MessageInbox();
        await second.subscribe('copies', inbox.handler);
        const message = { count: 1 };
        await first.publish('copies', message);
        message.count = 2;
        await first.publish('copies', 'done');
        await inbox.receive('done');
        expect(inbox.messages).toEqual([{ count: 1 }, 'done']);
      });

      it('stop delivering to a subscription once unsubscribed, and keep delivering to the others', async () => {
        const leaving = new MessageInbox();
        const staying = new MessageInbox();
        const unsubscribe = await second.subscribe('leave', leaving.handler);
        await second.subscribe('leave', staying.handler);
        await first.publish('leave', 'one');
        await leaving.receive('one');
        await staying.receive('one');

        await unsubscribe();
        await unsubscribe();
        await first.publish('leave', 'two');
        await staying.receive('two');
        expect(leaving.messages).toEqual(['one']);
      });

      it('count the same handler subscribed twice as two subscriptions', async () => {
        const inbox = new MessageInbox();
        const unsubscribeOnce = await second.subscribe('twice', inbox.handler);
        await second.subscribe('twice', inbox.handler);
        await first.publish('twice', 'a');
        await inbox.receive('a', { times: 2 });
        await unsubscribeOnce();
        await first.publish('twice', 'b');
        await inbox.receive('b');
        expect(inbox.messages).toEqual(['a', 'a', 'b']);
      });

      it('keep delivering to the other handlers when one throws or rejects', async () => {
        const inbox = new MessageInbox();
        await second.subscribe('faulty', () => {
          throw new Error('handler bug');
        });
        await second.subscribe('faulty', () => Promise.reject(new Error('async handler bug')));
        await second.subscribe('faulty', inbox.handler);
        await first.publish('faulty', 'still here');
        await first.publish('faulty', 'and again');
        await inbox.receive('and again');
        expect(inbox.messages).toEqual(['still here', 'and again']);
      });

      it('let a subscriber publish from its own handler', async () => {
        const inbox = new MessageInbox();
        await second.subscribe('echo-out', inbox.handler);
        await second.subscribe('echo-in', (message) => second.publish('echo-out', { echoed: message }));
        await first.publish('echo-in', 'ping');
        await inbox.receive({ echoed: 'ping' });
      });
    });

    describe('presence', () => {
      it('shows a member set by one handle to the other, with its data', async () => {
        await first.presence.set('company-1', 'peer-a', { since: 1, tags: ['x'] });
        expect(await second.presence.get('company-1', 'peer-a')).toEqual({ since: 1, tags: ['x'] });
        expect(await second.presence.list('company-1')).toEqual([
          { member: 'peer-a', data: { since: 1, tags: ['x'] } },
        ]);
      });

      it('lists every member of a group, and only of that group', async () => {
        await first.presence.set('company-2', 'peer-a', 'a');
        await second.presence.set('company-2', 'peer-b', 'b');
        await first.presence.set('company-3', 'peer-c', 'c');
        const members = await second.presence.list('company-2');
        expect(members.sort((left, right) => left.member.localeCompare(right.member))).toEqual([
          { member: 'peer-a', data: 'a' },
          { member: 'peer-b', data: 'b' },
        ]);
        expect(await first.presence.get('company-3', 'peer-a')).toBeUndefined();
      });

      it('answers the latest data for a member set again', async () => {
        await first.presence.set('company-4', 'peer-a', { room: 1 });
        await first.presence.set('company-4', 'peer-a', { room: 2 });
        expect(await second.presence.get('company-4', 'peer-a')).toEqual({ room: 2 });
        expect(await second.presence.list('company-4')).toHaveLength(1);
      });

      it('forgets a removed member, and removing it again changes nothing', async () => {
        await first.presence.set('company-5', 'peer-a', null);
        await first.presence.set('company-5', 'peer-b', null);
        await first.presence.remove('company-5', 'peer-a');
        await first.presence.remove('company-5', 'peer-a');
        await first.presence.remove('company-5', 'never-set');
        expect(await second.presence.get('company-5', 'peer-a')).toBeUndefined();
        expect(await second.presence.list('company-5')).toEqual([{ member: 'peer-b', data: null }]);
      });

      it('answers an empty list for a group no one joined', async () => {
        expect(await first.presence.list('nobody-here')).toEqual([]);
      });
    });

    describe('connection leases', () => {
      it('admit up to the cap across handles, then refuse until one is released', async () => {
        const key = 'tenant:cap';
        const leaseOne = await first.connections.acquire(key, 2);
        const leaseTwo = await second.connections.acquire(key, 2);
        expect(leaseOne).toBeTypeOf('function');
        expect(leaseTwo).toBeTypeOf('function');
        expect(await first.connections.acquire(key, 2)).toBeUndefined();
        expect(await second.connections.acquire(key, 2)).toBeUndefined();
        expect(await first.connections.count(key)).toBe(2);

        await leaseOne!();
        expect(await second.connections.count(key)).toBe(1);
        expect(await second.connections.acquire(key, 2)).toBeTypeOf('function');
      });

      it('count a release once, however often it is called', async () => {
        const key = 'tenant:release-twice';
        const release = (await first.connections.acquire(key, 5))!;
        await first.connections.acquire(key, 5);
        await release();
        await release();
        expect(await second.connections.count(key)).toBe(1);
      });

      it('count each key on its own', async () => {
        expect(await first.connections.acquire('tenant:own-1', 1)).toBeTypeOf('function');
        expect(await first.connections.acquire('tenant:own-2', 1)).toBeTypeOf('function');
        expect(await second.connections.acquire('tenant:own-1', 1)).toBeUndefined();
      });

      it('never admit more than the cap, however many ask at once from both handles', async () => {
        const key = 'tenant:race';
        const attempts = Array.from({ length: 30 }, (_, index) =>
          (index % 2 === 0 ? first : second).connections.acquire(key, 3),
        );
        const results = await Promise.all(attempts);
        expect(results.filter((release) => release !== undefined)).toHaveLength(3);
        expect(await first.connections.count(key)).toBe(3);
      });

      it('treat a cap of 0 as none, while still counting', async () => {
        for (let index = 0; index < 25; index += 1) {
          expect(await first.connections.acquire('ip:uncapped', 0)).toBeTypeOf('function');
        }
        expect(await second.connections.count('ip:uncapped')).toBe(25);
      });

      it('refuse a malformed cap rather than guess', async () => {
        await expect(first.connections.acquire('tenant:bad', -1)).rejects.toThrow(RangeError);
        await expect(first.connections.acquire('tenant:bad', 1.5)).rejects.toThrow(RangeError);
      });
    });

    describe('once closed', () => {
      it('refuses calls with BusUnavailableError, and closing again changes nothing', async () => {
        const extra = implementation.open();
        await extra.first.ping();
        await extra.cleanup();
        await extra.cleanup();
        await expect(extra.first.publish('after-close', 1)).rejects.toSatisfy(isBusUnavailable);
        await expect(extra.first.presence.list('after-close')).rejects.toSatisfy(isBusUnavailable);
        await expect(extra.first.connections.acquire('after-close', 1)).rejects.toSatisfy(isBusUnavailable);
        await expect(extra.first.ping()).rejects.toSatisfy(isBusUnavailable);
      });
    });
  });
}
