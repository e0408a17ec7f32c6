import { ModelError } from './chat-model.ts';

// What an HTTP error status from a provider means for the retry policy, whichever client got it:
// 429 is a rate limit (retried after Retry-After), 408, 409 and 5xx are the provider's trouble
// (retried, then the next model), any other status is the request's fault (not retried).

export function modelErrorForStatus(options: {
  /** Already prefixed with the model's name. */
  message: string;
  statusCode: number;
  retryAfterMs?: number;
  cause?: unknown;
}): ModelError {
  const { message, statusCode, retryAfterMs, cause } = options;
  if (statusCode === 429) {
    return new ModelError({
      kind: 'rate-limited',
      message,
      retryable: true,
      statusCode,
      retryAfterMs,
      cause,
    });
  }
  if (statusCode === 408 || statusCode === 409 || statusCode >= 500) {
    return new ModelError({ kind: 'upstream', message, retryable: true, statusCode, retryAfterMs, cause });
  }
  return new ModelError({ kind: 'client', message, retryable: false, statusCode, cause });
}
