import { describe, expect, it } from 'vitest';
import { ExpiringCache } from './expiring-cache.ts';

describe('an expiring cache', () => {
  it('answers an entry until its time to live has passed, then forgets it', () => {
    let now = 1_000;
    const cache = new ExpiringCache<string, number>({ ttlMs: 100, maxEntries: 10, now: () => now });
    cache.set('a', 1);
    now += 99;
    expect(cache.get('a')).toBe(1);
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('makes room by dropping the oldest entry; setting an entry again makes it young', () => {
    const cache = new ExpiringCache<string, number>({ ttlMs: 1_000, maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([10, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('drops the entries a predicate picks', () => {
    const cache = new ExpiringCache<string, { owner: string }>({ ttlMs: 1_000, maxEntries: 10 });
    cache.set('a', { owner: 'x' });
    cache.set('b', { owner: 'y' });
    cache.set('c', { owner: 'x' });
    cache.deleteWhere((value) => value.owner === 'x');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, { owner: 'y' }, undefined]);
  });

  it('keeps nothing with a time to live of 0', () => {
    const cache = new ExpiringCache<string, number>({ ttlMs: 0, maxEntries: 10 });
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
