import type { VoiceServerMessage } from './voice-messages.ts';

// The voice socket's errors (docs/voice.md), in words for the user.

type VoiceErrorMessage = Extract<VoiceServerMessage, { type: 'error' }>;

export function describeVoiceError(error: VoiceErrorMessage, options: { anonymous: boolean }): string {
  switch (error.code) {
    case 'AUTH_FAILED':
      return options.anonymous
        ? 'This server does not allow talking without an account. Sign in with an API key to talk.'
        : 'Your sign-in was not accepted or has expired. Sign in again.';
    case 'RATE_LIMITED': {
      const wait =
        error.retry_after_ms === undefined
          ? ''
          : ` Wait ${Math.max(1, Math.ceil(error.retry_after_ms / 1000))} s.`;
      return `Too many voice connections or messages right now.${wait}`;
    }
    case 'PROCESSING_ERROR':
      return `Voice had a problem: ${error.message.replace(/^Audio processing error:\s*/i, '')}`;
    case 'NO_SESSION':
      return 'The conversation had not started yet. Press Start talking again.';
    default:
      return error.message;
  }
}

/** Errors after which the connection closes: the conversation cannot go on. */
export function isFatalVoiceError(error: VoiceErrorMessage): boolean {
  return error.code === 'AUTH_FAILED';
}
