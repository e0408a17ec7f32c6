import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms } from '../../src/voice/audio/audio-test-kit.ts';
import { parseWav } from '../../src/voice/audio/wav.ts';
import { missingExecutables } from '../../src/voice/engine-test-support.ts';
import { spokenWav } from '../../src/voice/voice-test-audio.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import {
  decodeMp3,
  errorOf,
  littleEndianSamples,
  sttJson,
  sttRaw,
  tts,
  type TranscriptBody,
} from '../support/voice-rest-client.ts';

// Doc 002's `POST /api/v1/voice/tts` and `/stt` over real HTTP with the real local engines:
// espeak-ng speaks, pocketsphinx listens, sox decodes the MP3. Cloud providers and audio_url are
// in voice-rest-cloud.test.ts and voice-audio-url.test.ts.

const missing = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous', 'sox']);
const ESPEAK_RATE = 22_050;
const PHRASE = 'what is the weather today';

describe.skipIf(missing.length > 0)('POST /api/v1/voice/tts with espeak-ng', () => {
  let server: TestApp;
  let key: string;

  beforeAll(async () => {
    server = await startTestApp({ VOICE_STT_PROVIDER: 'local', VOICE_TTS_PROVIDER: 'local' });
    key = (await server.createTenant()).apiKey;
  });
  afterAll(() => server.close());

  it('answers a 16-bit mono WAV that is not silence', async () => {
    const response = await tts(server, key, { text: 'Hello, this is a test message', format: 'wav' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const wav = parseWav(new Uint8Array(await response.arrayBuffer()));
    expect(wav).toMatchObject({ sampleRate: ESPEAK_RATE, channels: 1 });
    expect(wav.durationSeconds).toBeGreaterThan(1);
    expect(rms(wav.samples)).toBeGreaterThan(500);
  });

  it("answers doc 002's example body as MP3, which sox decodes to speech", async () => {
    const response = await tts(server, key, {
      text: 'Hello, this is a test message',
      provider: 'local',
      style: 'natural',
      speed: 1.0,
      format: 'mp3',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    const samples = decodeMp3(new Uint8Array(await response.arrayBuffer()), ESPEAK_RATE);
    expect(samples.length / ESPEAK_RATE).toBeGreaterThan(1);
    expect(rms(samples)).toBeGreaterThan(500);
  });

  it('answers MP3 when no format is given', async () => {
    const response = await tts(server, key, { text: 'Hello.' });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
  });

  it('answers raw little-endian PCM labelled with its rate, the same samples as the WAV', async () => {
    const text = 'Raw samples, please.';
    const pcm = await tts(server, key, { text, format: 'pcm' });
    expect(pcm.status).toBe(200);
    expect(pcm.headers.get('content-type')).toBe(`audio/L16;rate=${ESPEAK_RATE};channels=1`);
    const samples = littleEndianSamples(new Uint8Array(await pcm.arrayBuffer()));
    expect(rms(samples)).toBeGreaterThan(500);
    const wav = await tts(server, key, { text, format: 'WAV' });
    expect(Array.from(parseWav(new Uint8Array(await wav.arrayBuffer())).samples)).toEqual(
      Array.from(samples),
    );
  });

  it('speaks faster when asked', async () => {
    const length = async (speed: number) => {
      const response = await tts(server, key, { text: PHRASE, speed, format: 'pcm' });
      return (await response.arrayBuffer()).byteLength;
    };
    expect(await length(2)).toBeLessThan((await length(1)) * 0.75);
  });

  it('says what it was given: its WAV, sent back to /stt, is heard', async () => {
    const speech = await tts(server, key, { text: PHRASE, format: 'wav' });
    const response = await sttRaw(server, key, {
      body: new Uint8Array(await speech.arrayBuffer()),
      contentType: 'audio/wav',
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as TranscriptBody).text).toMatch(/^what is\b/);
  });

  it.each([
    { case: 'no text', body: {}, field: 'text' },
    { case: 'blank text', body: { text: '   ' }, field: 'text' },
    { case: 'text over 5000 characters', body: { text: 'x'.repeat(5001) }, field: 'text' },
    { case: 'an unknown format', body: { text: 'Hi.', format: 'ogg' }, field: 'format' },
    { case: 'a speed out of range', body: { text: 'Hi.', speed: 10 }, field: 'speed' },
    { case: 'a speed as text', body: { text: 'Hi.', speed: '1.0' }, field: 'speed' },
    { case: 'an unknown field', body: { text: 'Hi.', colour: 'blue' }, field: 'body' },
  ])('refuses $case with 400 naming $field', async ({ body, field }) => {
    const error = await errorOf(await tts(server, key, body));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.details?.problems).toEqual([expect.objectContaining({ field })]);
  });

  it('refuses a voice name espeak-ng would read as an option', async () => {
    const error = await errorOf(await tts(server, key, { text: 'Hi.', voice_id: '--help', format: 'wav' }));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('refuses a provider that is not configured, listing those that are', async () => {
    const error = await errorOf(await tts(server, key, { text: 'Hi.', provider: 'eleven_labs' }));
    expect(error).toMatchObject({
      status: 400,
      code: 'PROVIDER_NOT_CONFIGURED',
      details: { provider: 'elevenlabs', configured: ['espeak-ng'] },
    });
  });
});

describe.skipIf(missing.length > 0)('POST /api/v1/voice/stt with pocketsphinx', () => {
  let server: TestApp;
  let key: string;
  let speech: Buffer;

  beforeAll(async () => {
    server = await startTestApp({ VOICE_STT_PROVIDER: 'local', VOICE_TTS_PROVIDER: 'local' });
    key = (await server.createTenant()).apiKey;
    speech = spokenWav(PHRASE);
  });
  afterAll(() => server.close());

  async function transcript(response: Response): Promise<TranscriptBody> {
    expect(response.status).toBe(200);
    return (await response.json()) as TranscriptBody;
  }

  it('transcribes base64 WAV, with the words, their times and the engine', async () => {
    const body = await transcript(
      await sttJson(server, key, { audio: speech.toString('base64'), language: 'en' }),
    );
    expect(body.text).toMatch(/^what is\b/);
    expect(body.language).toBe('en');
    expect(body.provider).toBe('pocketsphinx');
    expect(body.duration_s).toBeCloseTo(parseWav(speech).durationSeconds, 2);
    const what = body.words?.find((word) => word.word === 'what');
    expect(what).toBeDefined();
    expect(what!.start).toBeLessThan(what!.end);
  });

  it("takes doc 002's options and a browser's data URL", async () => {
    const body = await transcript(
      await sttJson(server, key, {
        audio: `data:audio/wav;base64,${speech.toString('base64')}`,
        provider: 'local',
        language: 'en-US',
        diarization: true,
        config: { punctuate: true, profanity_filter: false },
      }),
    );
    expect(body.text).toMatch(/^what is\b/);
  });

  it('transcribes a raw WAV body at 44.1 kHz stereo, resampled to 16 kHz mono', async () => {
    const stereo = spokenWav(PHRASE, { sampleRate: 44_100, channels: 2 });
    expect(parseWav(stereo)).toMatchObject({ sampleRate: 44_100, channels: 2 });
    const body = await transcript(
      await sttRaw(server, key, { body: stereo, contentType: 'audio/x-wav', query: '?language=en' }),
    );
    expect(body.text).toMatch(/^what is\b/);
  });

  it('transcribes headerless PCM at SAMPLE_RATE, and at the rate audio/L16 declares', async () => {
    const at16k = parseWav(speech).samples;
    const bytes = (samples: Int16Array) => {
      const buffer = Buffer.alloc(samples.length * 2);
      samples.forEach((sample, index) => buffer.writeInt16LE(sample, index * 2));
      return buffer;
    };
    const plain = await transcript(
      await sttRaw(server, key, { body: bytes(at16k), contentType: 'application/octet-stream' }),
    );
    expect(plain.text).toMatch(/^what is\b/);
    const at24k = parseWav(spokenWav(PHRASE, { sampleRate: 24_000 })).samples;
    const declared = await transcript(
      await sttRaw(server, key, { body: bytes(at24k), contentType: 'audio/L16; rate=24000; channels=1' }),
    );
    expect(declared.duration_s).toBeCloseTo(at24k.length / 24_000, 2);
    expect(declared.text).toMatch(/^what is\b/);
  });

  it('hears nothing in silence', async () => {
    const silence = Buffer.alloc(16_000 * 2);
    const body = await transcript(await sttRaw(server, key, { body: silence, contentType: 'audio/L16' }));
    expect(body).toMatchObject({ text: '', duration_s: 1, provider: 'pocketsphinx' });
  });

  it('refuses audio that is not base64', async () => {
    const error = await errorOf(await sttJson(server, key, { audio: 'this is not base64!' }));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.details?.problems).toEqual([expect.objectContaining({ field: 'audio' })]);
  });

  it('refuses a body with neither audio nor audio_url, or with both', async () => {
    for (const body of [{ language: 'en' }, { audio: speech.toString('base64'), audio_url: 'http://x/' }]) {
      expect(await errorOf(await sttJson(server, key, body))).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
  });

  it('refuses a WAV body that is not a WAV file', async () => {
    const error = await errorOf(
      await sttRaw(server, key, {
        body: Buffer.from('this is plain text, not audio'),
        contentType: 'audio/wav',
      }),
    );
    expect(error).toMatchObject({
      status: 400,
      code: 'INVALID_REQUEST',
      details: { reason: 'MALFORMED_AUDIO' },
    });
  });

  it('refuses 8-bit WAV with 415', async () => {
    const eightBit = spokenWav(PHRASE, { bits: 8 });
    const error = await errorOf(await sttJson(server, key, { audio: eightBit.toString('base64') }));
    expect(error).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringContaining('8-bit'),
      details: { reason: 'UNSUPPORTED_AUDIO' },
    });
  });

  it('refuses compressed audio it would otherwise mistake for raw PCM', async () => {
    const mp3 = Buffer.concat([Buffer.from('ID3\x04\x00\x00'), Buffer.alloc(2000, 0x55)]);
    const error = await errorOf(await sttJson(server, key, { audio: mp3.toString('base64') }));
    expect(error).toMatchObject({ status: 415, message: expect.stringContaining('MP3') });
  });

  it('refuses a body type it cannot read with 415', async () => {
    const error = await errorOf(await sttRaw(server, key, { body: speech, contentType: 'audio/mpeg' }));
    expect(error).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('refuses a language the engine does not speak', async () => {
    const error = await errorOf(
      await sttJson(server, key, { audio: speech.toString('base64'), language: 'fr' }),
    );
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('refuses an unknown provider, listing the configured ones', async () => {
    const error = await errorOf(
      await sttJson(server, key, { audio: speech.toString('base64'), provider: 'deepgram' }),
    );
    expect(error).toMatchObject({
      status: 400,
      code: 'PROVIDER_NOT_CONFIGURED',
      details: { configured: ['pocketsphinx'] },
    });
  });

  it('reports both engines and voice activity detection in /health', async () => {
    const response = await server.request('/health');
    const health = (await response.json()) as {
      services: Record<string, boolean>;
      voice: Record<string, { available: boolean; engine: string }>;
    };
    expect(health.services).toMatchObject({ audio_processor: true, audio_pipeline: true });
    expect(health.voice).toMatchObject({
      speech_to_text: { available: true, engine: 'pocketsphinx' },
      text_to_speech: { available: true, engine: 'espeak-ng' },
      voice_activity_detection: { available: true, engine: 'silero-vad' },
    });
  });
});

describe.skipIf(missing.length > 0)('voice audio caps', () => {
  let server: TestApp;
  let key: string;

  beforeAll(async () => {
    server = await startTestApp({
      VOICE_STT_PROVIDER: 'local',
      VOICE_MAX_AUDIO_BYTES: '40000',
      VOICE_MAX_AUDIO_SECONDS: '1',
    });
    key = (await server.createTenant()).apiKey;
  });
  afterAll(() => server.close());

  it('refuses audio over VOICE_MAX_AUDIO_BYTES, as base64 and as a raw body', async () => {
    const large = spokenWav(PHRASE);
    expect(large.length).toBeGreaterThan(40_000);
    expect(await errorOf(await sttJson(server, key, { audio: large.toString('base64') }))).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      details: { reason: 'AUDIO_TOO_LARGE' },
    });
    expect(await errorOf(await sttRaw(server, key, { body: large, contentType: 'audio/wav' }))).toMatchObject(
      {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
    );
  });

  it('refuses audio longer than VOICE_MAX_AUDIO_SECONDS', async () => {
    const long = spokenWav(PHRASE, { sampleRate: 8000 });
    expect(long.length).toBeLessThan(40_000);
    expect(parseWav(long).durationSeconds).toBeGreaterThan(1);
    expect(await errorOf(await sttRaw(server, key, { body: long, contentType: 'audio/wav' }))).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      details: { reason: 'AUDIO_TOO_LONG' },
    });
  });
});

describe('voice endpoints: credentials, quota and missing engines', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({
      VOICE_STT_PROVIDER: 'local',
      VOICE_TTS_PROVIDER: 'local',
      ESPEAK_BINARY: '/nonexistent/espeak-ng',
      POCKETSPHINX_BINARY: '/nonexistent/pocketsphinx_continuous',
      LIMIT_AI_REQUESTS_PER_WEEK: '3',
    });
  });
  afterAll(() => server.close());

  it('asks for credentials', async () => {
    expect(await errorOf(await tts(server, undefined, { text: 'Hi.' }))).toMatchObject({
      status: 401,
      code: 'AUTH_REQUIRED',
    });
    expect(await errorOf(await sttJson(server, undefined, { audio: 'AAAA' }))).toMatchObject({
      status: 401,
      code: 'AUTH_REQUIRED',
    });
    expect(await errorOf(await tts(server, 'cai_wrong_key', { text: 'Hi.' }))).toMatchObject({ status: 401 });
  });

  it('answers 503 with the install command when the engine is missing, while text chat still works', async () => {
    const { apiKey } = await server.createTenant();
    expect(await errorOf(await tts(server, apiKey, { text: 'Hi.' }))).toMatchObject({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
      details: { engine: 'espeak-ng', install: 'apt-get install espeak-ng' },
    });
    expect(
      await errorOf(await sttJson(server, apiKey, { audio: Buffer.alloc(3200).toString('base64') })),
    ).toMatchObject({
      status: 503,
      details: { engine: 'pocketsphinx', install: 'apt-get install pocketsphinx pocketsphinx-en-us' },
    });
    const chat = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: apiKey,
      json: { content: 'hi' },
    });
    expect(chat.status).toBe(200);
  });

  it('reports the missing engines in /health without failing it', async () => {
    const response = await server.request('/health');
    expect(response.status).toBe(200);
    const health = (await response.json()) as {
      services: Record<string, boolean>;
      voice: Record<string, { available: boolean; install?: string }>;
    };
    expect(health.services).toMatchObject({ audio_processor: false, audio_pipeline: false, storage: true });
    expect(health.voice.text_to_speech).toMatchObject({
      available: false,
      install: 'apt-get install espeak-ng',
    });
  });

  it("counts voice requests against doc 002's weekly quota, with /ai/chat", async () => {
    const { apiKey } = await server.createTenant();
    const chat = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: apiKey,
      json: { content: 'hi' },
    });
    expect(chat.status).toBe(200);
    const first = await tts(server, apiKey, { text: 'Hi.' });
    expect(first.headers.get('ratelimit-policy')).toContain('"ai-weekly";q=3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await sttJson(server, apiKey, { audio: 'AAAA' });
    const refused = await tts(server, apiKey, { text: 'Hi.' });
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(await errorOf(refused)).toMatchObject({ status: 429, code: 'QUOTA_EXCEEDED' });
  });
});
