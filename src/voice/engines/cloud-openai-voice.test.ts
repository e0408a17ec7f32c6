import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAKE_OPENAI_SPEECH_RATE,
  startFakeOpenAiAudioServer,
  type FakeOpenAiAudioServer,
} from '../../../test/fakes/fake-openai-audio-server.ts';
import { AppError } from '../../core/errors.ts';
import { parseWav } from '../audio/wav.ts';
import type { AudioChunk } from '../text-to-speech.ts';
import { OpenAiSpeechToText } from './cloud-openai-speech-to-text.ts';
import { OpenAiTextToSpeech } from './cloud-openai-text-to-speech.ts';

// OpenAI's audio endpoints through the AI SDK, against the fake in test/fakes (its wire shapes
// follow OpenAI's API reference).

const API_KEY = 'sk-test-key';
let fake: FakeOpenAiAudioServer;
let baseUrl: string;

beforeAll(async () => {
  fake = await startFakeOpenAiAudioServer({ apiKey: API_KEY });
  baseUrl = fake.baseUrl;
});
afterAll(() => fake.close());

const live = () => new AbortController().signal;

async function collect(chunks: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const collected: AudioChunk[] = [];
  for await (const chunk of chunks) collected.push(chunk);
  return collected;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('OpenAiSpeechToText against a fake OpenAI', () => {
  it('uploads a 16 kHz WAV asking whisper-1 for word timings in the primary language', async () => {
    const audio = new Int16Array(16_000).map((_, index) => index % 500);
    await new OpenAiSpeechToText({ apiKey: API_KEY, baseUrl }).transcribe({
      audio,
      language: 'en-GB',
      signal: live(),
    });
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/v1/audio/transcriptions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.form?.get('model')).toBe('whisper-1');
    expect(request.form?.get('language')).toBe('en');
    expect(request.form?.get('response_format')).toBe('verbose_json');
    expect(request.form?.getAll('timestamp_granularities[]')).toEqual(['word']);
    const file = request.form?.get('file') as File;
    const wav = parseWav(new Uint8Array(await file.arrayBuffer()));
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(Array.from(wav.samples)).toEqual(Array.from(audio));
  });

  it('maps the text, the words, the detected language and the duration', async () => {
    const transcript = await new OpenAiSpeechToText({ apiKey: API_KEY, baseUrl }).transcribe({
      audio: new Int16Array(16_000),
      signal: live(),
    });
    expect(transcript).toEqual({
      text: 'Hello world.',
      language: 'en',
      durationSeconds: 1.5,
      words: [
        { word: 'Hello', start: 0, end: 0.46 },
        { word: 'world', start: 0.46, end: 1.04 },
      ],
    });
  });

  it('turns a refused key into SERVICE_UNAVAILABLE without quoting the key', async () => {
    const error = await failure(
      new OpenAiSpeechToText({ apiKey: 'sk-wrong', baseUrl }).transcribe({
        audio: new Int16Array(1600),
        signal: live(),
      }),
    );
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(error.message).not.toContain('sk-wrong');
  });
});

describe('OpenAiTextToSpeech against a fake OpenAI', () => {
  it('asks for raw PCM and decodes it as 24 kHz samples', async () => {
    const chunks = await collect(
      new OpenAiTextToSpeech({ apiKey: API_KEY, baseUrl, chunkSamples: 2000 }).synthesize({
        text: 'hello',
        speed: 1.5,
        signal: live(),
      }),
    );
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/v1/audio/speech');
    expect(request.json).toEqual({
      model: 'tts-1',
      input: 'hello',
      voice: 'alloy',
      response_format: 'pcm',
      speed: 1.5,
    });
    // The fake speaks 0.05 s per character: 'hello' is 6,000 samples at 24 kHz.
    expect(chunks.map((chunk) => chunk.samples.length)).toEqual([2000, 2000, 2000]);
    expect(chunks.every((chunk) => chunk.sampleRate === FAKE_OPENAI_SPEECH_RATE)).toBe(true);
    // Sample 2,500 of the fake's 330 Hz tone, decoded from its little-endian PCM.
    expect(chunks[1]?.samples[500]).toBe(Math.round(8000 * Math.sin((2 * Math.PI * 330 * 2500) / 24_000)));
  });

  it('turns 429 into RATE_LIMITED with the Retry-After delay', async () => {
    fake.enqueue({ type: 'error', status: 429, retryAfter: '2' });
    const error = await failure(
      collect(
        new OpenAiTextToSpeech({ apiKey: API_KEY, baseUrl }).synthesize({ text: 'hi', signal: live() }),
      ),
    );
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(2000);
    expect(error.message).toContain('Rate limit reached for tts-1');
  });

  it("closes the connection when the caller aborts, with the caller's reason", async () => {
    fake.enqueue({ type: 'stall' });
    const controller = new AbortController();
    const before = fake.requests.length;
    const settled = collect(
      new OpenAiTextToSpeech({ apiKey: API_KEY, baseUrl }).synthesize({
        text: 'hi',
        signal: controller.signal,
      }),
    ).catch((error: unknown) => error);
    await expect.poll(() => fake.requests.length).toBe(before + 1);
    controller.abort(new Error('client left'));
    expect(await settled).toEqual(new Error('client left'));
    await fake.requests.at(-1)!.clientClosed;
  });
});
