import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioError } from './audio-error.ts';
import { audioWorkspace } from './audio-test-kit.ts';
import { missingExecutables } from '../engine-test-support.ts';
import type { AudioWorkspace } from './audio-test-kit.ts';
import { encodeMp3 } from './mp3.ts';
import { parseWav } from './wav.ts';

// MPEG audio frame headers, read independently of the encoder to check what it wrote.
const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

interface FrameSummary {
  frames: number;
  sampleRate: number;
  kbps: number;
  channels: number;
  samplesPerChannel: number;
}

function walkFrames(bytes: Uint8Array): FrameSummary {
  let offset = 0;
  const summary: FrameSummary = { frames: 0, sampleRate: 0, kbps: 0, channels: 0, samplesPerChannel: 0 };
  while (offset < bytes.length) {
    const b1 = bytes[offset + 1] ?? 0;
    const b2 = bytes[offset + 2] ?? 0;
    const b3 = bytes[offset + 3] ?? 0;
    // 11 sync bits set: 0xFFE.
    expect([bytes[offset], b1 & 0xe0], `frame sync at byte ${offset}`).toEqual([0xff, 0xe0]);
    const version = (b1 >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    expect((b1 >> 1) & 3, 'Layer III').toBe(1);
    const kbps = (version === 3 ? BITRATES_V1 : BITRATES_V2)[(b2 >> 4) & 15] ?? 0;
    const sampleRate = RATES[version]?.[(b2 >> 2) & 3] ?? 0;
    const padding = (b2 >> 1) & 1;
    const samples = version === 3 ? 1152 : 576;
    const length = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
    summary.frames++;
    summary.sampleRate = sampleRate;
    summary.kbps = kbps;
    summary.channels = b3 >> 6 === 3 ? 1 : 2;
    summary.samplesPerChannel += samples;
    offset += length;
  }
  expect(offset, 'frames end exactly at the end of the file').toBe(bytes.length);
  return summary;
}

function soxReadsMp3(): boolean {
  try {
    return / mp3 /.test(` ${execFileSync('sox', ['-h'], { encoding: 'utf8' })} `);
  } catch {
    return false;
  }
}

const missing = await missingExecutables(['sox', 'soxi', 'espeak-ng']);

describe.skipIf(missing.length > 0)('encodeMp3 on real audio', () => {
  let work: AudioWorkspace;
  beforeAll(() => {
    work = audioWorkspace();
    work.espeak('speech.wav', 'This reply is spoken back as an MP3 file.');
    work.sox(['-n', '-r', '44100', '-c', '2', '-b', '16', '@tone44.wav', 'synth', '2', 'sine', '440']);
  });
  afterAll(() => work.remove());

  it('encodes espeak-ng speech into whole MP3 frames of the right rate and length', () => {
    const speech = parseWav(work.read('speech.wav'));
    const mp3 = encodeMp3({ samples: speech.samples, sampleRate: speech.sampleRate });
    const summary = walkFrames(mp3);
    expect(summary).toMatchObject({ sampleRate: 22050, kbps: 64, channels: 1 });
    const encodedSeconds = summary.samplesPerChannel / summary.sampleRate;
    // The encoder adds at most a few frames of priming and padding.
    expect(encodedSeconds).toBeGreaterThanOrEqual(speech.durationSeconds);
    expect(encodedSeconds - speech.durationSeconds).toBeLessThan(0.2);
    expect(mp3.length / encodedSeconds).toBeCloseTo(8000, -2);
  });

  it('encodes stereo at the requested bitrate', () => {
    const tone = parseWav(work.read('tone44.wav'));
    const mp3 = encodeMp3({ samples: tone.samples, sampleRate: 44100, channels: 2, kbps: 128 });
    const summary = walkFrames(mp3);
    expect(summary).toMatchObject({ sampleRate: 44100, kbps: 128, channels: 2 });
    expect(mp3.length / 2).toBeGreaterThan(15000);
    expect(mp3.length / 2).toBeLessThan(17500);
  });

  it.runIf(soxReadsMp3())('decodes back with sox to the same duration', () => {
    const speech = parseWav(work.read('speech.wav'));
    writeFileSync(work.path('speech.mp3'), encodeMp3({ samples: speech.samples, sampleRate: 22050 }));
    expect(work.soxi('-D', 'speech.mp3')).toBeCloseTo(speech.durationSeconds, 0);
  });
});

describe('encodeMp3', () => {
  it('encodes a short 16 kHz buffer, flushing the last partial frame', () => {
    const samples = Int16Array.from({ length: 1000 }, (_, index) => Math.round(5000 * Math.sin(index / 4)));
    const summary = walkFrames(encodeMp3({ samples, sampleRate: 16000, kbps: 32 }));
    expect(summary).toMatchObject({ sampleRate: 16000, kbps: 32 });
    expect(summary.samplesPerChannel).toBeGreaterThanOrEqual(1000);
  });

  it.each([
    [{ sampleRate: 44000 }, /44000 Hz/],
    [{ sampleRate: 16000, kbps: 100 }, /100 kbps/],
    [{ sampleRate: 16000, channels: 3 }, /3 channels/],
  ])('refuses %o', (options, message) => {
    expect(() => encodeMp3({ samples: new Int16Array(1152), ...options })).toThrow(AudioError);
    expect(() => encodeMp3({ samples: new Int16Array(1152), ...options })).toThrow(message);
  });
});
