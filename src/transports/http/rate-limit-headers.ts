import type { FastifyReply } from 'fastify';

// What one limit said about one request, and the headers that tell the client: the de-facto
// X-RateLimit-* trio (doc 002, doc 004) and the IETF RateLimit-Policy / RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers), one named policy per limit that applied.

export interface LimitOutcome {
  /** Policy name, e.g. "rest" or "ai-weekly". */
  policy: string;
  limit: number;
  windowSeconds: number;
  remaining: number;
  resetAtMs: number;
  allowed: boolean;
  retryAfterMs: number;
}

export function applyRateLimitHeaders(reply: FastifyReply, outcomes: LimitOutcome[], now = Date.now()): void {
  if (outcomes.length === 0) return;
  // The X-RateLimit-* trio can only describe one limit: the one closest to refusing.
  const tightest = outcomes.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  reply.header('x-ratelimit-limit', String(tightest.limit));
  reply.header('x-ratelimit-remaining', String(Math.max(0, tightest.remaining)));
  reply.header('x-ratelimit-reset', String(Math.ceil(tightest.resetAtMs / 1000)));
  reply.header(
    'ratelimit-policy',
    outcomes.map((outcome) => `"${outcome.policy}";q=${outcome.limit};w=${outcome.windowSeconds}`).join(', '),
  );
  reply.header(
    'ratelimit',
    outcomes
      .map(
        (outcome) =>
          `"${outcome.policy}";r=${Math.max(0, outcome.remaining)};t=${Math.max(0, Math.ceil((outcome.resetAtMs - now) / 1000))}`,
      )
      .join(', '),
  );
  const refused = outcomes.filter((outcome) => !outcome.allowed);
  if (refused.length > 0) {
    const retryAfterMs = Math.max(...refused.map((outcome) => outcome.retryAfterMs));
    reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  }
}
