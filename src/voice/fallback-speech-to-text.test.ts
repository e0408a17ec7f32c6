import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDeepgramServer } from '../../test/fakes/fake-deepgram-server.ts';
import type { FakeDeepgramServer } from '../../test/fakes/fake-deepgram-server.ts';
import { AppError } from '../core/errors.ts';
import { ConfiguredCloudSpeechToText } from './configured-cloud-engine.ts';
import { missingExecutables } from './engine-test-support.ts';
import { DeepgramSpeechToText } from './engines/cloud-deepgram-speech-to-text.ts';
import { PocketsphinxSpeechToText } from './engines/pocketsphinx-speech-to-text.ts';
import type { FallbackEvent } from './fallback-policy.ts';
import { FallbackSpeechToText } from './fallback-speech-to-text.ts';
import type { ChecksAvailability } from './engine-availability.ts';
import type { SpeechToText } from './speech-to-text.ts';
import { spokenSamples } from './voice-test-audio.ts';

const missing = await missingExecutables(['pocketsphinx_continuous', 'espeak-ng', 'sox']);
const API_KEY = 'deepgram-test-key';

describe.skipIf(missing.length > 0)(
  'FallbackSpeechToText: a fake Deepgram, then the real pocketsphinx',
  () => {
    let deepgram: FakeDeepgramServer;
    let speech: Int16Array;
    const pocketsphinx = new PocketsphinxSpeechToText();

    beforeAll(async () => {
      deepgram = await startFakeDeepgramServer({ apiKey: API_KEY });
      speech = spokenSamples('what is the weather today');
    });
    afterAll(() => deepgram.close());

    function cloud(apiKey = API_KEY) {
      return new ConfiguredCloudSpeechToText(new DeepgramSpeechToText({ apiKey, baseUrl: deepgram.baseUrl }));
    }

    function chain(first: SpeechToText & ChecksAvailability) {
      const events: FallbackEvent[] = [];
      const engine = new FallbackSpeechToText({
        engines: [first, pocketsphinx],
        onFallback: (event) => events.push(event),
      });
      return { engine, events };
    }

    const live = () => new AbortController().signal;

    it('answers with Deepgram while it works, and says which engine answered', async () => {
      const { engine, events } = chain(cloud());
      const transcript = await engine.transcribe({ audio: speech, signal: live() });
      expect(transcript).toMatchObject({ text: 'Hello world.', engine: 'deepgram' });
      expect(events).toEqual([]);
      expect(engine.name).toBe('deepgram (fallback: pocketsphinx)');
    });

    it.each([
      { status: 500 as const, code: 'MODEL_ERROR' },
      { status: 429 as const, code: 'RATE_LIMITED' },
    ])('hands the audio to pocketsphinx when Deepgram answers $status', async ({ status, code }) => {
      deepgram.enqueue({ type: 'error', status });
      const { engine, events } = chain(cloud());
      const transcript = await engine.transcribe({ audio: speech, signal: live() });
      expect(transcript.engine).toBe('pocketsphinx');
      expect(transcript.text).toMatch(/^what is\b/);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ from: 'deepgram', to: 'pocketsphinx', error: { code } });
    });

    it("falls back when Deepgram refuses the server's key", async () => {
      const { engine, events } = chain(cloud('wrong-key'));
      const transcript = await engine.transcribe({ audio: speech, signal: live() });
      expect(transcript.engine).toBe('pocketsphinx');
      expect(events[0]?.error.code).toBe('SERVICE_UNAVAILABLE');
    });

    it('does not fall back once the caller has gone away', async () => {
      deepgram.enqueue({ type: 'stall' });
      const { engine, events } = chain(cloud());
      const controller = new AbortController();
      const before = deepgram.requests.length;
      const settled = engine.transcribe({ audio: speech, signal: controller.signal }).catch((error) => error);
      await expect.poll(() => deepgram.requests.length).toBe(before + 1);
      controller.abort(new Error('client left'));
      expect(await settled).toEqual(new Error('client left'));
      expect(events).toEqual([]);
    });

    it('does not fall back on a refusal of the request itself', async () => {
      // pocketsphinx first this time: it refuses a language its model does not speak (400), which
      // another engine must not paper over.
      const events: FallbackEvent[] = [];
      const engine = new FallbackSpeechToText({
        engines: [pocketsphinx, cloud()],
        onFallback: (event) => events.push(event),
      });
      const before = deepgram.requests.length;
      await expect(
        engine.transcribe({ audio: speech, language: 'fr', signal: live() }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(deepgram.requests.length).toBe(before);
      expect(events).toEqual([]);
    });

    it("reports the first engine's failure when every engine fails", async () => {
      deepgram.enqueue({ type: 'error', status: 500 });
      const engine = new FallbackSpeechToText({
        engines: [cloud(), new PocketsphinxSpeechToText({ binary: '/nonexistent/pocketsphinx_continuous' })],
      });
      const error = await engine
        .transcribe({ audio: speech, signal: live() })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'MODEL_ERROR', message: expect.stringContaining('Deepgram') });
    });

    it('is available while any of its engines is, and says what to install when none is', async () => {
      const broken = new PocketsphinxSpeechToText({ binary: '/nonexistent/pocketsphinx_continuous' });
      expect(await new FallbackSpeechToText({ engines: [cloud(), broken] }).availability()).toEqual({
        available: true,
        engine: 'deepgram (fallback: pocketsphinx)',
      });
      const none = await new FallbackSpeechToText({ engines: [broken, broken] }).availability();
      expect(none).toMatchObject({
        available: false,
        install: 'apt-get install pocketsphinx pocketsphinx-en-us',
        reason: expect.stringContaining('/nonexistent/pocketsphinx_continuous is not installed'),
      });
    });
  },
);
