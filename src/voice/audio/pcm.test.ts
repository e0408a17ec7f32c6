import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioError } from './audio-error.ts';
import { audioWorkspace, rms } from './audio-test-kit.ts';
import { missingExecutables } from '../engine-test-support.ts';
import type { AudioWorkspace } from './audio-test-kit.ts';
import { decodeAudio, decodePcm16, looksLikeWav } from './pcm.ts';
import { writeWav } from './wav.ts';

function refusal(run: () => unknown): AudioError {
  try {
    run();
  } catch (error) {
    if (error instanceof AudioError) return error;
    throw error;
  }
  throw new Error('expected an AudioError');
}

const missing = await missingExecutables(['sox', 'soxi', 'espeak-ng']);

describe.skipIf(missing.length > 0)('headerless PCM from sox', () => {
  let work: AudioWorkspace;
  beforeAll(() => {
    work = audioWorkspace();
    work.espeak('speech.wav', 'Headerless audio at sixteen kilohertz.');
    work.sox([
      '-D',
      '@speech.wav',
      '-t',
      'raw',
      '-r',
      '16000',
      '-e',
      'signed',
      '-b',
      '16',
      '-c',
      '1',
      '@speech.pcm',
    ]);
    work.sox(['-D', '@speech.wav', '-r', '16000', '-b', '16', '-c', '1', '@speech16.wav']);
  });
  afterAll(() => work.remove());

  it('reads raw 16 kHz PCM with the duration sox gives the same audio', () => {
    const audio = decodeAudio(work.read('speech.pcm'), { pcmSampleRate: 16000 });
    expect(audio).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(audio.samples.length).toBe(work.soxi('-s', 'speech16.wav'));
    expect(audio.durationSeconds).toBeCloseTo(work.soxi('-D', 'speech16.wav'), 3);
    expect(rms(audio.samples)).toBeGreaterThan(500);
  });

  it('decodes a WAV file by its header, whatever SAMPLE_RATE says', () => {
    const audio = decodeAudio(work.read('speech.wav'), { pcmSampleRate: 16000 });
    expect(audio.sampleRate).toBe(22050);
  });

  it('reads the same samples from raw PCM and from its WAV', () => {
    const raw = decodeAudio(work.read('speech.pcm'), { pcmSampleRate: 16000 });
    const wav = decodeAudio(work.read('speech16.wav'), { pcmSampleRate: 16000 });
    expect(raw.samples).toEqual(wav.samples);
  });
});

describe('decodePcm16 and decodeAudio', () => {
  it('reads little-endian signed samples', () => {
    const audio = decodePcm16(new Uint8Array([0x01, 0x00, 0xff, 0xff, 0x00, 0x80]), { sampleRate: 8000 });
    expect(Array.from(audio.samples)).toEqual([1, -1, -32768]);
    expect(audio.durationSeconds).toBeCloseTo(3 / 8000, 9);
  });

  it('reads stereo frames when told the channel count', () => {
    const audio = decodePcm16(new Uint8Array(8), { sampleRate: 16000, channels: 2 });
    expect(audio.durationSeconds).toBeCloseTo(2 / 16000, 9);
  });

  it('refuses an odd byte count as malformed', () => {
    const error = refusal(() => decodeAudio(new Uint8Array(7), { pcmSampleRate: 16000 }));
    expect(error.code).toBe('MALFORMED_AUDIO');
    expect(error.message).toMatch(/7 bytes/);
  });

  it('refuses empty audio and a WAV without samples', () => {
    expect(refusal(() => decodeAudio(new Uint8Array(0), { pcmSampleRate: 16000 })).code).toBe(
      'MALFORMED_AUDIO',
    );
    const empty = writeWav({ samples: new Int16Array(0), sampleRate: 16000, channels: 1 });
    expect(refusal(() => decodeAudio(empty, { pcmSampleRate: 16000 })).message).toMatch(/no samples/);
  });

  it('refuses a SAMPLE_RATE outside 8000..48000 as unsupported', () => {
    expect(refusal(() => decodePcm16(new Uint8Array(4), { sampleRate: 96000 })).code).toBe(
      'UNSUPPORTED_AUDIO',
    );
  });

  it('routes anything that starts like RIFF to the WAV parser, so a cut header is refused', () => {
    const header = writeWav({ samples: new Int16Array(4), sampleRate: 16000, channels: 1 }).subarray(0, 10);
    expect(looksLikeWav(header)).toBe(true);
    expect(looksLikeWav(new Uint8Array([1, 2, 3, 4, 5, 6]))).toBe(false);
    expect(refusal(() => decodeAudio(header, { pcmSampleRate: 16000 })).code).toBe('MALFORMED_AUDIO');
  });

  it('never throws anything but an AudioError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, riff) => {
        if (riff && bytes.length >= 4) bytes.set([0x52, 0x49, 0x46, 0x46], 0);
        try {
          const audio = decodeAudio(bytes, { pcmSampleRate: 16000 });
          expect(audio.samples.length).toBeGreaterThan(0);
        } catch (error) {
          if (!(error instanceof AudioError)) throw error;
        }
      }),
    );
  });
});
