import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createRateLimits } from './rate-limits.ts';

describe('rate limits in memory', () => {
  it('allow up to the limit, then refuse with a wait and nothing remaining', async () => {
    const limits = createRateLimits({ backend: 'memory' });
    const request = { name: 'LIMIT_REST_PER_MINUTE', key: 'tenant-1', limit: 3, windowSeconds: 60 };
    const decisions = [];
    for (let index = 0; index < 4; index += 1) decisions.push(await limits.consume(request));

    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions.every((decision) => decision.limit === 3)).toBe(true);
    expect(decisions.slice(0, 3).every((decision) => decision.retryAfterMs === 0)).toBe(true);
    const refused = decisions[3]!;
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(refused.resetAtMs).toBeGreaterThan(Date.now());
  });

  it('count each key on its own', async () => {
    const limits = createRateLimits({ backend: 'memory' });
    const request = { name: 'LIMIT_REST_PER_MINUTE', limit: 1, windowSeconds: 60 };
    expect((await limits.consume({ ...request, key: 'tenant-1' })).allowed).toBe(true);
    expect((await limits.consume({ ...request, key: 'tenant-1' })).allowed).toBe(false);
    expect((await limits.consume({ ...request, key: 'tenant-2' })).allowed).toBe(true);
  });

  it('count each limit name on its own', async () => {
    const limits = createRateLimits({ backend: 'memory' });
    const request = { key: 'tenant-1', limit: 1, windowSeconds: 60 };
    expect((await limits.consume({ ...request, name: 'LIMIT_REST_PER_MINUTE' })).allowed).toBe(true);
    expect((await limits.consume({ ...request, name: 'LIMIT_AI_REQUESTS_PER_WEEK' })).allowed).toBe(true);
    expect((await limits.consume({ ...request, name: 'LIMIT_REST_PER_MINUTE' })).allowed).toBe(false);
  });

  it('keep the count when the limit changes, so raising it grants only the difference', async () => {
    const limits = createRateLimits({ backend: 'memory' });
    const request = { name: 'LIMIT_REST_PER_MINUTE', key: 'tenant-raise', windowSeconds: 60 };
    for (let index = 0; index < 3; index += 1) {
      expect((await limits.consume({ ...request, limit: 3 })).allowed).toBe(true);
    }
    expect((await limits.consume({ ...request, limit: 3 })).allowed).toBe(false);
    // 4 consumed so far; raised to 6, two more fit.
    expect(await limits.consume({ ...request, limit: 6 })).toMatchObject({ allowed: true, remaining: 1 });
    expect((await limits.consume({ ...request, limit: 6 })).allowed).toBe(true);
    expect((await limits.consume({ ...request, limit: 6 })).allowed).toBe(false);
  });

  it('treat 0 as no limit', async () => {
    const limits = createRateLimits({ backend: 'memory' });
    const request = { name: 'LIMIT_REST_PER_MINUTE', key: 'tenant-1', limit: 0, windowSeconds: 60 };
    for (let index = 0; index < 500; index += 1) {
      const decision = await limits.consume(request);
      expect(decision.allowed).toBe(true);
      expect(decision.retryAfterMs).toBe(0);
    }
  });

  it('allow again once the window has passed', async () => {
    const limits = createRateLimits({ backend: 'memory' });
    const request = { name: 'LIMIT_WS_MESSAGES_PER_SECOND', key: 'connection-1', limit: 1, windowSeconds: 1 };
    await limits.consume(request);
    const refused = await limits.consume(request);
    expect(refused.allowed).toBe(false);
    await sleep(refused.retryAfterMs + 50);
    expect((await limits.consume(request)).allowed).toBe(true);
  });

  it('refuse a malformed limit rather than guess', async () => {
    const limits = createRateLimits({ backend: 'memory' });
    await expect(limits.consume({ name: 'x', key: 'k', limit: -1, windowSeconds: 60 })).rejects.toThrow(
      RangeError,
    );
    await expect(limits.consume({ name: 'x', key: 'k', limit: 5, windowSeconds: 0 })).rejects.toThrow(
      RangeError,
    );
  });
});
