import { describe, expect, it } from 'vitest';
import { StreamedWavReader } from './streamed-wav-reader.ts';

/** A WAV as espeak-ng streams it: RIFF and data sizes that no one filled in. */
function streamedWav(samples: number[], sampleRate = 22_050): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) =>
    [...text].forEach((char, index) => view.setUint8(offset + index, char.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 0x7ffff024, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, 0xffffffff, true);
  samples.forEach((sample, index) => view.setInt16(44 + index * 2, sample, true));
  return bytes;
}

describe('StreamedWavReader', () => {
  const samples = [0, 1, -1, 32767, -32768, 1234, -4321];

  it('reads samples after the data header, ignoring bogus sizes', () => {
    const reader = new StreamedWavReader();
    expect([...reader.push(streamedWav(samples))]).toEqual(samples);
    expect(reader.format).toEqual({ sampleRate: 22_050, channels: 1 });
  });

  it('gives the same samples however the stream is split', () => {
    const wav = streamedWav(samples);
    for (let size = 1; size <= 7; size += 1) {
      const reader = new StreamedWavReader();
      const read: number[] = [];
      for (let offset = 0; offset < wav.length; offset += size)
        read.push(...reader.push(wav.subarray(offset, offset + size)));
      expect(read).toEqual(samples);
    }
  });

  it('refuses a stream that is not WAV', () => {
    expect(() => new StreamedWavReader().push(new TextEncoder().encode('ID3 this is an mp3'))).toThrow(
      'Not a WAV',
    );
  });
});
