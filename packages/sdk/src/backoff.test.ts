import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfter } from './backoff.ts';
import { isIdempotent, retryDecision } from './retry-policy.ts';

describe('backoff with full jitter', () => {
  it('waits a random share of a ceiling that doubles each attempt', () => {
    const top = () => 0.999_999;
    expect(backoffDelayMs(0, { baseDelayMs: 100, maxDelayMs: 10_000, random: top })).toBe(99);
    expect(backoffDelayMs(1, { baseDelayMs: 100, maxDelayMs: 10_000, random: top })).toBe(199);
    expect(backoffDelayMs(3, { baseDelayMs: 100, maxDelayMs: 10_000, random: top })).toBe(799);
  });

  it('can wait as little as nothing, so clients failing together spread out', () => {
    expect(backoffDelayMs(5, { baseDelayMs: 100, random: () => 0 })).toBe(0);
  });

  it('never waits past the cap', () => {
    expect(backoffDelayMs(30, { baseDelayMs: 100, maxDelayMs: 5_000, random: () => 0.999_999 })).toBe(4_999);
  });
});

describe('Retry-After', () => {
  it('reads seconds', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('0.5')).toBe(500);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });

  it('ignores what is neither', () => {
    expect(parseRetryAfter('-3')).toBeUndefined();
    expect(parseRetryAfter('soon-ish')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('retry decisions', () => {
  const noJitter = { random: () => 0.5, baseDelayMs: 100 };

  it('retries a read on 429, 502, 503, 504 and network errors', () => {
    for (const status of [429, 502, 503, 504, undefined]) {
      const decision = retryDecision(
        { attempt: 0, idempotent: true, ...(status ? { status } : {}) },
        noJitter,
      );
      expect(decision).toEqual({ retry: true, delayMs: 50 });
    }
  });

  it('does not retry what a retry cannot fix, or what may already have run', () => {
    for (const status of [400, 401, 403, 404, 409, 413, 500]) {
      expect(retryDecision({ attempt: 0, idempotent: true, status })).toEqual({ retry: false });
    }
  });

  it('does not retry a request that could take effect twice', () => {
    expect(retryDecision({ attempt: 0, idempotent: false, status: 503 })).toEqual({ retry: false });
  });

  it('waits what Retry-After says, and gives up when it says too long', () => {
    expect(retryDecision({ attempt: 0, idempotent: true, status: 429, retryAfterMs: 1_000 })).toEqual({
      retry: true,
      delayMs: 1_000,
    });
    expect(
      retryDecision(
        { attempt: 0, idempotent: true, status: 429, retryAfterMs: 120_000 },
        { maxRetryAfterMs: 60_000 },
      ),
    ).toEqual({ retry: false });
  });

  it('stops after maxRetries', () => {
    expect(retryDecision({ attempt: 2, idempotent: true, status: 503 }, { maxRetries: 2 })).toEqual({
      retry: false,
    });
    expect(retryDecision({ attempt: 0, idempotent: true, status: 503 }, { maxRetries: 0 })).toEqual({
      retry: false,
    });
  });

  it('counts reads and deletes as idempotent, a POST only with an idempotency key', () => {
    expect(isIdempotent('GET', false)).toBe(true);
    expect(isIdempotent('delete', false)).toBe(true);
    expect(isIdempotent('POST', false)).toBe(false);
    expect(isIdempotent('POST', true)).toBe(true);
  });
});
