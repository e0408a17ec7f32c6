// What every decoder hands back: interleaved signed 16-bit samples and how to read them.

export interface Pcm16Audio {
  sampleRate: number;
  channels: number;
  /** Interleaved frames: for stereo, left then right. */
  samples: Int16Array;
}

export interface DecodedAudio extends Pcm16Audio {
  bitsPerSample: 16;
  durationSeconds: number;
}

export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 48000;
export const MAX_CHANNELS = 2;

export function durationOf(audio: Pcm16Audio): number {
  return audio.samples.length / audio.channels / audio.sampleRate;
}
