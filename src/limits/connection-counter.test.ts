import { describe, expect, it } from 'vitest';
import { ConnectionCounter } from './connection-counter.ts';

describe('the connection counter', () => {
  it('admits up to the cap, then refuses until one is released', () => {
    const counter = new ConnectionCounter();
    const first = counter.acquire('tenant-1', 2);
    const second = counter.acquire('tenant-1', 2);
    expect(first).toBeTypeOf('function');
    expect(second).toBeTypeOf('function');
    expect(counter.acquire('tenant-1', 2)).toBeUndefined();
    first!();
    expect(counter.count('tenant-1')).toBe(1);
    expect(counter.acquire('tenant-1', 2)).toBeTypeOf('function');
  });

  it('counts a release once, however often it is called', () => {
    const counter = new ConnectionCounter();
    const release = counter.acquire('tenant-1', 5)!;
    counter.acquire('tenant-1', 5);
    release();
    release();
    expect(counter.count('tenant-1')).toBe(1);
  });

  it('counts each key on its own', () => {
    const counter = new ConnectionCounter();
    expect(counter.acquire('tenant-1', 1)).toBeTypeOf('function');
    expect(counter.acquire('tenant-2', 1)).toBeTypeOf('function');
    expect(counter.acquire('tenant-1', 1)).toBeUndefined();
  });

  it('treats a cap of 0 as none, while still counting', () => {
    const counter = new ConnectionCounter();
    for (let index = 0; index < 100; index += 1) expect(counter.acquire('ip', 0)).toBeTypeOf('function');
    expect(counter.count('ip')).toBe(100);
  });
});
