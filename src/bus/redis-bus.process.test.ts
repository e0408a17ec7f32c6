import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from './redis-bus.ts';
import {
  TEST_REDIS_URL,
  deleteKeysUnder,
  eventually,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
  waitOnRedisClock,
} from './testing/redis-test-support.ts';

// A process that dies without a word (kill -9) must not leave its peers listed or its connection
// leases counted: they lapse with their time-to-live, since nothing refreshes them any more.

const logger = pino({ level: 'silent' });
const redisProbe = await probeRedis();
const holderScript = fileURLToPath(new URL('./testing/bus-holder.ts', import.meta.url));
const TTL_MS = 1000;

describe.skipIf(!mustRunRedisTests(redisProbe))('a process killed while holding presence and leases', () => {
  const keyPrefix = testKeyPrefix('bus-process');
  let observer: RedisBus;
  let holder: ChildProcess | undefined;

  beforeAll(() => {
    if (!redisProbe.available) throw new Error(redisProbe.reason);
    observer = new RedisBus({ url: TEST_REDIS_URL, logger, keyPrefix, ttlMs: 5000 });
  });

  afterAll(async () => {
    if (holder?.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
    await observer?.close();
    await deleteKeysUnder(keyPrefix);
  });

  it('leaves nothing behind once its time-to-live lapses', async () => {
    holder = spawn(process.execPath, ['--import', 'tsx', holderScript], {
      env: {
        ...process.env,
        HOLDER_REDIS_URL: TEST_REDIS_URL,
        HOLDER_KEY_PREFIX: keyPrefix,
        HOLDER_TTL_MS: String(TTL_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = await readyLine(holder);
    expect(ready).toMatchObject({ ready: true, pid: holder.pid });

    // Alive, it holds the group and the whole cap, across several time-to-lives (its heartbeat).
    await waitOnRedisClock(3 * TTL_MS);
    const members = await observer.presence.list('company-crash');
    expect(members.map((entry) => entry.member).sort()).toEqual(['peer-1', 'peer-2']);
    expect(await observer.connections.count('tenant:crash')).toBe(3);
    expect(await observer.connections.acquire('tenant:crash', 3)).toBeUndefined();

    const exited = once(holder, 'exit');
    holder.kill('SIGKILL');
    const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect(signal).toBe('SIGKILL');

    expect(
      await eventually(
        () => observer.presence.list('company-crash'),
        (list) => list.length === 0,
      ),
    ).toEqual([]);
    expect(
      await eventually(
        () => observer.connections.count('tenant:crash'),
        (count) => count === 0,
      ),
    ).toBe(0);
    for (let index = 0; index < 3; index += 1) {
      expect(await observer.connections.acquire('tenant:crash', 3)).toBeTypeOf('function');
    }
  });
});

async function readyLine(child: ChildProcess): Promise<unknown> {
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline !== -1) resolve(JSON.parse(stdout.slice(0, newline)));
    });
    child.once('exit', (code) => reject(new Error(`holder exited (${code}) before ready: ${stderr}`)));
  });
}
