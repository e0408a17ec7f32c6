import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingExecutables } from '../engine-test-support.ts';
import { PocketsphinxSpeechToText } from './pocketsphinx-speech-to-text.ts';

const missing = await missingExecutables(['pocketsphinx_continuous', 'espeak-ng', 'sox']);

/**
 * espeak-ng's voice resampled by sox to what speech-to-text takes: 16 kHz mono signed 16-bit.
 * `-D`: no dither, so the samples (and what pocketsphinx hears) are the same on every run.
 */
function spoken(text: string): Int16Array {
  const wav = execFileSync('espeak-ng', ['--stdout', '-v', 'en-us', text]);
  const raw = execFileSync(
    'sox',
    ['-D', '-t', 'wav', '-', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed', '-t', 'raw', '-'],
    {
      input: wav,
    },
  );
  const samples = new Int16Array(raw.length / 2);
  for (let index = 0; index < samples.length; index += 1) samples[index] = raw.readInt16LE(index * 2);
  return samples;
}

describe.skipIf(missing.length > 0)('PocketsphinxSpeechToText with pocketsphinx', () => {
  const temporaryDirectory = mkdtempSync(path.join(tmpdir(), 'cai-stt-test-'));
  const engine = new PocketsphinxSpeechToText({ temporaryDirectory });
  afterAll(() => rmSync(temporaryDirectory, { recursive: true, force: true }));

  it('transcribes an espeak-ng sentence, with word times', async () => {
    const audio = spoken('what is the weather today');
    const transcript = await engine.transcribe({ audio, signal: new AbortController().signal });
    // pocketsphinx hears espeak's robotic voice imperfectly ("what is on whether to do"); the
    // opening words come through, at every speaking rate tried.
    expect(transcript.text).toMatch(/^what is\b/);
    expect(transcript.language).toBe('en');
    expect(transcript.durationSeconds).toBeCloseTo(audio.length / 16_000, 5);
    const what = transcript.words?.find((word) => word.word === 'what');
    expect(what).toBeDefined();
    expect(what!.start).toBeLessThan(what!.end);
    expect(what!.end).toBeLessThanOrEqual(transcript.durationSeconds + 0.5);
    expect(readdirSync(temporaryDirectory)).toEqual([]);
  });

  it('hears nothing in silence', async () => {
    const transcript = await engine.transcribe({
      audio: new Int16Array(16_000),
      signal: new AbortController().signal,
    });
    expect(transcript.text).toBe('');
    expect(transcript.durationSeconds).toBe(1);
  });

  it('refuses a language its model does not speak', async () => {
    await expect(
      engine.transcribe({
        audio: new Int16Array(16),
        language: 'fr-FR',
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('reports itself available', async () => {
    expect(await engine.availability()).toEqual({ available: true, engine: 'pocketsphinx' });
  });

  it('fails with the end of its log when a model file is missing', async () => {
    const broken = new PocketsphinxSpeechToText({ acousticModel: '/nonexistent/model', temporaryDirectory });
    expect(await broken.availability()).toMatchObject({
      available: false,
      reason: expect.stringContaining('/nonexistent/model'),
    });
    await expect(
      broken.transcribe({ audio: new Int16Array(1600), signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
      stderrTail: expect.stringContaining('/nonexistent/model'),
    });
    expect(readdirSync(temporaryDirectory)).toEqual([]);
  });
});

describe('PocketsphinxSpeechToText without pocketsphinx', () => {
  const engine = new PocketsphinxSpeechToText({ binary: '/nonexistent/pocketsphinx_continuous' });

  it('reports itself unavailable with the install command', async () => {
    expect(await engine.availability()).toMatchObject({
      available: false,
      install: 'apt-get install pocketsphinx pocketsphinx-en-us',
    });
  });

  it('fails transcription with SERVICE_UNAVAILABLE', async () => {
    await expect(
      engine.transcribe({ audio: new Int16Array(1600), signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      details: { install: 'apt-get install pocketsphinx pocketsphinx-en-us' },
    });
  });
});
