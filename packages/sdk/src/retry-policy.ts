import { backoffDelayMs, type BackoffOptions } from './backoff.ts';

// When a failed REST request is sent again. Only requests that cannot do a thing twice are retried:
// reads, deletes, and writes that carry an idempotency key the server deduplicates on
// (`client_message_id` within a conversation). And only failures a retry can fix: 429, 502, 503,
// 504 and network errors. A 500 may have done the work already, so it is not retried.

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt (default 3; 0 turns retries off). */
  maxRetries?: number;
  /** A Retry-After longer than this is not waited for: the error is thrown (default 60 s). */
  maxRetryAfterMs?: number;
}

export const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

export interface FailedAttempt {
  /** 0 for the first attempt. */
  attempt: number;
  /** Whether sending the request again cannot repeat its effect. */
  idempotent: boolean;
  /** The HTTP status; undefined when no response came (network error). */
  status?: number;
  retryAfterMs?: number;
}

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

export function retryDecision(failure: FailedAttempt, options: RetryOptions = {}): RetryDecision {
  if (!failure.idempotent) return { retry: false };
  if (failure.attempt >= (options.maxRetries ?? DEFAULT_MAX_RETRIES)) return { retry: false };
  if (failure.status !== undefined && !RETRYABLE_STATUSES.has(failure.status)) return { retry: false };
  if (failure.retryAfterMs !== undefined) {
    if (failure.retryAfterMs > (options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS))
      return { retry: false };
    return { retry: true, delayMs: failure.retryAfterMs };
  }
  return { retry: true, delayMs: backoffDelayMs(failure.attempt, options) };
}

/** GET, HEAD, OPTIONS and DELETE are idempotent by definition; a POST only with a key. */
export function isIdempotent(method: string, hasIdempotencyKey: boolean): boolean {
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD' || upper === 'OPTIONS' || upper === 'DELETE' || upper === 'PUT')
    return true;
  return hasIdempotencyKey;
}
