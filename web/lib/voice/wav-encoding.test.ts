import { describe, expect, it } from 'vitest';
import { parseWav } from '../../../src/voice/audio/wav.ts';
import { base64ToBytes, bytesToBase64, encodeWav } from './wav-encoding.ts';

describe('the WAV chunks sent to the voice socket', () => {
  it("are read back by cai's own WAV parser: 16-bit mono at the given rate, same samples", () => {
    const samples = Int16Array.from({ length: 320 }, (_, index) => Math.round(Math.sin(index / 5) * 20_000));
    const parsed = parseWav(Buffer.from(encodeWav(samples, 16_000)));
    expect(parsed.sampleRate).toBe(16_000);
    expect(parsed.channels).toBe(1);
    expect([...parsed.samples]).toEqual([...samples]);
  });

  it('survive base64 both ways, a data: URL prefix included, and large ones too', () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, index) => (index * 7) % 256);
    const base64 = bytesToBase64(bytes);
    expect(base64).toBe(Buffer.from(bytes).toString('base64'));
    expect([...base64ToBytes(base64)]).toEqual([...bytes]);
    expect([...base64ToBytes(`data:audio/wav;base64,${base64}`)]).toEqual([...bytes]);
  });
});
