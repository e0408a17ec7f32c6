import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms, toneFrequency } from '../../src/voice/audio/audio-test-kit.ts';
import { parseWav } from '../../src/voice/audio/wav.ts';
import { missingExecutables } from '../../src/voice/engine-test-support.ts';
import { spokenWav } from '../../src/voice/voice-test-audio.ts';
import { startFakeDeepgramServer, type FakeDeepgramServer } from '../fakes/fake-deepgram-server.ts';
import { startFakeElevenLabsServer, type FakeElevenLabsServer } from '../fakes/fake-elevenlabs-server.ts';
import {
  FAKE_OPENAI_TRANSCRIPT,
  startFakeOpenAiAudioServer,
  type FakeOpenAiAudioServer,
} from '../fakes/fake-openai-audio-server.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { errorOf, sttJson, sttRaw, tts, type TranscriptBody } from '../support/voice-rest-client.ts';

// Doc 002's voice endpoints with cloud providers: fake Deepgram, ElevenLabs and OpenAI servers on
// loopback, reached through DEEPGRAM_BASE_URL, ELEVENLABS_BASE_URL and OPENAI_BASE_URL. When the
// cloud engine fails, the real local engine takes over.

const missing = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous', 'sox']);
const KEYS = { deepgram: 'dg-test-key', elevenlabs: 'el-test-key', openai: 'sk-test-key' };
const PHRASE = 'what is the weather today';

describe.skipIf(missing.length > 0)('voice endpoints with cloud providers', () => {
  let deepgram: FakeDeepgramServer;
  let elevenlabs: FakeElevenLabsServer;
  let openai: FakeOpenAiAudioServer;
  let server: TestApp;
  let key: string;
  let speech: Buffer;

  beforeAll(async () => {
    [deepgram, elevenlabs, openai] = await Promise.all([
      startFakeDeepgramServer({ apiKey: KEYS.deepgram }),
      startFakeElevenLabsServer({ apiKey: KEYS.elevenlabs }),
      startFakeOpenAiAudioServer({ apiKey: KEYS.openai }),
    ]);
    server = await startTestApp({
      DEEPGRAM_API_KEY: KEYS.deepgram,
      DEEPGRAM_BASE_URL: deepgram.baseUrl,
      ELEVENLABS_API_KEY: KEYS.elevenlabs,
      ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
      OPENAI_API_KEY: KEYS.openai,
      OPENAI_BASE_URL: openai.baseUrl,
    });
    key = (await server.createTenant()).apiKey;
    speech = spokenWav(PHRASE);
  });
  afterAll(async () => {
    await server.close();
    await Promise.all([deepgram.close(), elevenlabs.close(), openai.close()]);
  });

  async function wavOf(response: Response) {
    expect(response.status).toBe(200);
    return parseWav(new Uint8Array(await response.arrayBuffer()));
  }

  async function transcript(response: Response): Promise<TranscriptBody> {
    expect(response.status).toBe(200);
    return (await response.json()) as TranscriptBody;
  }

  it('speaks with ElevenLabs by default, in its default voice', async () => {
    const wav = await wavOf(await tts(server, key, { text: 'Hello from the cloud.', format: 'wav' }));
    expect(wav.sampleRate).toBe(16_000);
    expect(toneFrequency(wav.samples, wav.sampleRate)).toBeCloseTo(440, -1);
    const request = elevenlabs.requests.at(-1)!;
    expect(request.path).toBe('/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM');
    expect(request.body.text).toBe('Hello from the cloud.');
  });

  it("takes doc 002's eleven_labs with a voice_id, and OpenAI by name", async () => {
    await wavOf(
      await tts(server, key, {
        text: 'Hello, this is a test message',
        provider: 'eleven_labs',
        voice_id: 'pNInz6obpgDQGcFMvWNW',
        style: 'natural',
        speed: 1.0,
        format: 'wav',
      }),
    );
    expect(elevenlabs.requests.at(-1)?.path).toBe('/v1/text-to-speech/pNInz6obpgDQGcFMvWNW');
    const fromOpenAi = await wavOf(
      await tts(server, key, { text: 'Hello.', provider: 'openai', format: 'wav' }),
    );
    expect(fromOpenAi.sampleRate).toBe(24_000);
    expect(openai.requests.at(-1)?.json).toMatchObject({
      input: 'Hello.',
      voice: 'alloy',
      response_format: 'pcm',
    });
  });

  it('hands the text to the next engine when one fails before any audio, down to espeak-ng', async () => {
    elevenlabs.enqueue({ type: 'error', status: 500 });
    // Each engine has its own rate: OpenAI 24 kHz, espeak-ng 22.05 kHz, ElevenLabs (as asked) 16 kHz.
    expect((await wavOf(await tts(server, key, { text: 'Hello there.', format: 'wav' }))).sampleRate).toBe(
      24_000,
    );

    elevenlabs.enqueue({ type: 'error', status: 429 });
    openai.enqueue({ type: 'error', status: 500 });
    const wav = await wavOf(await tts(server, key, { text: 'Hello there.', format: 'wav' }));
    expect(wav.sampleRate).toBe(22_050);
    expect(rms(wav.samples)).toBeGreaterThan(500);
  });

  it('does not fall back from a provider the request named', async () => {
    elevenlabs.enqueue({ type: 'error', status: 500 });
    const error = await errorOf(await tts(server, key, { text: 'Hello.', provider: 'elevenlabs' }));
    expect(error).toMatchObject({
      status: 502,
      code: 'MODEL_ERROR',
      message: expect.stringContaining('ElevenLabs'),
    });
  });

  it('transcribes with Deepgram by default, passing the language on', async () => {
    const body = await transcript(
      await sttJson(server, key, { audio: speech.toString('base64'), language: 'en-US' }),
    );
    expect(body).toMatchObject({ text: 'Hello world.', provider: 'deepgram' });
    expect(body.words?.[0]).toMatchObject({ word: 'Hello', confidence: expect.any(Number) });
    const request = deepgram.requests.at(-1)!;
    expect(request.query.get('language')).toBe('en-US');
    expect(parseWav(request.body)).toMatchObject({ sampleRate: 16_000, channels: 1 });
  });

  it("transcribes with OpenAI by name, and with doc 002's provider: deepgram", async () => {
    const byOpenAi = await transcript(
      await sttRaw(server, key, { body: speech, contentType: 'audio/wav', query: '?provider=openai' }),
    );
    expect(byOpenAi).toMatchObject({ text: FAKE_OPENAI_TRANSCRIPT.text, provider: 'openai' });
    const byDeepgram = await transcript(
      await sttJson(server, key, {
        audio: speech.toString('base64'),
        provider: 'deepgram',
        diarization: true,
        config: { punctuate: true, profanity_filter: true },
      }),
    );
    expect(byDeepgram.provider).toBe('deepgram');
    const query = deepgram.requests.at(-1)!.query;
    expect([query.get('diarize'), query.get('punctuate'), query.get('profanity_filter')]).toEqual([
      'true',
      'true',
      'true',
    ]);
    expect(byDeepgram.words?.[0]).toMatchObject({ word: 'Hello', speaker: 0 });
  });

  it('takes the transcript options in the query with a raw audio body', async () => {
    const body = await transcript(
      await sttRaw(server, key, {
        body: speech,
        contentType: 'audio/wav',
        query: '?provider=deepgram&diarization=true&profanity_filter=true',
      }),
    );
    expect(body.words?.[0]).toMatchObject({ speaker: 0 });
    const query = deepgram.requests.at(-1)!.query;
    expect(query.get('diarize')).toBe('true');
    expect(query.get('profanity_filter')).toBe('true');
    expect(query.has('punctuate')).toBe(false);
  });

  it('hands the audio to the next engine when Deepgram fails, down to pocketsphinx', async () => {
    deepgram.enqueue({ type: 'error', status: 500 });
    const byOpenAi = await transcript(await sttJson(server, key, { audio: speech.toString('base64') }));
    expect(byOpenAi.provider).toBe('openai');

    deepgram.enqueue({ type: 'error', status: 429 });
    openai.enqueue({ type: 'error', status: 500 });
    const byPocketsphinx = await transcript(await sttJson(server, key, { audio: speech.toString('base64') }));
    expect(byPocketsphinx.provider).toBe('pocketsphinx');
    expect(byPocketsphinx.text).toMatch(/^what is\b/);
  });

  it('stops the provider call when the client goes away, and tries no other engine', async () => {
    deepgram.enqueue({ type: 'stall' });
    const before = { deepgram: deepgram.requests.length, openai: openai.requests.length };
    const client = new AbortController();
    const answered = server
      .request('/api/v1/voice/stt', {
        method: 'POST',
        key,
        json: { audio: speech.toString('base64') },
        signal: client.signal,
      })
      .catch((error: unknown) => error);
    await expect.poll(() => deepgram.requests.length).toBe(before.deepgram + 1);
    client.abort();
    await answered;
    await deepgram.requests.at(-1)!.clientClosed;
    expect(openai.requests.length).toBe(before.openai);
  });

  it('reports the chains and every provider in /health, without calling the providers', async () => {
    const before = deepgram.requests.length + elevenlabs.requests.length + openai.requests.length;
    const health = (await (await server.request('/health')).json()) as {
      services: Record<string, boolean>;
      voice: {
        speech_to_text: { engine: string };
        providers: { speech_to_text: Array<{ engine: string }>; text_to_speech: Array<{ engine: string }> };
      };
    };
    expect(health.services.audio_processor).toBe(true);
    expect(health.voice.speech_to_text.engine).toBe('deepgram (fallback: openai, pocketsphinx)');
    expect(health.voice.providers.text_to_speech.map((provider) => provider.engine)).toEqual([
      'elevenlabs',
      'openai',
      'espeak-ng',
    ]);
    expect(deepgram.requests.length + elevenlabs.requests.length + openai.requests.length).toBe(before);
  });
});
