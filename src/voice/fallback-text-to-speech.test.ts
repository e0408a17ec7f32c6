import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeElevenLabsServer } from '../../test/fakes/fake-elevenlabs-server.ts';
import type { FakeElevenLabsServer } from '../../test/fakes/fake-elevenlabs-server.ts';
import { AppError } from '../core/errors.ts';
import { rms } from './audio/audio-test-kit.ts';
import { ConfiguredCloudTextToSpeech } from './configured-cloud-engine.ts';
import type { ChecksAvailability } from './engine-availability.ts';
import { missingExecutables } from './engine-test-support.ts';
import { ElevenLabsTextToSpeech } from './engines/cloud-elevenlabs-text-to-speech.ts';
import { EspeakTextToSpeech } from './engines/espeak-text-to-speech.ts';
import type { FallbackEvent } from './fallback-policy.ts';
import { FallbackTextToSpeech } from './fallback-text-to-speech.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from './text-to-speech.ts';

const missing = await missingExecutables(['espeak-ng']);
const API_KEY = 'elevenlabs-test-key';
const ESPEAK_RATE = 22_050;

async function collect(chunks: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const collected: AudioChunk[] = [];
  for await (const chunk of chunks) collected.push(chunk);
  return collected;
}

function samplesOf(chunks: AudioChunk[]): Int16Array {
  return Int16Array.from(chunks.flatMap((chunk) => Array.from(chunk.samples)));
}

/** An engine that speaks one chunk and then fails as an outage would. */
class FailsAfterFirstChunk implements TextToSpeech, ChecksAvailability {
  readonly name = 'flaky';
  async *synthesize(_request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    yield { samples: new Int16Array(160).fill(1000), sampleRate: 16_000 };
    throw new AppError('MODEL_ERROR', { message: 'flaky failed mid-sentence.' });
  }
  async availability() {
    return { available: true, engine: this.name };
  }
}

/** An engine that would speak forever; records whether its consumer stopped it. */
class EndlessSpeech implements TextToSpeech, ChecksAvailability {
  readonly name = 'endless';
  stopped = false;
  async *synthesize(_request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    try {
      for (;;) yield { samples: new Int16Array(160).fill(1000), sampleRate: 16_000 };
    } finally {
      this.stopped = true;
    }
  }
  async availability() {
    return { available: true, engine: this.name };
  }
}

const live = () => new AbortController().signal;

describe.skipIf(missing.length > 0)(
  'FallbackTextToSpeech: a fake ElevenLabs, then the real espeak-ng',
  () => {
    let elevenlabs: FakeElevenLabsServer;
    const espeak = new EspeakTextToSpeech();

    beforeAll(async () => {
      elevenlabs = await startFakeElevenLabsServer({ apiKey: API_KEY });
    });
    afterAll(() => elevenlabs.close());

    function chain(apiKey = API_KEY) {
      const events: FallbackEvent[] = [];
      const cloud = new ConfiguredCloudTextToSpeech(
        new ElevenLabsTextToSpeech({ apiKey, baseUrl: elevenlabs.baseUrl }),
      );
      const engine = new FallbackTextToSpeech({
        engines: [cloud, espeak],
        onFallback: (event) => events.push(event),
      });
      return { engine, events };
    }

    it('speaks with ElevenLabs while it works', async () => {
      const { engine, events } = chain();
      const chunks = await collect(engine.synthesize({ text: 'Hello there.', signal: live() }));
      expect(chunks.every((chunk) => chunk.sampleRate === 16_000)).toBe(true);
      expect(rms(samplesOf(chunks))).toBeGreaterThan(1000);
      expect(events).toEqual([]);
    });

    it.each([500 as const, 429 as const])(
      'lets espeak-ng speak when ElevenLabs answers %i, in its own default voice',
      async (status) => {
        elevenlabs.enqueue({ type: 'error', status });
        const { engine, events } = chain();
        const chunks = await collect(
          engine.synthesize({ text: 'Hello there.', voice: 'pNInz6obpgDQGcFMvWNW', signal: live() }),
        );
        expect(chunks.length).toBeGreaterThan(0);
        expect(chunks.every((chunk) => chunk.sampleRate === ESPEAK_RATE)).toBe(true);
        expect(rms(samplesOf(chunks))).toBeGreaterThan(100);
        expect(events).toEqual([
          expect.objectContaining({ from: 'elevenlabs', to: 'espeak-ng', error: expect.any(AppError) }),
        ]);
        expect(elevenlabs.requests.at(-1)?.path).toBe('/v1/text-to-speech/pNInz6obpgDQGcFMvWNW');
      },
    );

    it("falls back when ElevenLabs refuses the server's key", async () => {
      const { engine, events } = chain('wrong-key');
      const chunks = await collect(engine.synthesize({ text: 'Hello.', signal: live() }));
      expect(chunks[0]?.sampleRate).toBe(ESPEAK_RATE);
      expect(events[0]?.error.code).toBe('SERVICE_UNAVAILABLE');
    });

    it('does not fall back on a refusal of the request itself', async () => {
      const { engine, events } = chain();
      await expect(
        collect(engine.synthesize({ text: 'Hello.', voice: 'not a voice id!', signal: live() })),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(events).toEqual([]);
    });

    it('does not fall back once audio has gone out', async () => {
      const events: FallbackEvent[] = [];
      const engine = new FallbackTextToSpeech({
        engines: [new FailsAfterFirstChunk(), espeak],
        onFallback: (event) => events.push(event),
      });
      const received: AudioChunk[] = [];
      const failure = await (async () => {
        for await (const chunk of engine.synthesize({ text: 'Hello.', signal: live() })) received.push(chunk);
      })().catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'MODEL_ERROR', message: 'flaky failed mid-sentence.' });
      expect(received).toHaveLength(1);
      expect(events).toEqual([]);
    });

    it('stops the engine when its listener stops listening', async () => {
      const endless = new EndlessSpeech();
      const engine = new FallbackTextToSpeech({ engines: [endless, espeak] });
      let count = 0;
      for await (const _chunk of engine.synthesize({ text: 'Hello.', signal: live() })) {
        count += 1;
        if (count === 3) break;
      }
      expect(endless.stopped).toBe(true);
    });

    it("reports the first engine's failure when every engine fails", async () => {
      elevenlabs.enqueue({ type: 'error', status: 500 });
      const cloud = new ConfiguredCloudTextToSpeech(
        new ElevenLabsTextToSpeech({ apiKey: API_KEY, baseUrl: elevenlabs.baseUrl }),
      );
      const engine = new FallbackTextToSpeech({
        engines: [cloud, new EspeakTextToSpeech({ binary: '/nonexistent/espeak-ng' })],
      });
      await expect(collect(engine.synthesize({ text: 'Hello.', signal: live() }))).rejects.toMatchObject({
        code: 'MODEL_ERROR',
        message: expect.stringContaining('ElevenLabs'),
      });
    });
  },
);
