// Headerless 16-bit little-endian PCM, and the choice between it and WAV for incoming audio.

import { AudioError } from './audio-error.ts';
import { MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from './audio-format.ts';
import type { DecodedAudio } from './audio-format.ts';
import { parseWav } from './wav.ts';

export interface PcmOptions {
  sampleRate: number;
  /** 1 unless told otherwise: headerless input cannot say. */
  channels?: number;
}

/** Reads headerless signed 16-bit little-endian PCM. */
export function decodePcm16(bytes: Uint8Array, options: PcmOptions): DecodedAudio {
  const channels = options.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    throw new AudioError(
      'UNSUPPORTED_AUDIO',
      `PCM with ${channels} channels is not supported; send mono or stereo.`,
    );
  }
  if (
    !Number.isInteger(options.sampleRate) ||
    options.sampleRate < MIN_SAMPLE_RATE ||
    options.sampleRate > MAX_SAMPLE_RATE
  ) {
    throw new AudioError(
      'UNSUPPORTED_AUDIO',
      `A sample rate of ${options.sampleRate} Hz is not supported; use ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz.`,
    );
  }
  const frameBytes = 2 * channels;
  if (bytes.length % frameBytes !== 0) {
    throw new AudioError(
      'MALFORMED_AUDIO',
      `Raw PCM must be whole 16-bit ${channels === 1 ? 'samples' : 'stereo frames'}; got ${bytes.length} bytes.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Int16Array(bytes.length / 2);
  for (let index = 0; index < samples.length; index++) samples[index] = view.getInt16(index * 2, true);
  return {
    sampleRate: options.sampleRate,
    channels,
    bitsPerSample: 16,
    samples,
    durationSeconds: samples.length / channels / options.sampleRate,
  };
}

/**
 * True when the bytes start like a RIFF-family file. Only the magic is checked, so a truncated
 * or odd WAV is still routed to the WAV parser and refused there rather than played as noise.
 */
export function looksLikeWav(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const magic = String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0, bytes[2] ?? 0, bytes[3] ?? 0);
  return magic === 'RIFF' || magic === 'RIFX' || magic === 'RF64';
}

export interface DecodeAudioOptions {
  /** The rate of headerless PCM input (the SAMPLE_RATE setting). */
  pcmSampleRate: number;
  pcmChannels?: number;
}

/** Decodes WAV or headerless PCM; empty audio is refused. */
export function decodeAudio(bytes: Uint8Array, options: DecodeAudioOptions): DecodedAudio {
  if (bytes.length === 0) throw new AudioError('MALFORMED_AUDIO', 'The audio is empty.');
  const audio = looksLikeWav(bytes)
    ? parseWav(bytes)
    : decodePcm16(bytes, { sampleRate: options.pcmSampleRate, channels: options.pcmChannels ?? 1 });
  if (audio.samples.length === 0) throw new AudioError('MALFORMED_AUDIO', 'The audio holds no samples.');
  return audio;
}
