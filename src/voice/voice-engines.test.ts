import { describe, expect, it } from 'vitest';
import type { EngineAvailability } from './engine-availability.ts';
import { missingExecutables } from './engine-test-support.ts';
import { createLocalVoiceEngines, VoiceEngines } from './voice-engines.ts';

const missing = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous']);

describe('VoiceEngines', () => {
  it('reports a missing engine in health and refuses it with the install command', async () => {
    const engines = createLocalVoiceEngines({ espeak: { binary: '/nonexistent/espeak-ng' } });
    const health = await engines.health();
    expect(health.audio_processor).toBe(false);
    expect(health.audio_pipeline).toBe(false);
    expect(health.engines.text_to_speech).toMatchObject({
      available: false,
      engine: 'espeak-ng',
      install: 'apt-get install espeak-ng',
    });
    await expect(engines.requireTextToSpeech()).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      message: expect.stringContaining('espeak-ng'),
      details: { engine: 'espeak-ng', install: 'apt-get install espeak-ng' },
    });
  });

  it.skipIf(missing.length > 0)('reports both local engines available when installed', async () => {
    const engines = createLocalVoiceEngines();
    const health = await engines.health();
    expect(health).toMatchObject({ audio_processor: true, audio_pipeline: true });
    expect(health.engines.voice_activity_detection).toMatchObject({ available: true, engine: 'silero-vad' });
    const detector = await engines.requireVoiceActivityDetector();
    expect(detector.frameSize).toBe(512);
    expect(await engines.requireVoiceActivityDetector()).not.toBe(detector);
    expect((await engines.requireSpeechToText()).name).toBe('pocketsphinx');
    expect((await engines.requireTextToSpeech()).name).toBe('espeak-ng');
  });

  it.skipIf(missing.length > 0)(
    'reports the pipeline down when only the voice activity detector is missing',
    async () => {
      const engines = createLocalVoiceEngines({ silero: { modelPath: '/nonexistent/silero_vad.onnx' } });
      const health = await engines.health();
      expect(health).toMatchObject({ audio_processor: true, audio_pipeline: false });
      expect(health.engines.voice_activity_detection).toMatchObject({
        available: false,
        engine: 'silero-vad',
      });
      await expect(engines.requireVoiceActivityDetector()).rejects.toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
      });
    },
  );

  it('probes again once the cached answer is old', async () => {
    let now = 0;
    let probes = 0;
    let available = false;
    const probe = async (): Promise<EngineAvailability> => {
      probes += 1;
      return available
        ? { available, engine: 'fake' }
        : { available, engine: 'fake', install: 'apt-get install fake' };
    };
    const engines = new VoiceEngines({
      speechToText: {
        name: 'fake',
        availability: probe,
        transcribe: () => Promise.reject(new Error('unused')),
      },
      textToSpeech: { name: 'fake', availability: probe, synthesize: () => (async function* () {})() },
      voiceActivityDetection: {
        availability: async () => ({ available: true, engine: 'fake-vad' }),
        create: () => {
          throw new Error('unused');
        },
      },
      availabilityCacheMs: 1000,
      now: () => now,
    });
    expect((await engines.health()).audio_processor).toBe(false);
    await expect(engines.requireSpeechToText()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(probes).toBe(2);
    available = true;
    now = 1000;
    expect((await engines.health()).audio_processor).toBe(true);
    expect(probes).toBe(4);
  });
});
