import { describe, expect, it } from 'vitest';
import { ChunkCollector, rmsLevel, StreamingResampler, toPcm16 } from '../../public/worklets/pcm-capture.js';

// The microphone worklet's arithmetic (public/worklets/pcm-capture.js), run here outside a browser:
// what it sends must be the same sound at 16 kHz, without the aliasing of naive decimation.

function tone(options: {
  frequency: number;
  rate: number;
  seconds: number;
  amplitude?: number;
}): Float32Array {
  const length = Math.round(options.rate * options.seconds);
  return Float32Array.from(
    { length },
    (_, index) =>
      (options.amplitude ?? 0.5) * Math.sin((2 * Math.PI * options.frequency * index) / options.rate),
  );
}

/** Frequency from upward zero crossings, over the settled middle of the signal. */
function frequencyOf(samples: Float32Array, rate: number): number {
  const middle = samples.subarray(Math.floor(samples.length * 0.2), Math.floor(samples.length * 0.8));
  let crossings = 0;
  for (let index = 1; index < middle.length; index += 1) {
    if ((middle[index - 1] ?? 0) < 0 && (middle[index] ?? 0) >= 0) crossings += 1;
  }
  return (crossings * rate) / middle.length;
}

function middleRms(samples: Float32Array): number {
  return rmsLevel(samples.subarray(Math.floor(samples.length * 0.2), Math.floor(samples.length * 0.8)));
}

function resampleInBlocks(
  input: Float32Array,
  resampler: StreamingResampler,
  blockSizes: number[],
): Float32Array {
  const output: number[] = [];
  let offset = 0;
  for (let block = 0; offset < input.length; block += 1) {
    const size = blockSizes[block % blockSizes.length] ?? 128;
    output.push(...resampler.process(input.subarray(offset, offset + size)));
    offset += size;
  }
  return Float32Array.from(output);
}

describe('StreamingResampler', () => {
  for (const inputRate of [48_000, 44_100, 22_050]) {
    it(`keeps a 440 Hz tone's pitch and loudness from ${inputRate} Hz to 16 kHz`, () => {
      const input = tone({ frequency: 440, rate: inputRate, seconds: 1 });
      const output = resampleInBlocks(input, new StreamingResampler(inputRate, 16_000), [128]);
      // Everything but the kernel's look-ahead has come out.
      expect(Math.abs(output.length - 16_000)).toBeLessThan(40);
      expect(frequencyOf(output, 16_000)).toBeCloseTo(440, -1);
      expect(middleRms(output)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    });
  }

  it('removes what 16 kHz cannot hold (a 10 kHz tone) instead of folding it down to 6 kHz', () => {
    const output = resampleInBlocks(
      tone({ frequency: 10_000, rate: 48_000, seconds: 0.5 }),
      new StreamingResampler(48_000, 16_000),
      [128],
    );
    expect(middleRms(output)).toBeLessThan(0.01);
  });

  it('gives the same samples however the input is cut into blocks', () => {
    const input = tone({ frequency: 300, rate: 44_100, seconds: 0.3 });
    const whole = new StreamingResampler(44_100, 16_000).process(input);
    const pieces = resampleInBlocks(input, new StreamingResampler(44_100, 16_000), [128, 1, 37, 500, 3]);
    expect(pieces.length).toBe(whole.length);
    for (let index = 0; index < whole.length; index += 1)
      expect(pieces[index]).toBeCloseTo(whole[index] ?? 0, 6);
  });

  it('passes 16 kHz through unchanged', () => {
    const input = tone({ frequency: 1000, rate: 16_000, seconds: 0.1 });
    const output = new StreamingResampler(16_000, 16_000).process(input);
    const lookAhead = input.length - output.length;
    expect(lookAhead).toBeGreaterThan(0);
    for (let index = 0; index < output.length; index += 1)
      expect(output[index]).toBeCloseTo(input[index] ?? 0, 2);
  });
});

describe('the chunks the worklet posts', () => {
  it('are 20 ms of 16-bit PCM, cut from a stream of any block size', () => {
    const collector = new ChunkCollector(320);
    const chunks = [
      collector.push(new Float32Array(300)),
      collector.push(new Float32Array(400)),
      collector.push(new Float32Array(300)),
    ].flat();
    expect(chunks.map((chunk) => chunk.length)).toEqual([320, 320, 320]);
    expect(collector.filled).toBe(40);
  });

  it('clip to the 16-bit range and carry their level', () => {
    expect([...toPcm16(Float32Array.from([0, 0.5, 1, 2, -1, -2]))]).toEqual([
      0, 16_384, 32_767, 32_767, -32_768, -32_768,
    ]);
    expect(rmsLevel(Float32Array.from([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5);
    expect(rmsLevel(new Float32Array(0))).toBe(0);
  });
});
