// Cloud text to speech hands its audio over whole: it is cut into chunks for the player, and a
// speed is checked and fitted into the range each provider accepts.
import { AppError } from '../../core/errors.ts';
import { decodePcm16 } from '../audio/pcm.ts';
import type { AudioChunk } from '../text-to-speech.ts';

/** Raw signed 16-bit little-endian mono; a trailing half sample (a cut-off answer) is dropped. */
export function decodeMonoPcm(bytes: Uint8Array, sampleRate: number): Int16Array {
  return decodePcm16(bytes.subarray(0, bytes.length - (bytes.length % 2)), { sampleRate }).samples;
}

export function* pcmChunks(options: {
  samples: Int16Array;
  sampleRate: number;
  chunkSamples: number;
  signal: AbortSignal;
}): Generator<AudioChunk> {
  for (let offset = 0; offset < options.samples.length; offset += options.chunkSamples) {
    if (options.signal.aborted) throw options.signal.reason;
    yield {
      samples: options.samples.slice(offset, offset + options.chunkSamples),
      sampleRate: options.sampleRate,
    };
  }
}

export function fitSpeed(speed: number, range: { min: number; max: number }): number {
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new AppError('VALIDATION_FAILED', { message: 'speed must be a positive number.' });
  }
  return Math.min(range.max, Math.max(range.min, speed));
}
