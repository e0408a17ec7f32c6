import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { LimitName } from '../core/domain.ts';

// Fixed-window rate limits over rate-limiter-flexible. Embedded mode counts in memory; distributed
// mode counts in Redis (atomic, shared by every process), with the same calls.

export type RateLimitBackend =
  | { backend: 'memory' }
  | {
      backend: 'redis';
      /** An ioredis client (or node-redis with `useRedisPackage`); typed loosely to keep the driver optional. */
      client: unknown;
      useRedisPackage?: boolean;
    };

export interface RateLimitRequest {
  name: LimitName | string;
  /** Who is counted: a tenant id, an API key id, a connection id, an IP address. */
  key: string;
  /** Allowed per window; 0 means no limit. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the current window ends (epoch milliseconds). */
  resetAtMs: number;
  /** 0 when allowed; otherwise how long until a retry can succeed. */
  retryAfterMs: number;
}

export interface RateLimits {
  consume(request: RateLimitRequest): Promise<RateLimitDecision>;
}

export function createRateLimits(options: RateLimitBackend, now: () => number = Date.now): RateLimits {
  const limiters = new Map<string, RateLimiterAbstract>();

  function limiterFor(request: RateLimitRequest): RateLimiterAbstract {
    const cacheKey = `${request.name}:${request.limit}:${request.windowSeconds}`;
    let limiter = limiters.get(cacheKey);
    if (limiter === undefined) {
      limiter = build(options, {
        // The limit is not in the stored key: changing a tenant's limit keeps its current count.
        keyPrefix: `cai:rate:${request.name}:${request.windowSeconds}`,
        points: request.limit,
        duration: request.windowSeconds,
      });
      limiters.set(cacheKey, limiter);
    }
    return limiter;
  }

  return {
    async consume(request) {
      if (request.limit === 0) {
        return {
          allowed: true,
          limit: 0,
          remaining: Number.POSITIVE_INFINITY,
          resetAtMs: now(),
          retryAfterMs: 0,
        };
      }
      if (!Number.isInteger(request.limit) || request.limit < 0 || !(request.windowSeconds > 0)) {
        throw new RangeError(
          `Invalid rate limit ${request.name}: ${request.limit} per ${request.windowSeconds} s`,
        );
      }
      try {
        const result = await limiterFor(request).consume(request.key);
        return decision(request.limit, result, true, now());
      } catch (rejection) {
        // A refusal is answered as a RateLimiterRes; anything else is a real failure.
        if (rejection instanceof RateLimiterRes) return decision(request.limit, rejection, false, now());
        throw rejection;
      }
    },
  };
}

function build(
  options: RateLimitBackend,
  settings: { keyPrefix: string; points: number; duration: number },
): RateLimiterAbstract {
  if (options.backend === 'memory') return new RateLimiterMemory(settings);
  return new RateLimiterRedis({
    ...settings,
    storeClient: options.client,
    useRedisPackage: options.useRedisPackage ?? false,
    // While Redis is unreachable each process keeps counting on its own rather than failing requests.
    insuranceLimiter: new RateLimiterMemory(settings),
  });
}

function decision(limit: number, result: RateLimiterRes, allowed: boolean, nowMs: number): RateLimitDecision {
  const msBeforeNext = Math.max(0, result.msBeforeNext);
  return {
    allowed,
    limit,
    remaining: allowed ? Math.max(0, result.remainingPoints) : 0,
    resetAtMs: nowMs + msBeforeNext,
    // A refusal always asks for some wait, even at a window's last millisecond.
    retryAfterMs: allowed ? 0 : Math.max(1, msBeforeNext),
  };
}
