import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAKE_SECONDS_PER_CHARACTER,
  startFakeElevenLabsServer,
  tone,
} from '../../../test/fakes/fake-elevenlabs-server.ts';
import type { FakeElevenLabsServer } from '../../../test/fakes/fake-elevenlabs-server.ts';
import { AppError } from '../../core/errors.ts';
import type { AudioChunk } from '../text-to-speech.ts';
import { ElevenLabsTextToSpeech } from './cloud-elevenlabs-text-to-speech.ts';
import type { ElevenLabsTextToSpeechOptions } from './cloud-elevenlabs-text-to-speech.ts';

const API_KEY = 'xi-test-key';
let fake: FakeElevenLabsServer;

beforeAll(async () => {
  fake = await startFakeElevenLabsServer({ apiKey: API_KEY });
});
afterAll(() => fake.close());

function engine(options: Partial<ElevenLabsTextToSpeechOptions> = {}) {
  return new ElevenLabsTextToSpeech({ apiKey: API_KEY, baseUrl: fake.baseUrl, ...options });
}

const live = () => new AbortController().signal;

async function collect(chunks: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const collected: AudioChunk[] = [];
  for await (const chunk of chunks) collected.push(chunk);
  return collected;
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

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('ElevenLabsTextToSpeech against a fake ElevenLabs', () => {
  it('asks for 16 kHz PCM from the default voice and model, with the key', async () => {
    await collect(engine().synthesize({ text: 'hello world', signal: live() }));
    const request = fake.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM');
    expect(request.query.get('output_format')).toBe('pcm_16000');
    expect(request.headers['xi-api-key']).toBe(API_KEY);
    expect(request.body).toEqual({ text: 'hello world', model_id: 'eleven_flash_v2_5' });
  });

  it('decodes the PCM answer into chunks of samples at the requested rate', async () => {
    const text = 'hello world';
    const chunks = await collect(engine({ chunkSamples: 1000 }).synthesize({ text, signal: live() }));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.sampleRate === 16_000)).toBe(true);
    expect(chunks.slice(0, -1).every((chunk) => chunk.samples.length === 1000)).toBe(true);
    const expected = tone({ sampleRate: 16_000, seconds: text.length * FAKE_SECONDS_PER_CHARACTER });
    const samples = concatenate(chunks);
    expect(samples.length).toBe(expected.length / 2);
    expect(samples[100]).toBe(expected.readInt16LE(200));
  });

  it('passes the voice, another sample rate and the speed, clamped to what ElevenLabs accepts', async () => {
    const chunks = await collect(
      engine({ sampleRate: 24_000, model: 'eleven_multilingual_v2' }).synthesize({
        text: 'hi',
        voice: 'pNInz6obpgDQGcFMvWNW',
        speed: 2,
        signal: live(),
      }),
    );
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/v1/text-to-speech/pNInz6obpgDQGcFMvWNW');
    expect(request.query.get('output_format')).toBe('pcm_24000');
    expect(request.body).toEqual({
      text: 'hi',
      model_id: 'eleven_multilingual_v2',
      voice_settings: { speed: 1.2 },
    });
    expect(chunks[0]?.sampleRate).toBe(24_000);
  });

  it('refuses a voice id that would change the URL path, without calling out', async () => {
    const before = fake.requests.length;
    const error = await failure(collect(engine().synthesize({ text: 'hi', voice: '../x', signal: live() })));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(fake.requests.length).toBe(before);
  });

  it('says nothing for empty text, without calling out', async () => {
    const before = fake.requests.length;
    expect(await collect(engine().synthesize({ text: '  ', signal: live() }))).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });

  it("turns an unknown voice into MODEL_ERROR with ElevenLabs' message", async () => {
    const error = await failure(collect(engine().synthesize({ text: 'hi', voice: 'nope', signal: live() })));
    expect(error.code).toBe('MODEL_ERROR');
    expect(error.message).toContain('A voice with the voice_id nope was not found.');
  });

  it('turns a refused key into SERVICE_UNAVAILABLE naming the setting', async () => {
    const error = await failure(
      collect(engine({ apiKey: 'wrong' }).synthesize({ text: 'hi', signal: live() })),
    );
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toContain('(401)');
    expect(error.message).toContain('ELEVENLABS_API_KEY');
  });

  it('turns 429 into RATE_LIMITED with the Retry-After delay', async () => {
    fake.enqueue({ type: 'error', status: 429, retryAfter: '3' });
    const error = await failure(collect(engine().synthesize({ text: 'hi', signal: live() })));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(3000);
    expect(error.message).toContain('Too many concurrent requests');
  });

  it('turns 500 into MODEL_ERROR, without retrying', async () => {
    const before = fake.requests.length;
    fake.enqueue({ type: 'error', status: 500 });
    const error = await failure(collect(engine().synthesize({ text: 'hi', signal: live() })));
    expect(error.code).toBe('MODEL_ERROR');
    expect(fake.requests.length).toBe(before + 1);
  });

  it('turns an unanswered call into MODEL_TIMEOUT and hangs up', async () => {
    fake.enqueue({ type: 'stall' });
    const error = await failure(
      collect(engine({ timeoutMs: 200 }).synthesize({ text: 'hi', signal: live() })),
    );
    expect(error.code).toBe('MODEL_TIMEOUT');
    await fake.requests.at(-1)!.clientClosed;
  });

  it("closes the connection when the caller aborts, with the caller's reason", async () => {
    fake.enqueue({ type: 'stall' });
    const controller = new AbortController();
    const before = fake.requests.length;
    const settled = collect(engine().synthesize({ text: 'hi', signal: controller.signal })).catch(
      (error: unknown) => error,
    );
    await expect.poll(() => fake.requests.length).toBe(before + 1);
    controller.abort(new Error('client left'));
    expect(await settled).toEqual(new Error('client left'));
    await fake.requests.at(-1)!.clientClosed;
  });
});
