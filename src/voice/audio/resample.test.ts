import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioWorkspace, rms, toneFrequency } from './audio-test-kit.ts';
import { missingExecutables } from '../engine-test-support.ts';
import type { AudioWorkspace } from './audio-test-kit.ts';
import { SPEECH_SAMPLE_RATE, toMono16k } from './resample.ts';
import { parseWav } from './wav.ts';

function sine(options: {
  frequency: number;
  sampleRate: number;
  seconds: number;
  amplitude?: number;
}): Int16Array {
  const amplitude = options.amplitude ?? 10000;
  const length = Math.round(options.sampleRate * options.seconds);
  return Int16Array.from({ length }, (_, index) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * options.frequency * index) / options.sampleRate)),
  );
}

const missing = await missingExecutables(['sox', 'soxi', 'espeak-ng']);

describe.skipIf(missing.length > 0)('toMono16k on real audio', () => {
  let work: AudioWorkspace;
  beforeAll(() => {
    work = audioWorkspace();
    work.espeak('speech.wav', 'Resampling speech from twenty two kilohertz to sixteen.');
    work.sox(['-n', '-r', '44100', '-c', '2', '-b', '16', '@tone44.wav', 'synth', '1', 'sine', '440']);
    work.sox(['-n', '-r', '8000', '-c', '1', '-b', '16', '@tone8.wav', 'synth', '1', 'sine', '440']);
    work.sox(['-n', '-r', '48000', '-c', '2', '-b', '16', '@tone48.wav', 'synth', '1.5', 'sine', '440']);
  });
  afterAll(() => work.remove());

  it('turns espeak-ng speech into 16 kHz samples of the same duration, not silent', () => {
    const source = parseWav(work.read('speech.wav'));
    const output = toMono16k(source);
    expect(Math.abs(output.length - work.soxi('-D', 'speech.wav') * SPEECH_SAMPLE_RATE)).toBeLessThanOrEqual(
      2,
    );
    expect(rms(output)).toBeGreaterThan(500);
    // Speech is mostly below 8 kHz, so resampling keeps nearly all its energy.
    expect(rms(output) / rms(source.samples)).toBeGreaterThan(0.8);
  });

  it.each([
    ['tone44.wav', 1],
    ['tone8.wav', 1],
    ['tone48.wav', 1.5],
  ])('keeps the 440 Hz of %s', (name, seconds) => {
    const source = parseWav(work.read(name));
    const output = toMono16k(source);
    expect(Math.abs(output.length - seconds * SPEECH_SAMPLE_RATE)).toBeLessThanOrEqual(2);
    expect(toneFrequency(output, SPEECH_SAMPLE_RATE)).toBeGreaterThan(435);
    expect(toneFrequency(output, SPEECH_SAMPLE_RATE)).toBeLessThan(445);
    // A sine's RMS is its amplitude over √2; the middle of the output keeps it.
    const middle = output.subarray(1000, output.length - 1000);
    expect(rms(middle) / rms(source.samples)).toBeGreaterThan(0.95);
    expect(rms(middle) / rms(source.samples)).toBeLessThan(1.05);
  });
});

describe('toMono16k', () => {
  it('hands 16 kHz mono back untouched', () => {
    const samples = sine({ frequency: 300, sampleRate: 16000, seconds: 0.1 });
    expect(toMono16k({ samples, sampleRate: 16000, channels: 1 })).toBe(samples);
  });

  it('downmixes stereo by averaging the channels', () => {
    const samples = Int16Array.from([1000, 3000, -2000, 0, 32767, 32767]);
    expect(Array.from(toMono16k({ samples, sampleRate: 16000, channels: 2 }))).toEqual([2000, -1000, 32767]);
  });

  it('filters out content above 8 kHz instead of folding it into the speech band', () => {
    // Plain linear interpolation would fold 11 kHz at 44.1 kHz down to an audible 5 kHz.
    const samples = sine({ frequency: 11000, sampleRate: 44100, seconds: 0.5 });
    const output = toMono16k({ samples, sampleRate: 44100, channels: 1 });
    expect(rms(output.subarray(500, output.length - 500)) / rms(samples)).toBeLessThan(0.05);
  });

  it.each([44100, 44101, 48000, 22050])(
    'keeps a 6.5 kHz tone at %s Hz, inside the 16 kHz band',
    (sampleRate) => {
      const samples = sine({ frequency: 6500, sampleRate, seconds: 0.5 });
      const output = toMono16k({ samples, sampleRate, channels: 1 });
      expect(rms(output.subarray(500, output.length - 500)) / rms(samples)).toBeGreaterThan(0.95);
      expect(toneFrequency(output.subarray(500, output.length - 500), SPEECH_SAMPLE_RATE)).toBeCloseTo(
        6500,
        -1,
      );
    },
  );

  it('gives a rate the same samples however many other rates were resampled in between', () => {
    // Each rate pair's weights are made once and kept in a bounded cache: the answer must not
    // depend on whether they came from the cache, or were made again after being evicted.
    const samples = sine({ frequency: 440, sampleRate: 22050, seconds: 0.2 });
    const first = toMono16k({ samples, sampleRate: 22050, channels: 1 });
    expect(toMono16k({ samples, sampleRate: 22050, channels: 1 })).toEqual(first);
    for (let rate = 8000; rate < 8000 + 40 * 250; rate += 250) {
      toMono16k({
        samples: sine({ frequency: 300, sampleRate: rate, seconds: 0.01 }),
        sampleRate: rate,
        channels: 1,
      });
    }
    expect(toMono16k({ samples, sampleRate: 22050, channels: 1 })).toEqual(first);
  });

  it('clips instead of wrapping around at full scale', () => {
    const samples = Int16Array.from({ length: 4410 }, (_, index) => (index % 100 < 50 ? 32767 : -32768));
    const output = toMono16k({ samples, sampleRate: 44100, channels: 1 });
    expect(Math.max(...output)).toBeLessThanOrEqual(32767);
    expect(rms(output)).toBeGreaterThan(25000);
  });
});
