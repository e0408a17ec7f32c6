// Caps on incoming audio: size can be checked before decoding, duration after.

import { AudioError } from './audio-error.ts';

export interface AudioMeasure {
  /** Encoded size in bytes. */
  bytes: number;
  /** Known once decoded; leave out to check the size alone. */
  durationSeconds?: number;
}

export interface AudioLimits {
  maxBytes: number;
  maxSeconds: number;
}

export function checkAudioLimits(measure: AudioMeasure, limits: AudioLimits): void {
  if (measure.bytes > limits.maxBytes) {
    throw new AudioError(
      'AUDIO_TOO_LARGE',
      `The audio is ${measure.bytes} bytes; this server accepts at most ${limits.maxBytes}.`,
    );
  }
  if (measure.durationSeconds !== undefined && measure.durationSeconds > limits.maxSeconds) {
    throw new AudioError(
      'AUDIO_TOO_LONG',
      `The audio lasts ${measure.durationSeconds.toFixed(1)} s; this server accepts at most ${limits.maxSeconds} s.`,
    );
  }
}
