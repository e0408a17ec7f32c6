import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('is a version 7, RFC 4122 variant UUID whose first 48 bits are the milliseconds', () => {
    const now = Date.UTC(2026, 11, 6, 3, 20, 0, 123);
    const id = uuidv7(now);
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(now);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const now = Date.now() + 60_000;
    const ids = Array.from({ length: 5_000 }, () => uuidv7(now));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats, across many refills of its random pool', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => uuidv7()));
    expect(ids.size).toBe(20_000);
    for (const id of [...ids].slice(0, 100)) expect(id).toMatch(UUID_V7);
  });

  it('spends its random bits: ids made in the same millisecond differ beyond the counter', () => {
    const now = Date.now() + 120_000;
    const tails = new Set(Array.from({ length: 1_000 }, () => uuidv7(now).slice(19)));
    expect(tails.size).toBe(1_000);
  });
});
