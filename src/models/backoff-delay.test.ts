import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff-delay.ts';

describe('backoffDelayMs', () => {
  it('waits a random time below the doubled base, never above the cap', () => {
    fc.assert(
      fc.property(
        fc.nat(20),
        fc.nat(10_000),
        fc.nat(60_000),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, random) => {
          const wait = backoffDelayMs({ attempt, baseDelayMs, maxDelayMs, random: () => random });
          expect(wait).toBeGreaterThanOrEqual(0);
          expect(wait).toBeLessThanOrEqual(Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
        },
      ),
    );
  });

  it('doubles the ceiling with each attempt', () => {
    const waits = [0, 1, 2, 3].map((attempt) =>
      backoffDelayMs({ attempt, baseDelayMs: 100, maxDelayMs: 500, random: () => 0.999 }),
    );
    expect(waits).toEqual([99, 199, 399, 499]);
  });
});
