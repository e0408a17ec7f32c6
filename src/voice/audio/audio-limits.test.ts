import { describe, expect, it } from 'vitest';
import { AudioError, isAudioError } from './audio-error.ts';
import { checkAudioLimits } from './audio-limits.ts';

const limits = { maxBytes: 1000, maxSeconds: 30 };

function refusal(run: () => unknown): AudioError {
  try {
    run();
  } catch (error) {
    if (isAudioError(error)) return error;
    throw error;
  }
  throw new Error('expected an AudioError');
}

describe('checkAudioLimits', () => {
  it('accepts audio at the limits', () => {
    expect(() => checkAudioLimits({ bytes: 1000, durationSeconds: 30 }, limits)).not.toThrow();
  });

  it('checks the size alone before the audio is decoded', () => {
    expect(() => checkAudioLimits({ bytes: 10 }, limits)).not.toThrow();
    const error = refusal(() => checkAudioLimits({ bytes: 1001 }, limits));
    expect(error).toMatchObject({ code: 'AUDIO_TOO_LARGE', status: 413 });
    expect(error.message).toMatch(/1001 bytes.*at most 1000/);
  });

  it('refuses audio longer than the cap', () => {
    const error = refusal(() => checkAudioLimits({ bytes: 10, durationSeconds: 30.5 }, limits));
    expect(error).toMatchObject({ code: 'AUDIO_TOO_LONG', status: 413 });
    expect(error.message).toMatch(/30\.5 s.*at most 30 s/);
  });
});

describe('AudioError', () => {
  it.each([
    ['UNSUPPORTED_AUDIO', 415],
    ['MALFORMED_AUDIO', 400],
  ] as const)('%s answers REST with %i', (code, status) => {
    const error = new AudioError(code, 'why');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code, status, message: 'why', name: 'AudioError' });
    expect(isAudioError(error)).toBe(true);
    expect(isAudioError(new Error('other'))).toBe(false);
  });
});
