import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDeepgramServer } from '../../test/fakes/fake-deepgram-server.ts';
import type { FakeDeepgramServer } from '../../test/fakes/fake-deepgram-server.ts';
import { startFakeElevenLabsServer } from '../../test/fakes/fake-elevenlabs-server.ts';
import type { FakeElevenLabsServer } from '../../test/fakes/fake-elevenlabs-server.ts';
import { startFakeOpenAiAudioServer } from '../../test/fakes/fake-openai-audio-server.ts';
import type { FakeOpenAiAudioServer } from '../../test/fakes/fake-openai-audio-server.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createVoiceEngines } from './create-voice-engines.ts';
import { missingExecutables } from './engine-test-support.ts';
import type { AudioChunk } from './text-to-speech.ts';

const missing = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous']);
const live = () => new AbortController().signal;

function engines(environment: Record<string, string>) {
  return createVoiceEngines(loadConfig(environment));
}

async function collect(chunks: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const collected: AudioChunk[] = [];
  for await (const chunk of chunks) collected.push(chunk);
  return collected;
}

describe('createVoiceEngines: which engines the settings choose', () => {
  it('runs the local engines alone when no cloud key is set', () => {
    expect(engines({}).providerNames()).toEqual({
      speechToText: ['pocketsphinx'],
      textToSpeech: ['espeak-ng'],
    });
  });

  it('puts every keyed cloud provider in front of the local engine under auto, in the documented order', () => {
    const voice = engines({ DEEPGRAM_API_KEY: 'd', OPENAI_API_KEY: 'o', ELEVENLABS_API_KEY: 'e' });
    expect(voice.providerNames()).toEqual({
      speechToText: ['deepgram', 'openai', 'pocketsphinx'],
      textToSpeech: ['elevenlabs', 'openai', 'espeak-ng'],
    });
  });

  it('uses OpenAI both ways when its key is the only one', () => {
    expect(engines({ OPENAI_API_KEY: 'o' }).providerNames()).toEqual({
      speechToText: ['openai', 'pocketsphinx'],
      textToSpeech: ['openai', 'espeak-ng'],
    });
  });

  it('offers only the named provider and the local engine when a setting names one', () => {
    const voice = engines({
      VOICE_STT_PROVIDER: 'openai',
      VOICE_TTS_PROVIDER: 'elevenlabs',
      DEEPGRAM_API_KEY: 'd',
      OPENAI_API_KEY: 'o',
      ELEVENLABS_API_KEY: 'e',
    });
    expect(voice.providerNames()).toEqual({
      speechToText: ['openai', 'pocketsphinx'],
      textToSpeech: ['elevenlabs', 'espeak-ng'],
    });
  });

  it('keeps to the local engines under local, whatever keys are set', () => {
    const voice = engines({
      VOICE_STT_PROVIDER: 'local',
      VOICE_TTS_PROVIDER: 'local',
      DEEPGRAM_API_KEY: 'd',
      OPENAI_API_KEY: 'o',
    });
    expect(voice.providerNames()).toEqual({ speechToText: ['pocketsphinx'], textToSpeech: ['espeak-ng'] });
  });

  it.each([
    { setting: 'VOICE_STT_PROVIDER', value: 'deepgram', key: 'DEEPGRAM_API_KEY' },
    { setting: 'VOICE_STT_PROVIDER', value: 'openai', key: 'OPENAI_API_KEY' },
    { setting: 'VOICE_TTS_PROVIDER', value: 'elevenlabs', key: 'ELEVENLABS_API_KEY' },
    { setting: 'VOICE_TTS_PROVIDER', value: 'openai', key: 'OPENAI_API_KEY' },
  ])('refuses to start when $setting=$value has no $key', ({ setting, value, key }) => {
    let error: unknown;
    try {
      engines({ [setting]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(new RegExp(`^${setting}: .*${key}`)),
    ]);
  });

  it('refuses voice activity thresholds in the wrong order', () => {
    expect(() => engines({ VAD_POSITIVE_THRESHOLD: '0.3', VAD_NEGATIVE_THRESHOLD: '0.6' })).toThrow(
      /VAD_NEGATIVE_THRESHOLD/,
    );
  });

  it('refuses a provider name it does not offer, listing the ones it does', async () => {
    await expect(engines({}).requireTextToSpeech('elevenlabs')).rejects.toMatchObject({
      code: 'PROVIDER_NOT_CONFIGURED',
      status: 400,
      details: { provider: 'elevenlabs', configured: ['espeak-ng'] },
    });
  });
});

describe('createVoiceEngines: local engine settings', () => {
  it('takes ESPEAK_BINARY and POCKETSPHINX_MODEL_DIR, and reports what is missing', async () => {
    const voice = engines({
      ESPEAK_BINARY: '/nonexistent/espeak-ng',
      POCKETSPHINX_MODEL_DIR: '/nonexistent/model',
    });
    const health = await voice.health();
    expect(health.audio_processor).toBe(false);
    expect(health.engines.text_to_speech).toMatchObject({
      available: false,
      engine: 'espeak-ng',
      install: 'apt-get install espeak-ng',
    });
    expect(health.engines.speech_to_text).toMatchObject({
      available: false,
      reason: expect.stringContaining('/nonexistent/model'),
    });
    await expect(voice.requireTextToSpeech()).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      details: { install: 'apt-get install espeak-ng' },
    });
  });

  it.skipIf(missing.length > 0)('speaks with ESPEAK_VOICE', async () => {
    const female = await collect(
      (await engines({ ESPEAK_VOICE: 'en-us+f3' }).requireTextToSpeech()).synthesize({
        text: 'Hello.',
        signal: live(),
      }),
    );
    const male = await collect(
      (await engines({}).requireTextToSpeech()).synthesize({ text: 'Hello.', signal: live() }),
    );
    const samples = (chunks: AudioChunk[]) => chunks.flatMap((chunk) => Array.from(chunk.samples));
    expect(samples(female)).not.toEqual(samples(male));
  });
});

describe('createVoiceEngines: cloud settings reach the fakes', () => {
  let deepgram: FakeDeepgramServer;
  let elevenlabs: FakeElevenLabsServer;
  let openai: FakeOpenAiAudioServer;

  beforeAll(async () => {
    [deepgram, elevenlabs, openai] = await Promise.all([
      startFakeDeepgramServer({ apiKey: 'dg' }),
      startFakeElevenLabsServer({ apiKey: 'el' }),
      startFakeOpenAiAudioServer({ apiKey: 'oa' }),
    ]);
  });
  afterAll(() => Promise.all([deepgram.close(), elevenlabs.close(), openai.close()]));

  it('calls Deepgram at DEEPGRAM_BASE_URL with DEEPGRAM_MODEL', async () => {
    const voice = engines({
      DEEPGRAM_API_KEY: 'dg',
      DEEPGRAM_BASE_URL: deepgram.baseUrl,
      DEEPGRAM_MODEL: 'nova-2',
    });
    const transcript = await (
      await voice.requireSpeechToText()
    ).transcribe({
      audio: new Int16Array(16_000),
      signal: live(),
    });
    expect(transcript).toMatchObject({ text: 'Hello world.', engine: 'deepgram' });
    expect(deepgram.requests.at(-1)?.query.get('model')).toBe('nova-2');
  });

  it('calls ElevenLabs at ELEVENLABS_BASE_URL with ELEVENLABS_VOICE_ID and ELEVENLABS_MODEL', async () => {
    const voice = engines({
      ELEVENLABS_API_KEY: 'el',
      ELEVENLABS_BASE_URL: elevenlabs.baseUrl,
      ELEVENLABS_VOICE_ID: 'pNInz6obpgDQGcFMvWNW',
      ELEVENLABS_MODEL: 'eleven_multilingual_v2',
    });
    const chunks = await collect(
      (await voice.requireTextToSpeech()).synthesize({ text: 'Hi.', signal: live() }),
    );
    expect(chunks[0]?.sampleRate).toBe(16_000);
    const request = elevenlabs.requests.at(-1)!;
    expect(request.path).toBe('/v1/text-to-speech/pNInz6obpgDQGcFMvWNW');
    expect(request.body.model_id).toBe('eleven_multilingual_v2');
  });

  it('calls OpenAI at OPENAI_BASE_URL with OPENAI_STT_MODEL, OPENAI_TTS_MODEL and OPENAI_TTS_VOICE', async () => {
    const voice = engines({
      OPENAI_API_KEY: 'oa',
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_STT_MODEL: 'gpt-4o-mini-transcribe',
      OPENAI_TTS_MODEL: 'gpt-4o-mini-tts',
      OPENAI_TTS_VOICE: 'nova',
    });
    await (
      await voice.requireSpeechToText('openai')
    ).transcribe({ audio: new Int16Array(1600), signal: live() });
    expect(openai.requests.at(-1)?.form?.get('model')).toBe('gpt-4o-mini-transcribe');
    await collect((await voice.requireTextToSpeech('openai')).synthesize({ text: 'Hi.', signal: live() }));
    expect(openai.requests.at(-1)?.json).toMatchObject({ model: 'gpt-4o-mini-tts', voice: 'nova' });
  });

  it('reports configured cloud engines available without calling them', async () => {
    const before = deepgram.requests.length;
    const voice = engines({ DEEPGRAM_API_KEY: 'dg', DEEPGRAM_BASE_URL: deepgram.baseUrl });
    const health = await voice.health();
    expect(health.engines.speech_to_text).toMatchObject({
      available: true,
      engine: 'deepgram (fallback: pocketsphinx)',
    });
    expect(health.providers.speech_to_text[0]).toEqual({ available: true, engine: 'deepgram' });
    expect(deepgram.requests.length).toBe(before);
  });
});
