import { describe, expect, it } from 'vitest';
import { AuthError, CaiError, ConnectionError, RateLimitError } from '../../packages/sdk/src/index.ts';
import { describeError, needsNewSignIn } from './friendly-error.ts';

describe('describeError', () => {
  it('says what happened and what to do, in words', () => {
    expect(describeError(new AuthError({ code: 'AUTH_FAILED', message: 'Invalid API key.' }))).toBe(
      'That key or sign-in was not accepted, or it has expired. Sign in again.',
    );
    expect(describeError(new ConnectionError({ code: 'NETWORK_ERROR', message: 'fetch failed' }))).toBe(
      'Cannot reach the server. Check your connection and try again.',
    );
  });

  it('tells how long to wait when the server said so', () => {
    const error = new RateLimitError({
      code: 'RATE_LIMITED',
      message: 'Too many requests',
      retryAfterMs: 2500,
    });
    expect(describeError(error)).toBe('Too many requests right now. Wait 3 s and try again.');
  });

  it("falls back to the server's own message for a code it does not know", () => {
    expect(describeError(new CaiError({ code: 'SOMETHING_NEW', message: 'A newer server says hi.' }))).toBe(
      'A newer server says hi.',
    );
    expect(describeError(new Error('Plain failure.'))).toBe('Plain failure.');
    expect(describeError(undefined)).toBe('Something went wrong. Try again.');
  });

  it('asks for a new sign-in only when the credential is the problem', () => {
    expect(needsNewSignIn(new AuthError({ code: 'AUTH_FAILED', message: 'expired' }))).toBe(true);
    expect(needsNewSignIn(new ConnectionError({ code: 'NETWORK_ERROR', message: 'down' }))).toBe(false);
  });
});
