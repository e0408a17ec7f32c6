import { describe, expect, it } from 'vitest';
import { median, summarize } from './stats.ts';

describe('median', () => {
  it('takes the middle of values in any order, interpolating between the middle two of an even count', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
    expect(median([7])).toBe(7);
  });

  it('leaves the values it was given in their order', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('agrees with the p50 of a summary', () => {
    const values = [5, 9, 1, 7, 3, 8];
    expect(median(values)).toBe(summarize(values).p50);
  });
});
