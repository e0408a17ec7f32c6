import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import { effectiveLimit } from '../../limits/effective-limit.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { requestLike } from './request-like.ts';
import { applyRateLimitHeaders, type LimitOutcome } from './rate-limit-headers.ts';

// The hooks every tenant route runs before its handler: who is asking (any credential form of
// DESIGN.md), then the limits that apply: REST requests per tenant per minute, and on the AI and
// voice endpoints doc 002's requests per key per week.

const MINUTE = 60;
const WEEK = 7 * 24 * 60 * 60;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Counts against LIMIT_AI_REQUESTS_PER_WEEK (doc 002's /ai and /voice endpoints). */
    weeklyQuota?: boolean;
  }
}

export function installTenantGuard(server: FastifyInstance, dependencies: HttpDependencies): void {
  const { authenticator, rateLimits, store, config } = dependencies;

  server.decorateRequest('principal', null);

  // onRequest, before the body is read: an unauthenticated or refused request costs no body
  // parsing, and a malformed body cannot slip past the count.
  server.addHook('onRequest', async (request, reply) => {
    const principal = await authenticator.authenticateRequest(requestLike(request));
    request.principal = principal;
    const tenant = await store.getTenant(principal.tenantId);
    if (tenant === undefined) throw new AppError('AUTH_FAILED');
    // A limit of 0 is off. With every limit that applies off (as a server without limits runs),
    // nothing is counted and no header is set: return before building the checks.
    const weekly = request.routeOptions.config.weeklyQuota === true;
    if (
      effectiveLimit(config, tenant, 'LIMIT_REST_PER_MINUTE') === 0 &&
      (!weekly || effectiveLimit(config, tenant, 'LIMIT_AI_REQUESTS_PER_WEEK') === 0)
    )
      return;

    const checks: Array<{
      policy: string;
      name: Parameters<typeof effectiveLimit>[2];
      key: string;
      window: number;
    }> = [{ policy: 'rest', name: 'LIMIT_REST_PER_MINUTE', key: tenant.id, window: MINUTE }];
    if (weekly) {
      const who = principal.keyId ?? `user:${principal.tenantId}:${principal.userId ?? ''}`;
      checks.push({ policy: 'ai-weekly', name: 'LIMIT_AI_REQUESTS_PER_WEEK', key: who, window: WEEK });
    }

    const outcomes: LimitOutcome[] = [];
    for (const check of checks) {
      const limit = effectiveLimit(config, tenant, check.name);
      if (limit === 0) continue;
      const decision = await rateLimits.consume({
        name: check.name,
        key: check.key,
        limit,
        windowSeconds: check.window,
      });
      outcomes.push({ policy: check.policy, windowSeconds: check.window, ...decision });
      if (!decision.allowed) break;
    }
    applyRateLimitHeaders(reply, outcomes);
    const refused = outcomes.find((outcome) => !outcome.allowed);
    if (refused) {
      throw new AppError(refused.policy === 'ai-weekly' ? 'QUOTA_EXCEEDED' : 'RATE_LIMITED', {
        message:
          refused.policy === 'ai-weekly'
            ? `The weekly quota of ${refused.limit} AI requests is used up.`
            : `More than ${refused.limit} requests per minute.`,
        details: { retry_after_ms: refused.retryAfterMs, limit: refused.limit, policy: refused.policy },
        retryAfterMs: refused.retryAfterMs,
      });
    }
  });
}

/** The principal set by the tenant guard; routes behind it can rely on it. */
export function principalOf(request: FastifyRequest) {
  if (request.principal === null) throw new AppError('AUTH_REQUIRED');
  return request.principal;
}
