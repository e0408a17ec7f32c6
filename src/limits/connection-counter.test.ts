import { describe, expect, it } from 'vitest';
import { ConnectionCounter } from './connection-counter.ts';

describe('the connection counter', () => {
  it('admits up to the cap, then refuses until one is released', async () => {
    const counter = new ConnectionCounter();
    const first = await counter.acquire('tenant-1', 2);
    const second = await counter.acquire('tenant-1', 2);
    expect(first).toBeTypeOf('function');
    expect(second).toBeTypeOf('function');
    expect(await counter.acquire('tenant-1', 2)).toBeUndefined();
    first!();
    expect(counter.count('tenant-1')).toBe(1);
    expect(await counter.acquire('tenant-1', 2)).toBeTypeOf('function');
  });

  it('counts a release once, however often it is called', async () => {
    const counter = new ConnectionCounter();
    const release = (await counter.acquire('tenant-1', 5))!;
    await counter.acquire('tenant-1', 5);
    release();
    release();
    expect(counter.count('tenant-1')).toBe(1);
  });

  it('counts each key on its own', async () => {
    const counter = new ConnectionCounter();
    expect(await counter.acquire('tenant-1', 1)).toBeTypeOf('function');
    expect(await counter.acquire('tenant-2', 1)).toBeTypeOf('function');
    expect(await counter.acquire('tenant-1', 1)).toBeUndefined();
  });

  it('never admits more than the cap, however many ask at once', async () => {
    const counter = new ConnectionCounter();
    const results = await Promise.all(Array.from({ length: 20 }, () => counter.acquire('tenant-1', 3)));
    expect(results.filter((release) => release !== undefined)).toHaveLength(3);
    expect(counter.count('tenant-1')).toBe(3);
  });

  it('treats a cap of 0 as none, while still counting', async () => {
    const counter = new ConnectionCounter();
    for (let index = 0; index < 100; index += 1)
      expect(await counter.acquire('ip', 0)).toBeTypeOf('function');
    expect(counter.count('ip')).toBe(100);
  });
});
