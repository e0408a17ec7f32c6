import { describe, expect, it } from 'vitest';
import { retryAfterMsFrom } from './retry-after.ts';

describe('retryAfterMsFrom', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads seconds, whole or not', () => {
    expect(retryAfterMsFrom({ 'retry-after': '20' }, now)).toBe(20_000);
    expect(retryAfterMsFrom({ 'Retry-After': '1.5' }, now)).toBe(1500);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(retryAfterMsFrom({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, now)).toBe(30_000);
    expect(retryAfterMsFrom({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }, now)).toBe(0);
  });

  it('prefers retry-after-ms', () => {
    expect(retryAfterMsFrom({ 'retry-after': '20', 'retry-after-ms': '250' }, now)).toBe(250);
  });

  it('ignores what it cannot read', () => {
    expect(retryAfterMsFrom(undefined, now)).toBeUndefined();
    expect(retryAfterMsFrom({}, now)).toBeUndefined();
    expect(retryAfterMsFrom({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMsFrom({ 'retry-after': '-3' }, now)).toBeUndefined();
  });
});
