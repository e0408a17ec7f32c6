import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioError } from './audio-error.ts';
import { audioWorkspace, rms } from './audio-test-kit.ts';
import { missingExecutables } from '../engine-test-support.ts';
import type { AudioWorkspace } from './audio-test-kit.ts';
import { parseWav, writeWav } from './wav.ts';

function refusal(run: () => unknown): AudioError {
  try {
    run();
  } catch (error) {
    if (error instanceof AudioError) return error;
    throw error;
  }
  throw new Error('expected an AudioError');
}

function chunk(id: string, body: Uint8Array): Uint8Array {
  const padded = new Uint8Array(8 + body.length + (body.length % 2));
  padded.set(new TextEncoder().encode(id), 0);
  new DataView(padded.buffer).setUint32(4, body.length, true);
  padded.set(body, 8);
  return padded;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const output = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return output;
}

const tone = Int16Array.from({ length: 1600 }, (_, index) => Math.round(9000 * Math.sin(index / 3)));
const canonical = writeWav({ samples: tone, sampleRate: 16000, channels: 1 });
const fmtChunk = canonical.subarray(12, 36);
const dataChunk = canonical.subarray(36);

function withDataSize(size: number, cut = 0): Uint8Array {
  const copy = canonical.slice(0, canonical.length - cut);
  new DataView(copy.buffer).setUint32(40, size, true);
  return copy;
}

const missing = await missingExecutables(['sox', 'soxi', 'espeak-ng']);

describe.skipIf(missing.length > 0)('parseWav with real audio', () => {
  let work: AudioWorkspace;
  beforeAll(() => {
    work = audioWorkspace();
    work.espeak('speech.wav', 'Hello, this is a test of the voice pipeline.');
    work.sox(['-n', '-r', '44100', '-c', '2', '-b', '16', '@tone44.wav', 'synth', '1', 'sine', '440']);
    work.sox(['-n', '-r', '8000', '-c', '1', '-b', '16', '@tone8.wav', 'synth', '0.5', 'sine', '440']);
    work.sox(['-n', '-r', '48000', '-c', '1', '-b', '16', '@tone48.wav', 'synth', '0.75', 'sine', '440']);
    work.sox(['-n', '-r', '16000', '-c', '1', '-b', '24', '@pcm24.wav', 'synth', '0.2', 'sine', '440']);
    work.sox(['-n', '-r', '16000', '-c', '1', '-b', '32', '@pcm32.wav', 'synth', '0.2', 'sine', '440']);
    work.sox(['-n', '-r', '16000', '-c', '1', '-b', '8', '@pcm8.wav', 'synth', '0.2', 'sine', '440']);
    work.sox([
      '-n',
      '-r',
      '16000',
      '-c',
      '1',
      '-e',
      'floating-point',
      '-b',
      '32',
      '@float.wav',
      'synth',
      '0.2',
      'sine',
      '440',
    ]);
    work.sox(['-n', '-r', '16000', '-c', '1', '-e', 'u-law', '@ulaw.wav', 'synth', '0.2', 'sine', '440']);
    work.sox(['-n', '-r', '16000', '-c', '4', '-b', '16', '@quad.wav', 'synth', '0.2', 'sine', '440']);
    work.sox(['-n', '-r', '96000', '-c', '1', '-b', '16', '@hi-rate.wav', 'synth', '0.2', 'sine', '440']);
    work.sox(['-n', '-r', '6000', '-c', '1', '-b', '16', '@lo-rate.wav', 'synth', '0.2', 'sine', '440']);
  });
  afterAll(() => work.remove());

  it.each(['speech.wav', 'tone44.wav', 'tone8.wav', 'tone48.wav'])('reads %s as sox describes it', (name) => {
    const audio = parseWav(work.read(name));
    expect(audio.sampleRate).toBe(work.soxi('-r', name));
    expect(audio.channels).toBe(work.soxi('-c', name));
    expect(audio.bitsPerSample).toBe(16);
    expect(audio.samples.length / audio.channels).toBe(work.soxi('-s', name));
    expect(audio.durationSeconds).toBeCloseTo(work.soxi('-D', name), 3);
    expect(rms(audio.samples)).toBeGreaterThan(500);
  });

  it('reads espeak-ng speech at 22050 Hz mono', () => {
    const audio = parseWav(work.read('speech.wav'));
    expect(audio).toMatchObject({ sampleRate: 22050, channels: 1 });
    expect(audio.durationSeconds).toBeGreaterThan(1);
  });

  it.each([
    ['pcm24.wav', /24-bit/],
    ['pcm32.wav', /32-bit/],
    ['pcm8.wav', /8-bit/],
    ['float.wav', /Floating-point/],
    ['ulaw.wav', /format 7/],
    ['quad.wav', /4 channels/],
    ['hi-rate.wav', /96000 Hz/],
    ['lo-rate.wav', /6000 Hz/],
  ])('refuses %s as unsupported', (name, message) => {
    const error = refusal(() => parseWav(work.read(name)));
    expect(error.code).toBe('UNSUPPORTED_AUDIO');
    expect(error.status).toBe(415);
    expect(error.message).toMatch(message);
  });

  it('writes WAV files that sox reads back', () => {
    const source = parseWav(work.read('tone44.wav'));
    const written = writeWav(source);
    expect(written.length).toBe(44 + source.samples.length * 2);
    writeFileSync(work.path('written.wav'), written);
    expect(work.soxi('-r', 'written.wav')).toBe(44100);
    expect(work.soxi('-c', 'written.wav')).toBe(2);
    expect(work.soxi('-b', 'written.wav')).toBe(16);
    expect(work.soxi('-D', 'written.wav')).toBeCloseTo(1, 3);
    expect(parseWav(work.read('written.wav')).samples).toEqual(source.samples);
  });
});

describe('parseWav chunk walking', () => {
  it('skips LIST and odd-sized chunks with their padding', () => {
    const riff = (body: Uint8Array): Uint8Array => {
      const head = new Uint8Array(12);
      head.set(new TextEncoder().encode('RIFF'), 0);
      new DataView(head.buffer).setUint32(4, body.length + 4, true);
      head.set(new TextEncoder().encode('WAVE'), 8);
      return concat(head, body);
    };
    const list = chunk('LIST', new TextEncoder().encode('INFOISFT\x05\x00\x00\x00sox!\x00'));
    const odd = chunk('junk', new Uint8Array([1, 2, 3]));
    expect(odd.length).toBe(12);
    const audio = parseWav(riff(concat(list, fmtChunk, odd, dataChunk)));
    expect(audio.samples).toEqual(tone);
    expect(audio.durationSeconds).toBeCloseTo(0.1, 6);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE PCM', () => {
    const body = new Uint8Array(40);
    const view = new DataView(body.buffer);
    view.setUint16(0, 0xfffe, true);
    view.setUint16(2, 1, true);
    view.setUint32(4, 16000, true);
    view.setUint32(8, 32000, true);
    view.setUint16(12, 2, true);
    view.setUint16(14, 16, true);
    view.setUint16(16, 22, true);
    view.setUint16(24, 1, true); // sub-format GUID starts with the PCM tag
    const bytes = concat(canonical.subarray(0, 12), chunk('fmt ', body), dataChunk);
    expect(parseWav(bytes).samples).toEqual(tone);
  });

  it.each([0, 0xffffffff])('takes what arrived when a streaming header declares %s data bytes', (size) => {
    expect(parseWav(withDataSize(size)).samples).toEqual(tone);
  });

  it('clamps a data chunk cut short, to whole frames', () => {
    const audio = parseWav(withDataSize(tone.length * 2, 101));
    expect(audio.samples).toEqual(tone.subarray(0, tone.length - 51));
  });

  it.each([
    ['too short', canonical.subarray(0, 8), /too short/],
    ['not RIFF', new TextEncoder().encode('OggS0000WAVEfmt '), /not a RIFF/],
    ['header only', canonical.subarray(0, 12), /no "fmt "/],
    ['cut inside fmt', canonical.subarray(0, 30), /cut short/],
    ['no data chunk', canonical.subarray(0, 36), /no "data"/],
    ['data before fmt', concat(canonical.subarray(0, 12), dataChunk, fmtChunk), /no "fmt "/],
    [
      'short fmt',
      concat(canonical.subarray(0, 12), chunk('fmt ', new Uint8Array(8)), dataChunk),
      /at least 16/,
    ],
  ])('refuses a file %s as malformed', (_name, bytes, message) => {
    const error = refusal(() => parseWav(bytes));
    expect(error.code).toBe('MALFORMED_AUDIO');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  it('refuses a block alignment that contradicts the format', () => {
    const copy = canonical.slice();
    new DataView(copy.buffer).setUint16(32, 3, true);
    expect(refusal(() => parseWav(copy)).code).toBe('MALFORMED_AUDIO');
  });

  it('refuses RIFX (big-endian) files as unsupported', () => {
    const copy = canonical.slice();
    copy.set(new TextEncoder().encode('RIFX'), 0);
    expect(refusal(() => parseWav(copy)).code).toBe('UNSUPPORTED_AUDIO');
  });

  it('reads samples from a view at an odd byte offset', () => {
    const shifted = new Uint8Array(canonical.length + 1);
    shifted.set(canonical, 1);
    expect(parseWav(shifted.subarray(1)).samples).toEqual(tone);
  });

  it('never throws anything but an AudioError on random or damaged input', () => {
    const outcome = (bytes: Uint8Array): string => {
      try {
        parseWav(bytes);
        return 'parsed';
      } catch (error) {
        if (error instanceof AudioError) return error.code;
        throw error;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void outcome(bytes)));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(canonical.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(canonical.length),
        (edits, length) => {
          const damaged = canonical.slice(0, length);
          for (const [offset, value] of edits) if (offset < damaged.length) damaged[offset] = value;
          void outcome(damaged);
        },
      ),
    );
  });
});
