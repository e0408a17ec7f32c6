import { describe, expect, it } from 'vitest';
import { toMono16k } from './audio/resample.ts';
import { StreamingResampler } from './streaming-resampler.ts';

// A chirp with some noise: every frequency band is exercised, so any seam would show.
function testSignal(sampleRate: number, seconds: number): Int16Array {
  const samples = new Int16Array(Math.round(sampleRate * seconds));
  let seed = 7;
  for (let index = 0; index < samples.length; index += 1) {
    const time = index / sampleRate;
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const noise = (seed / 2_147_483_648 - 0.5) * 2000;
    samples[index] = Math.round(8000 * Math.sin(2 * Math.PI * (200 + 1500 * time) * time) + noise);
  }
  return samples;
}

/** Streams `input` in chunks of the given sizes (cycled) and joins what comes out. */
function streamed(resampler: StreamingResampler, input: Int16Array, chunkSizes: number[]): Int16Array {
  const outputs: Int16Array[] = [];
  let offset = 0;
  for (let turn = 0; offset < input.length; turn += 1) {
    const size = chunkSizes[turn % chunkSizes.length]!;
    outputs.push(resampler.push(input.subarray(offset, offset + size)));
    offset += size;
  }
  const joined = new Int16Array(outputs.reduce((total, output) => total + output.length, 0));
  let position = 0;
  for (const output of outputs) {
    joined.set(output, position);
    position += output.length;
  }
  return joined;
}

describe('StreamingResampler', () => {
  for (const rate of [44_100, 48_000, 22_050, 8_000]) {
    it(`gives what resampling the whole ${rate} Hz stream gives, whatever the chunk sizes`, () => {
      const input = testSignal(rate, 1);
      const whole = toMono16k({ sampleRate: rate, channels: 1, samples: input });
      const output = streamed(new StreamingResampler(rate), input, [Math.round(rate / 50), 37, 1, 4000]);
      // Only the lookahead at the very end is still held back.
      expect(output.length).toBeGreaterThan(whole.length - 400);
      expect(output.length).toBeLessThanOrEqual(whole.length);
      let largestDifference = 0;
      for (let index = 0; index < output.length; index += 1) {
        largestDifference = Math.max(largestDifference, Math.abs(output[index]! - whole[index]!));
      }
      expect(largestDifference).toBeLessThanOrEqual(1);
    });
  }

  it('passes 16 kHz through untouched', () => {
    const input = testSignal(16_000, 0.1);
    expect(new StreamingResampler(16_000).push(input)).toBe(input);
  });

  it('holds back a chunk too short to finish a block, and gives it out with the next', () => {
    const resampler = new StreamingResampler(44_100);
    expect(resampler.push(new Int16Array(100)).length).toBe(0);
    expect(resampler.push(new Int16Array(44_100)).length).toBeGreaterThan(15_000);
  });
});
