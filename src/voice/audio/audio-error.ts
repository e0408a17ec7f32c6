// Every refusal of audio input is an AudioError with a stable code and a message a user can act on.
// Transports map it: the voice socket answers PROCESSING_ERROR with the message; REST answers
// the status from AUDIO_ERROR_STATUS (415 unsupported, 400 malformed, 413 too large or too long).

export const AUDIO_ERROR_STATUS = {
  UNSUPPORTED_AUDIO: 415,
  MALFORMED_AUDIO: 400,
  AUDIO_TOO_LARGE: 413,
  AUDIO_TOO_LONG: 413,
} as const;

export type AudioErrorCode = keyof typeof AUDIO_ERROR_STATUS;

export class AudioError extends Error {
  readonly code: AudioErrorCode;
  readonly status: number;

  constructor(code: AudioErrorCode, message: string) {
    super(message);
    this.name = 'AudioError';
    this.code = code;
    this.status = AUDIO_ERROR_STATUS[code];
  }
}

export function isAudioError(error: unknown): error is AudioError {
  return error instanceof AudioError;
}
