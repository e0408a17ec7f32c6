import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
  type RateLimiterRes,
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
      /** Prefix of the counters' keys; "cai:" unless a shared Redis or a test run needs another. */
      keyPrefix?: string;
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

// One limiter per (name, window) whatever the limit, counting without a ceiling; the limit is
// compared here. So changing a tenant's limit keeps its current count, in memory as in Redis.
const UNBOUNDED_POINTS = Number.MAX_SAFE_INTEGER;

export function createRateLimits(options: RateLimitBackend, now: () => number = Date.now): RateLimits {
  const limiters = new Map<string, RateLimiterAbstract>();

  function limiterFor(request: RateLimitRequest): RateLimiterAbstract {
    const cacheKey = `${request.name}:${request.windowSeconds}`;
    let limiter = limiters.get(cacheKey);
    if (limiter === undefined) {
      limiter = build(options, {
        keyPrefix: `${keyPrefixOf(options)}rate:${request.name}:${request.windowSeconds}`,
        points: UNBOUNDED_POINTS,
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
      const result = await limiterFor(request).consume(request.key);
      return decision(request.limit, result, now());
    },
  };
}

function keyPrefixOf(options: RateLimitBackend): string {
  return options.backend === 'redis' ? (options.keyPrefix ?? 'cai:') : 'cai:';
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
    // While Redis is unreachable each process counts on its own (the insurance limiter) rather than
    // failing requests, and switches back to Redis once it answers: docs/scaling.md. A client that is
    // not connected goes to the insurance at once instead of waiting on the connection.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(settings),
  });
}

function decision(limit: number, result: RateLimiterRes, nowMs: number): RateLimitDecision {
  const msBeforeNext = Math.max(0, result.msBeforeNext);
  const allowed = result.consumedPoints <= limit;
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - result.consumedPoints),
    resetAtMs: nowMs + msBeforeNext,
    // A refusal always asks for some wait, even at a window's last millisecond.
    retryAfterMs: allowed ? 0 : Math.max(1, msBeforeNext),
  };
}
