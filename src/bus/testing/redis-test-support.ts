import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

// Tests that need Redis: required under CI=true (they then fail when it is unreachable), skipped
// with a printed reason elsewhere. Each test file works under a prefix of its own, removed after.

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type RedisProbe = { available: true } | { available: false; reason: string };

export async function probeRedis(url: string = TEST_REDIS_URL): Promise<RedisProbe> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return { available: true };
  } catch (error) {
    return { available: false, reason: `Redis at ${url} is unreachable: ${(error as Error).message}` };
  } finally {
    client.disconnect();
  }
}

/** True when the tests must run: Redis answers, or CI demands it (and the tests then fail). */
export function mustRunRedisTests(probe: RedisProbe): boolean {
  if (probe.available) return true;
  if (process.env.CI === 'true') return true;
  console.warn(`skipping Redis tests: ${probe.reason} (set CI=true to make this a failure)`);
  return false;
}

/** A key prefix no other test run uses. */
export function testKeyPrefix(name: string): string {
  return `cai-test:${name}:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under the prefix. */
export async function deleteKeysUnder(prefix: string, url: string = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** Polls until `accept` holds for what `check` answers, or the deadline passes; answers the last value. */
export async function eventually<T>(
  check: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until `durationMs` have passed on Redis's clock (the one the bus's expiries use). */
export async function waitOnRedisClock(durationMs: number, url: string = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url);
  client.on('error', () => undefined);
  try {
    const nowMs = async () => {
      const [seconds, microseconds] = await client.time();
      return Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
    };
    const start = await nowMs();
    await eventually(nowMs, (now) => now - start >= durationMs, durationMs + 15_000);
  } finally {
    client.disconnect();
  }
}
