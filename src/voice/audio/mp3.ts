// MP3 encoding for format:"mp3" replies, with the pure-JavaScript LAME port.

import { Mp3Encoder } from '@breezystack/lamejs';
import { AudioError } from './audio-error.ts';

const FRAME_SAMPLES = 1152; // samples per channel in one MPEG-1 Layer III frame
const MP3_SAMPLE_RATES = new Set([8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]);
const MP3_BITRATES = new Set([8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]);

export interface Mp3Options {
  /** Interleaved 16-bit samples. */
  samples: Int16Array;
  sampleRate: number;
  channels?: number;
  kbps?: number;
}

export const DEFAULT_MP3_KBPS = 64;

/** Encodes 16-bit PCM as constant-bitrate MP3. */
export function encodeMp3(options: Mp3Options): Uint8Array {
  const channels = options.channels ?? 1;
  const kbps = options.kbps ?? DEFAULT_MP3_KBPS;
  if (channels !== 1 && channels !== 2) {
    throw new AudioError('UNSUPPORTED_AUDIO', `MP3 output takes mono or stereo, not ${channels} channels.`);
  }
  if (!MP3_SAMPLE_RATES.has(options.sampleRate)) {
    throw new AudioError('UNSUPPORTED_AUDIO', `MP3 cannot carry a sample rate of ${options.sampleRate} Hz.`);
  }
  if (!MP3_BITRATES.has(kbps))
    throw new AudioError('UNSUPPORTED_AUDIO', `${kbps} kbps is not an MP3 bitrate.`);

  const frames = Math.floor(options.samples.length / channels);
  const left = new Int16Array(frames);
  const right = channels === 2 ? new Int16Array(frames) : undefined;
  for (let frame = 0; frame < frames; frame++) {
    left[frame] = options.samples[frame * channels] ?? 0;
    if (right) right[frame] = options.samples[frame * 2 + 1] ?? 0;
  }

  const encoder = new Mp3Encoder(channels, options.sampleRate, kbps);
  const parts: Uint8Array[] = [];
  for (let start = 0; start < frames; start += FRAME_SAMPLES) {
    const end = start + FRAME_SAMPLES;
    parts.push(encoder.encodeBuffer(left.subarray(start, end), right?.subarray(start, end)));
  }
  parts.push(encoder.flush());
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const output = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return output;
}
