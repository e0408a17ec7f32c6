import { describe, expect, it } from 'vitest';
import { missingExecutables } from '../engine-test-support.ts';
import type { AudioChunk } from '../text-to-speech.ts';
import { EspeakTextToSpeech } from './espeak-text-to-speech.ts';

const missing = await missingExecutables(['espeak-ng']);

async function collect(chunks: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const collected: AudioChunk[] = [];
  for await (const chunk of chunks) collected.push(chunk);
  return collected;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function concatenate(chunks: AudioChunk[]): Int16Array {
  const joined = new Int16Array(chunks.reduce((total, chunk) => total + chunk.samples.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk.samples, offset);
    offset += chunk.samples.length;
  }
  return joined;
}

describe.skipIf(missing.length > 0)('EspeakTextToSpeech with espeak-ng', () => {
  const engine = new EspeakTextToSpeech();

  it('speaks "hello world" as audible 22050 Hz audio', async () => {
    const chunks = await collect(
      engine.synthesize({ text: 'hello world', signal: new AbortController().signal }),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((chunk) => chunk.sampleRate === 22_050)).toBe(true);
    const samples = concatenate(chunks);
    // About a second of speech, not a few samples of silence.
    expect(samples.length).toBeGreaterThan(11_025);
    expect(rms(samples)).toBeGreaterThan(500);
  });

  it('speaks faster at a higher speed', async () => {
    const text = 'the quick brown fox jumps over the lazy dog';
    const normal = concatenate(
      await collect(engine.synthesize({ text, signal: new AbortController().signal })),
    );
    const fast = concatenate(
      await collect(engine.synthesize({ text, speed: 2, signal: new AbortController().signal })),
    );
    expect(fast.length).toBeLessThan(normal.length * 0.75);
  });

  it('reads text that looks like an option as text', async () => {
    const samples = concatenate(
      await collect(engine.synthesize({ text: '--version', signal: new AbortController().signal })),
    );
    expect(rms(samples)).toBeGreaterThan(500);
  });

  it('refuses a voice name that could be read as an option', async () => {
    await expect(
      collect(engine.synthesize({ text: 'hi', voice: '--help', signal: new AbortController().signal })),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client left'));
    await expect(collect(engine.synthesize({ text: 'hello', signal: controller.signal }))).rejects.toThrow(
      'client left',
    );
  });

  it('stops mid-speech when aborted', async () => {
    const controller = new AbortController();
    const text = 'this sentence is long enough to come out in several pieces. '.repeat(40);
    const chunks: AudioChunk[] = [];
    const speaking = (async () => {
      for await (const chunk of engine.synthesize({ text, signal: controller.signal })) {
        chunks.push(chunk);
        controller.abort(new Error('barge-in'));
      }
    })();
    await expect(speaking).rejects.toThrow('barge-in');
    expect(chunks).toHaveLength(1);
  });

  it('says nothing for empty text', async () => {
    expect(await collect(engine.synthesize({ text: '', signal: new AbortController().signal }))).toEqual([]);
  });

  it('reports itself available', async () => {
    expect(await engine.availability()).toEqual({ available: true, engine: 'espeak-ng' });
  });
});

describe('EspeakTextToSpeech without espeak-ng', () => {
  const engine = new EspeakTextToSpeech({ binary: '/nonexistent/espeak-ng' });

  it('reports itself unavailable with the install command', async () => {
    expect(await engine.availability()).toMatchObject({
      available: false,
      engine: 'espeak-ng',
      install: 'apt-get install espeak-ng',
    });
  });

  it('fails synthesis with SERVICE_UNAVAILABLE naming the install command', async () => {
    await expect(
      collect(engine.synthesize({ text: 'hello', signal: new AbortController().signal })),
    ).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      details: { install: 'apt-get install espeak-ng' },
    });
  });
});
