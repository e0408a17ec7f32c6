import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDeepgramServer } from '../../../test/fakes/fake-deepgram-server.ts';
import type { FakeDeepgramServer } from '../../../test/fakes/fake-deepgram-server.ts';
import { AppError } from '../../core/errors.ts';
import { parseWav } from '../audio/wav.ts';
import { DeepgramSpeechToText } from './cloud-deepgram-speech-to-text.ts';

const API_KEY = 'dg-test-key';
let fake: FakeDeepgramServer;

beforeAll(async () => {
  fake = await startFakeDeepgramServer({ apiKey: API_KEY });
});
afterAll(() => fake.close());

/** One and a half seconds of a 440 Hz tone, 16 kHz mono. */
function tone(): Int16Array {
  const samples = new Int16Array(24_000);
  for (let index = 0; index < samples.length; index++) {
    samples[index] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * index) / 16_000));
  }
  return samples;
}

function engine(options: { apiKey?: string; timeoutMs?: number } = {}) {
  return new DeepgramSpeechToText({
    apiKey: options.apiKey ?? API_KEY,
    baseUrl: fake.baseUrl,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
}

const live = () => new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('DeepgramSpeechToText against a fake Deepgram', () => {
  it('asks Deepgram for diarization, punctuation and the profanity filter when the request does, and maps speakers', async () => {
    const transcript = await engine().transcribe({
      audio: tone(),
      options: { diarize: true, punctuate: false, profanityFilter: true },
      signal: live(),
    });
    const query = fake.requests.at(-1)!.query;
    expect(query.get('diarize')).toBe('true');
    expect(query.get('punctuate')).toBe('false');
    expect(query.get('profanity_filter')).toBe('true');
    expect(transcript.words?.length).toBeGreaterThan(0);
    expect(transcript.words?.map((word) => word.speaker)).toEqual(
      transcript.words?.map((_word, index) => Math.floor(index / 3) % 2),
    );
    // Four words: the fake's speaker changes after the third.
    fake.enqueue({
      type: 'transcript',
      words: ['one', 'two', 'three', 'four'].map((word, index) => ({
        word,
        start: index / 2,
        end: index / 2 + 0.4,
        confidence: 0.9,
      })),
    });
    const four = await engine().transcribe({ audio: tone(), options: { diarize: true }, signal: live() });
    expect(four.words?.map((word) => [word.word, word.speaker])).toEqual([
      ['one', 0],
      ['two', 0],
      ['three', 0],
      ['four', 1],
    ]);

    const plain = await engine().transcribe({ audio: tone(), signal: live() });
    const plainQuery = fake.requests.at(-1)!.query;
    expect(plainQuery.get('diarize')).toBe('false');
    expect(plainQuery.has('punctuate')).toBe(false);
    expect(plainQuery.has('profanity_filter')).toBe(false);
    expect(plain.words?.every((word) => word.speaker === undefined)).toBe(true);
  });

  it('posts the clip as a 16 kHz mono WAV to /v1/listen with the key and the model', async () => {
    const audio = tone();
    await engine().transcribe({ audio, language: 'en-US', signal: live() });
    const request = fake.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/listen');
    expect(request.headers.authorization).toBe(`Token ${API_KEY}`);
    expect(request.headers['content-type']).toBe('audio/wav');
    expect(request.query.get('model')).toBe('nova-3');
    expect(request.query.get('language')).toBe('en-US');
    expect(request.query.get('smart_format')).toBe('true');
    expect(request.query.get('diarize')).toBe('false');
    const wav = parseWav(request.body);
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(Array.from(wav.samples)).toEqual(Array.from(audio));
  });

  it('maps the transcript, the words with their confidence, the language and the duration', async () => {
    const transcript = await engine().transcribe({ audio: tone(), language: 'en', signal: live() });
    expect(transcript).toEqual({
      text: 'Hello world.',
      language: 'en',
      durationSeconds: 1.5,
      words: [
        { word: 'Hello', start: 0.08, end: 0.48, confidence: 0.9980469 },
        { word: 'world.', start: 0.56, end: 1.04, confidence: 0.99560547 },
      ],
    });
  });

  it('reports the language Deepgram detected when none was asked for', async () => {
    fake.enqueue({ type: 'transcript', detectedLanguage: 'de' });
    const transcript = await engine().transcribe({ audio: tone(), signal: live() });
    expect(fake.requests.at(-1)!.query.has('language')).toBe(false);
    expect(transcript.language).toBe('de');
  });

  it('answers silence with an empty transcript, not an error', async () => {
    fake.enqueue({ type: 'silence' });
    const transcript = await engine().transcribe({ audio: new Int16Array(8000), signal: live() });
    expect(transcript).toEqual({ text: '', language: 'en', durationSeconds: 0.5, words: [] });
  });

  it('turns a refused key into SERVICE_UNAVAILABLE naming the setting', async () => {
    const error = await failure(engine({ apiKey: 'wrong' }).transcribe({ audio: tone(), signal: live() }));
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toContain('(401)');
    expect(error.message).toContain('DEEPGRAM_API_KEY');
    expect(error.message).not.toContain('wrong');
  });

  it('turns 429 into RATE_LIMITED with the Retry-After delay', async () => {
    fake.enqueue({ type: 'error', status: 429, retryAfter: '7' });
    const error = await failure(engine().transcribe({ audio: tone(), signal: live() }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(7000);
    expect(fake.requests.at(-1)!.path).toBe('/v1/listen');
  });

  it("turns 500 into MODEL_ERROR with Deepgram's message, without retrying", async () => {
    const before = fake.requests.length;
    fake.enqueue({ type: 'error', status: 500 });
    const error = await failure(engine().transcribe({ audio: tone(), signal: live() }));
    expect(error.code).toBe('MODEL_ERROR');
    expect(error.message).toContain('An internal server error occurred');
    expect(fake.requests.length).toBe(before + 1);
  });

  it('turns an unanswered call into MODEL_TIMEOUT and hangs up', async () => {
    fake.enqueue({ type: 'stall' });
    const error = await failure(engine({ timeoutMs: 200 }).transcribe({ audio: tone(), signal: live() }));
    expect(error.code).toBe('MODEL_TIMEOUT');
    await fake.requests.at(-1)!.clientClosed;
  });

  it("closes the connection when the caller aborts, with the caller's reason", async () => {
    fake.enqueue({ type: 'stall' });
    const controller = new AbortController();
    const before = fake.requests.length;
    const transcription = engine().transcribe({ audio: tone(), signal: controller.signal });
    const settled = transcription.catch((error: unknown) => error);
    await expect.poll(() => fake.requests.length).toBe(before + 1);
    controller.abort(new Error('client left'));
    expect(await settled).toEqual(new Error('client left'));
    await fake.requests.at(-1)!.clientClosed;
  });
});
