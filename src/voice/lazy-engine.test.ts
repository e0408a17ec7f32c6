import { describe, expect, it } from 'vitest';
import { LazySpeechToText, LazyTextToSpeech } from './lazy-engine.ts';
import type { SpeechToText } from './speech-to-text.ts';
import type { AudioChunk, TextToSpeech } from './text-to-speech.ts';

const live = () => new AbortController().signal;

const hearing: SpeechToText = {
  name: 'fake',
  transcribe: async (request) => ({
    text: `${request.audio.length} samples`,
    language: 'en',
    durationSeconds: request.audio.length / 16_000,
  }),
};

const speaking: TextToSpeech = {
  name: 'fake',
  async *synthesize(request) {
    for (const word of request.text.split(' ')) {
      const chunk: AudioChunk = { samples: new Int16Array(word.length), sampleRate: 16_000 };
      yield chunk;
    }
  },
};

describe('LazySpeechToText', () => {
  it('loads its engine on the first call, once, and answers with it', async () => {
    let loads = 0;
    const engine = new LazySpeechToText({
      name: 'deepgram',
      load: async () => {
        loads += 1;
        return hearing;
      },
    });
    expect(engine.name).toBe('deepgram');
    expect(loads).toBe(0);
    const [first, second] = await Promise.all([
      engine.transcribe({ audio: new Int16Array(160), signal: live() }),
      engine.transcribe({ audio: new Int16Array(320), signal: live() }),
    ]);
    expect([first.text, second.text]).toEqual(['160 samples', '320 samples']);
    expect(loads).toBe(1);
  });

  it('fails the call when the load fails, and loads again on the next one', async () => {
    let loads = 0;
    const engine = new LazySpeechToText({
      name: 'deepgram',
      load: async () => {
        loads += 1;
        if (loads === 1) throw new Error('Cannot find package @ai-sdk/deepgram');
        return hearing;
      },
    });
    await expect(engine.transcribe({ audio: new Int16Array(16), signal: live() })).rejects.toThrow(
      '@ai-sdk/deepgram',
    );
    expect((await engine.transcribe({ audio: new Int16Array(16), signal: live() })).text).toBe('16 samples');
    expect(loads).toBe(2);
  });
});

describe('LazyTextToSpeech', () => {
  it('loads its engine when the first chunk is asked for, and yields what it speaks', async () => {
    let loads = 0;
    const engine = new LazyTextToSpeech({
      name: 'elevenlabs',
      load: async () => {
        loads += 1;
        return speaking;
      },
    });
    const chunks = engine.synthesize({ text: 'one three', signal: live() });
    expect(loads).toBe(0);
    const lengths: number[] = [];
    for await (const chunk of chunks) lengths.push(chunk.samples.length);
    expect(lengths).toEqual([3, 5]);
    expect(loads).toBe(1);
  });
});
