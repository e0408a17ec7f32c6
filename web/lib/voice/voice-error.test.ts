import { describe, expect, it } from 'vitest';
import { describeVoiceError, isFatalVoiceError } from './voice-error.ts';

describe('voice errors in words', () => {
  it('tells an anonymous user that this server wants a sign-in', () => {
    const error = { type: 'error' as const, code: 'AUTH_FAILED', message: 'Credentials are required…' };
    expect(describeVoiceError(error, { anonymous: true })).toMatch(
      /does not allow talking without an account/,
    );
    expect(describeVoiceError(error, { anonymous: false })).toMatch(/Sign in again/);
    expect(isFatalVoiceError(error)).toBe(true);
  });

  it('passes on what the server says about a missing engine, and how long to wait when limited', () => {
    expect(
      describeVoiceError(
        {
          type: 'error',
          code: 'PROCESSING_ERROR',
          message:
            'Audio processing error: speech-to-text is unavailable (apt-get install pocketsphinx pocketsphinx-en-us).',
        },
        { anonymous: false },
      ),
    ).toBe(
      'Voice had a problem: speech-to-text is unavailable (apt-get install pocketsphinx pocketsphinx-en-us).',
    );
    expect(
      describeVoiceError(
        { type: 'error', code: 'RATE_LIMITED', message: 'x', retry_after_ms: 1200 },
        { anonymous: false },
      ),
    ).toBe('Too many voice connections or messages right now. Wait 2 s.');
    expect(isFatalVoiceError({ type: 'error', code: 'RATE_LIMITED', message: 'x' })).toBe(false);
  });
});
