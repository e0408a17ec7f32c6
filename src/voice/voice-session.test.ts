import { afterEach, describe, expect, it } from 'vitest';
import { ManualModel } from '../../test/support/cai-harness.ts';
import { ConversationEngine } from '../core/conversation-engine.ts';
import type { Message, Scope } from '../core/domain.ts';
import { AppError } from '../core/errors.ts';
import { createStore } from '../store/create-store.ts';
import type { Store } from '../store/store.ts';
import { AudioError } from './audio/audio-error.ts';
import { parseWav } from './audio/wav.ts';
import { rms } from './audio/audio-test-kit.ts';
import {
  Gate,
  ScriptedSpeechToText,
  ScriptedTextToSpeech,
  ScriptedVoiceActivityDetector,
  TEST_SAMPLE_RATE,
  pcmChunks,
  stretches,
  wavChunks,
} from './voice-session-test-kit.ts';
import { VoiceSession, type VoiceSessionOptions } from './voice-session.ts';
import type { VoiceSessionEvent } from './voice-session-events.ts';

// The voice session with scripted detector, speech-to-text and text-to-speech (voice-session-test-kit.ts),
// on a real conversation engine and SQLite store, with a model the test answers by hand.

type Stretch = ['speech' | 'silence', number];

interface Harness {
  session: VoiceSession;
  model: ManualModel;
  store: Store;
  scope: Scope;
  conversationId: string;
  speechToText: ScriptedSpeechToText;
  textToSpeech: ScriptedTextToSpeech;
  detector: ScriptedVoiceActivityDetector;
  events: VoiceSessionEvent[];
  /** Streams loud/quiet audio as 20 ms PCM chunks; answers how many samples went in so far. */
  speak(parts: Stretch[]): number;
  next<Type extends VoiceSessionEvent['type']>(
    type: Type,
    predicate?: (event: Extract<VoiceSessionEvent, { type: Type }>) => boolean,
  ): Promise<Extract<VoiceSessionEvent, { type: Type }>>;
  /** Waits until every frame streamed so far went through the detector. */
  detected(): Promise<void>;
  messages(count: number): Promise<Message[]>;
}

let opened: Harness[] = [];

afterEach(async () => {
  for (const harness of opened) {
    harness.session.end();
    await harness.session.idle();
    await harness.store.close();
  }
  opened = [];
});

/** Polls until `check` answers something other than undefined (the test's own timeout bounds it). */
async function eventually<T>(check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function start(
  options: { heard?: string[] } & Partial<
    Pick<
      VoiceSessionOptions,
      'streamSentences' | 'maxBacklogSeconds' | 'maxUtteranceSeconds' | 'maxResponseAudioBytes'
    >
  > = {},
): Promise<Harness> {
  const store = await createStore({ url: 'sqlite::memory:' });
  const tenant = await store.createTenant({ name: 'acme' });
  const scope = { tenantId: tenant.id };
  const conversation = await store.createConversation(scope, { userId: null });
  const model = new ManualModel();
  const engine = new ConversationEngine({
    store,
    resolveModel: () => model,
    history: { maxMessages: 50, maxCharacters: 100_000 },
    maxPromptCharacters: 1000,
  });
  const speechToText = new ScriptedSpeechToText(options.heard ?? []);
  const textToSpeech = new ScriptedTextToSpeech();
  const detector = new ScriptedVoiceActivityDetector();
  const events: VoiceSessionEvent[] = [];
  let waiters: Array<{ test: (event: VoiceSessionEvent) => boolean; resolve: (event: never) => void }> = [];
  const session = new VoiceSession({
    speechToText,
    textToSpeech,
    voiceActivityDetector: detector,
    startTurn: ({ content, signal }) =>
      engine.startTurn({ scope, conversationId: conversation.id, content, signal }),
    streamSentences: options.streamSentences ?? false,
    pcmSampleRate: TEST_SAMPLE_RATE,
    maxChunkBytes: 1024 * 1024,
    maxUtteranceSeconds: options.maxUtteranceSeconds ?? 60,
    ...(options.maxBacklogSeconds === undefined ? {} : { maxBacklogSeconds: options.maxBacklogSeconds }),
    ...(options.maxResponseAudioBytes === undefined
      ? {}
      : { maxResponseAudioBytes: options.maxResponseAudioBytes }),
    emit: (event) => {
      events.push(event);
      waiters = waiters.filter((waiter) => {
        if (!waiter.test(event)) return true;
        waiter.resolve(event as never);
        return false;
      });
    },
  });
  let samplesIn = 0;
  const harness: Harness = {
    session,
    model,
    store,
    scope,
    conversationId: conversation.id,
    speechToText,
    textToSpeech,
    detector,
    events,
    speak(parts) {
      const samples = stretches(parts);
      for (const chunk of pcmChunks(samples)) session.pushAudio(chunk);
      samplesIn += samples.length;
      return samplesIn;
    },
    next(type, predicate = () => true) {
      const test = (event: VoiceSessionEvent) =>
        event.type === type && predicate(event as Extract<VoiceSessionEvent, { type: typeof type }>);
      const found = events.find(test);
      if (found !== undefined) return Promise.resolve(found as never);
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
    detected: async () => {
      await eventually(() =>
        detector.frames === Math.floor(samplesIn / detector.frameSize) ? true : undefined,
      );
    },
    messages: (count) =>
      eventually(async () => {
        const page = await store.listMessages(scope, conversation.id, {
          offset: 0,
          limit: 100,
          order: 'asc',
        });
        return page.items.length >= count ? page.items : undefined;
      }),
  };
  opened.push(harness);
  return harness;
}

const lastUserContent = (harness: Harness, call: number) =>
  harness.model.calls[call]?.request.messages.at(-1)?.content;

describe('a spoken turn', () => {
  it('hears the utterance with its pre-roll, sends a final transcript, then one ai_response for the whole reply', async () => {
    const harness = await start({ heard: ['hello there'] });
    harness.speak([
      ['silence', 0.5],
      ['speech', 0.5],
      ['silence', 0.2],
    ]);
    const transcript = await harness.next('transcript');
    expect(transcript).toEqual({
      type: 'transcript',
      text: 'hello there',
      isFinal: true,
      turnDetected: true,
    });

    // The detector's onset was frame 15 (0.48 s): the recording starts 0.3 s before it, so the
    // leading silence is kept, and it stops 0.3 s after the speech at most.
    const heard = harness.speechToText.requests[0]!.audio;
    const speechAt = 8000 - Math.round((0.48 - 0.3) * TEST_SAMPLE_RATE);
    expect(rms(heard.subarray(0, speechAt))).toBe(0);
    expect(rms(heard.subarray(speechAt, speechAt + 320))).toBeGreaterThan(1000);
    expect(heard.length).toBeLessThanOrEqual(speechAt + 0.5 * TEST_SAMPLE_RATE + 0.3 * TEST_SAMPLE_RATE);

    const call = await harness.model.call(0);
    expect(lastUserContent(harness, 0)).toBe('hello there');
    call.text('Hello! ', 'How can I help?');
    call.finish();
    const response = await harness.next('response');
    expect(response.text).toBe('Hello! How can I help?');
    expect(harness.textToSpeech.requests.map((request) => request.text)).toEqual([
      'Hello!',
      'How can I help?',
    ]);
    // Both sentences' 22 050 Hz speech, resampled to doc 001's 16 kHz mono WAV.
    const audio = parseWav(response.audio);
    expect(audio).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(audio.samples.length).toBe(
      Math.round((600 * 16_000) / 22_050) + Math.round((1500 * 16_000) / 22_050),
    );
    expect(rms(audio.samples)).toBeGreaterThan(1000);

    const [user, assistant] = await harness.messages(2);
    expect(user).toMatchObject({ role: 'user', content: 'hello there', status: 'complete' });
    expect(assistant).toMatchObject({
      role: 'assistant',
      content: 'Hello! How can I help?',
      status: 'complete',
    });
    await harness.session.idle();
    expect(harness.events.filter((event) => event.type === 'response')).toHaveLength(1);
    expect(harness.session.busy).toBe(false);
  });

  it('with stream_sentences sends one ai_response per sentence, in order', async () => {
    const harness = await start({ heard: ['tell me more'], streamSentences: true });
    harness.speak([
      ['speech', 0.4],
      ['silence', 0.2],
    ]);
    const call = await harness.model.call(0);
    call.text('First one. ', 'Second ', 'one! ', 'Last?');
    call.finish();
    await harness.next('response', (event) => event.text === 'Last?');
    const responses = harness.events.filter((event) => event.type === 'response');
    expect(responses.map((event) => event.text)).toEqual(['First one.', 'Second one!', 'Last?']);
    for (const response of responses) expect(parseWav(response.audio).sampleRate).toBe(16_000);
    const [, assistant] = await harness.messages(2);
    expect(assistant).toMatchObject({ content: 'First one. Second one! Last?', status: 'complete' });
  });

  it('splits a reply with more audio than one response may carry between sentences, sending each part when full', async () => {
    // Each scripted sentence below is 10 characters: 1000 samples at 22 050 Hz, 726 at 16 kHz.
    const harness = await start({ maxResponseAudioBytes: 44 + 2 * 726 * 2 });
    harness.session.pushText('tell me a long story');
    const call = await harness.model.call(0);
    call.text('Sentence1. ', 'Sentence2. ', 'Sentence3. ', 'Sentence4');
    // The first two fill a response: it goes out as soon as the third does not fit, before the
    // model is done.
    const first = await harness.next('response');
    expect(first.text).toBe('Sentence1. Sentence2.');
    expect(first.audio.length).toBeLessThanOrEqual(44 + 2 * 726 * 2);
    call.text('. ', 'End.');
    call.finish();
    await harness.next('response', (event) => event.text === 'End.');
    const responses = harness.events.filter((event) => event.type === 'response');
    expect(responses.map((event) => event.text)).toEqual([
      'Sentence1. Sentence2.',
      'Sentence3. Sentence4.',
      'End.',
    ]);
    const [, assistant] = await harness.messages(2);
    expect(assistant).toMatchObject({ status: 'complete' });
  });

  it('stores only the parts already sent when the user interrupts a split reply', async () => {
    const harness = await start({ maxResponseAudioBytes: 44 + 2 * 726 * 2 });
    harness.session.pushText('tell me a long story');
    const call = await harness.model.call(0);
    call.text('Sentence1. ', 'Sentence2. ', 'Sentence3. ', 'Sentence4');
    await harness.next('response');
    harness.session.pushText('stop');
    await harness.model.call(1);
    const [, assistant] = await harness.messages(2);
    expect(assistant).toMatchObject({ content: 'Sentence1. Sentence2.', status: 'interrupted' });
  });

  it('takes WAV chunks at another rate and in stereo, resampled to 16 kHz for the detector', async () => {
    const harness = await start({ heard: ['stereo words'] });
    const at48k = stretches([
      ['speech', 0.5],
      ['silence', 0.3],
    ]);
    // The same tone, 48 kHz stereo: each 16 kHz sample becomes three frames of two channels.
    const stereo = new Int16Array(at48k.length * 6);
    at48k.forEach((sample, index) => stereo.fill(sample, index * 6, index * 6 + 6));
    for (const chunk of wavChunks(stereo, { sampleRate: 48_000, channels: 2, chunkFrames: 960 })) {
      harness.session.pushAudio(chunk);
    }
    expect(await harness.next('transcript')).toMatchObject({ text: 'stereo words', turnDetected: true });
  });

  it('joins speech resumed before the reply starts into the same turn', async () => {
    const harness = await start({ heard: ['first part', 'second part'] });
    harness.speechToText.gate = new Gate();
    harness.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    await eventually(() => (harness.speechToText.requests.length === 1 ? true : undefined));
    // The user goes on speaking while the first transcript is being made.
    harness.speak([['speech', 0.3]]);
    await harness.detected();
    harness.speechToText.gate.open();
    await harness.next('transcript', (event) => event.text === 'first part');
    expect(harness.model.calls).toHaveLength(0);

    harness.speak([['silence', 0.2]]);
    await harness.next('transcript', (event) => event.text === 'second part');
    const call = await harness.model.call(0);
    expect(lastUserContent(harness, 0)).toBe('first part second part');
    call.text('Got it.');
    call.finish();
    await harness.next('response');
    expect(harness.model.calls).toHaveLength(1);
  });

  it('transcribes an utterance past VOICE_MAX_AUDIO_SECONDS in pieces, and answers once the user stops', async () => {
    const harness = await start({ heard: ['part one', 'part two', 'part three'], maxUtteranceSeconds: 0.5 });
    harness.speak([
      ['speech', 1.2],
      ['silence', 0.2],
    ]);
    await harness.next('transcript', (event) => event.turnDetected);
    const transcripts = harness.events.filter((event) => event.type === 'transcript');
    expect(transcripts.length).toBeGreaterThanOrEqual(2);
    expect(transcripts.slice(0, -1).every((event) => !event.turnDetected)).toBe(true);
    for (const request of harness.speechToText.requests) {
      expect(request.audio.length).toBeLessThanOrEqual(0.5 * TEST_SAMPLE_RATE + 512);
    }
    await harness.model.call(0);
    expect(lastUserContent(harness, 0)).toBe(transcripts.map((event) => event.text).join(' '));
    expect(harness.model.calls).toHaveLength(1);
  });

  it('hears nothing in an utterance the engine finds empty: no transcript, no turn', async () => {
    const harness = await start({ heard: ['', 'real words'] });
    harness.speak([
      ['speech', 0.2],
      ['silence', 0.2],
    ]);
    await eventually(() => (harness.speechToText.requests.length === 1 ? true : undefined));
    harness.speak([
      ['speech', 0.2],
      ['silence', 0.2],
    ]);
    await harness.next('transcript');
    await harness.model.call(0);
    expect(lastUserContent(harness, 0)).toBe('real words');
    expect(harness.events.filter((event) => event.type === 'transcript')).toHaveLength(1);
  });
});

describe('text_input', () => {
  it('skips speech-to-text: no transcript, and the reply follows', async () => {
    const harness = await start();
    harness.session.pushText('  typed hello ');
    const call = await harness.model.call(0);
    expect(lastUserContent(harness, 0)).toBe('typed hello');
    call.text('Hi.');
    call.finish();
    expect((await harness.next('response')).text).toBe('Hi.');
    expect(harness.speechToText.requests).toHaveLength(0);
    expect(harness.events.some((event) => event.type === 'transcript')).toBe(false);
  });

  it('leaves a reply that went out whole stored complete when the user speaks next, and at the end', async () => {
    const harness = await start();
    harness.session.pushText('first');
    const first = await harness.model.call(0);
    first.text('All done here.');
    first.finish();
    expect((await harness.next('response')).text).toBe('All done here.');
    harness.session.pushText('second');
    const second = await harness.model.call(1);
    second.text('Fine.');
    second.finish();
    expect((await harness.next('response', (event) => event.text === 'Fine.')).text).toBe('Fine.');
    harness.session.end();
    // Storing an amendment is asynchronous: let anything the end started settle before reading.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const messages = await harness.messages(4);
    expect(messages.map((message) => [message.role, message.content, message.status])).toEqual([
      ['user', 'first', 'complete'],
      ['assistant', 'All done here.', 'complete'],
      ['user', 'second', 'complete'],
      ['assistant', 'Fine.', 'complete'],
    ]);
  });

  it('barges in on a reply being produced, which is stored as interrupted', async () => {
    const harness = await start();
    harness.session.pushText('first');
    const first = await harness.model.call(0);
    first.text('Let me think. ', 'Well');
    await eventually(() => (harness.textToSpeech.requests.length === 1 ? true : undefined));
    harness.session.pushText('never mind');
    const second = await harness.model.call(1);
    expect(first.aborted).toBe(true);
    expect(harness.textToSpeech.requests[0]!.signal.aborted).toBe(true);
    expect(lastUserContent(harness, 1)).toBe('never mind');
    // Nothing of the interrupted reply was spoken (one response per reply, not sent yet): it is
    // stored empty, so the next turn's history holds the two user messages only.
    expect(second.request.messages.map((message) => message.role)).toEqual(['user', 'user']);
    second.text('OK.');
    second.finish();
    expect((await harness.next('response')).text).toBe('OK.');
    const messages = await harness.messages(4);
    expect(messages[1]).toMatchObject({ role: 'assistant', content: '', status: 'interrupted' });
    expect(messages[3]).toMatchObject({ role: 'assistant', content: 'OK.', status: 'complete' });
    expect(harness.events.filter((event) => event.type === 'response')).toHaveLength(1);
  });
});

describe('barge-in by speech', () => {
  it('cancels the reply: the model call and the synthesis are aborted, nothing more is sent, the heard sentences are stored as interrupted', async () => {
    const harness = await start({ heard: ['question', 'stop'], streamSentences: true });
    harness.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    const call = await harness.model.call(0);
    call.text('One. ', 'Two');
    expect((await harness.next('response')).text).toBe('One.');
    harness.textToSpeech.gate = new Gate();
    call.text('. ', 'Three');
    await eventually(() => (harness.textToSpeech.requests.length === 2 ? true : undefined));

    harness.speak([['speech', 0.2]]);
    await eventually(() => (call.aborted ? true : undefined));
    expect(harness.textToSpeech.requests[1]!.signal.aborted).toBe(true);
    const [, assistant] = await harness.messages(2);
    expect(assistant).toMatchObject({ role: 'assistant', content: 'One.', status: 'interrupted' });

    harness.textToSpeech.gate.open();
    harness.speak([['silence', 0.2]]);
    await harness.next('transcript', (event) => event.text === 'stop');
    await harness.model.call(1);
    expect(harness.events.filter((event) => event.type === 'response').map((event) => event.text)).toEqual([
      'One.',
    ]);
  });

  it('marks a reply interrupted when the model had finished but the reply was still being spoken', async () => {
    const harness = await start({ heard: ['question', 'stop'], streamSentences: true });
    harness.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    const call = await harness.model.call(0);
    call.text('One. ', 'Two');
    expect((await harness.next('response')).text).toBe('One.');
    harness.textToSpeech.gate = new Gate();
    call.text('. ', 'Three.');
    call.finish();
    // The model is done and its reply stored complete; the second sentence is still being spoken.
    await eventually(async () => ((await harness.messages(2))[1]?.status === 'complete' ? true : undefined));

    harness.speak([['speech', 0.2]]);
    await eventually(() => (harness.textToSpeech.requests[1]?.signal.aborted ? true : undefined));
    await eventually(async () =>
      (await harness.messages(2))[1]?.status === 'interrupted' ? true : undefined,
    );
    const [, assistant] = await harness.messages(2);
    expect(assistant).toMatchObject({ role: 'assistant', content: 'One.', status: 'interrupted' });
  });

  it('in the default mode, sends no ai_response for the interrupted reply', async () => {
    const harness = await start({ heard: ['question', 'stop'] });
    harness.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    const call = await harness.model.call(0);
    call.text('One. ', 'Two. ', 'Three');
    await eventually(() => (harness.textToSpeech.requests.length === 2 ? true : undefined));
    harness.speak([
      ['speech', 0.2],
      ['silence', 0.2],
    ]);
    await harness.model.call(1);
    expect(call.aborted).toBe(true);
    const [, assistant] = await harness.messages(2);
    expect(assistant).toMatchObject({ role: 'assistant', status: 'interrupted' });
    expect(harness.events.some((event) => event.type === 'response')).toBe(false);
  });
});

describe('ending', () => {
  it('aborts a running speech-to-text and sends nothing after', async () => {
    const harness = await start({ heard: ['too late'] });
    harness.speechToText.gate = new Gate();
    harness.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    const request = await eventually(() => harness.speechToText.requests[0]);
    harness.session.end();
    expect(request.signal.aborted).toBe(true);
    harness.speak([['speech', 0.3]]);
    harness.session.pushText('ignored');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(harness.events).toEqual([]);
    expect(harness.model.calls).toHaveLength(0);
    expect(harness.session.busy).toBe(false);
  });

  it('aborts a reply being produced and its synthesis; the turn is stored as interrupted', async () => {
    const harness = await start();
    harness.session.pushText('talk to me');
    const call = await harness.model.call(0);
    harness.textToSpeech.gate = new Gate();
    call.text('A long answer. ', 'Still');
    const synthesis = await eventually(() => harness.textToSpeech.requests[0]);
    harness.session.end();
    expect(synthesis.signal.aborted).toBe(true);
    await harness.session.idle();
    expect(call.aborted).toBe(true);
    const [, assistant] = await harness.messages(2);
    expect(assistant).toMatchObject({ status: 'interrupted' });
    expect(harness.events).toEqual([]);
  });
});

describe('failures', () => {
  it('refuses audio it cannot read with an AudioError, and keeps listening', async () => {
    const harness = await start({ heard: ['after the error'] });
    expect(() => harness.session.pushAudio('not base64 at all!')).toThrow(AudioError);
    const eightBit = Buffer.from(
      new Uint8Array([
        ...Buffer.from('RIFF'),
        ...[36, 0, 0, 0],
        ...Buffer.from('WAVEfmt '),
        ...[16, 0, 0, 0, 1, 0, 1, 0, 0x80, 0x3e, 0, 0, 0x80, 0x3e, 0, 0, 1, 0, 8, 0],
        ...Buffer.from('data'),
        ...[0, 0, 0, 0],
      ]),
    ).toString('base64');
    expect(() => harness.session.pushAudio(eightBit)).toThrow(/8-bit WAV is not supported/);
    expect(() => harness.session.pushAudio(Buffer.from([1, 2, 3]).toString('base64'))).toThrow(
      /whole 16-bit samples/,
    );
    harness.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    expect((await harness.next('transcript')).text).toBe('after the error');
  });

  it('reports a failed speech-to-text as an error, and hears the next utterance', async () => {
    const harness = await start({ heard: ['second try'] });
    harness.speechToText.failure = new AppError('INTERNAL_ERROR', { message: 'The voice engine failed.' });
    harness.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    const error = await harness.next('error');
    expect(error.stage).toBe('speech-to-text');
    expect(error.error.message).toBe('The voice engine failed.');
    harness.speechToText.failure = undefined;
    harness.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    expect((await harness.next('transcript')).text).toBe('second try');
  });

  it('reports a failed synthesis as an error and interrupts the turn', async () => {
    const harness = await start();
    harness.textToSpeech.failure = new AppError('SERVICE_UNAVAILABLE', { message: 'Speech is down.' });
    harness.session.pushText('say something');
    const call = await harness.model.call(0);
    call.text('Something. ', 'More');
    const error = await harness.next('error');
    expect(error).toMatchObject({ stage: 'text-to-speech', error: { code: 'SERVICE_UNAVAILABLE' } });
    await eventually(() => (call.aborted ? true : undefined));
    const [, assistant] = await harness.messages(2);
    expect(assistant).toMatchObject({ status: 'interrupted' });
    expect(harness.events.some((event) => event.type === 'response')).toBe(false);
  });

  it('reports a model failure as an error', async () => {
    const harness = await start();
    harness.session.pushText('hello');
    const call = await harness.model.call(0);
    call.fail('The provider is down.');
    const error = await harness.next('error');
    expect(error).toMatchObject({
      stage: 'reply',
      error: { code: 'MODEL_ERROR', message: 'The provider is down.' },
    });
  });

  it('refuses audio arriving much faster than the detector takes it, until the backlog drains', async () => {
    const harness = await start({ maxBacklogSeconds: 0.1 });
    harness.detector.gate = new Gate();
    let refused: unknown;
    for (const chunk of pcmChunks(stretches([['silence', 1]]))) {
      try {
        harness.session.pushAudio(chunk);
      } catch (error) {
        refused = error;
        break;
      }
    }
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
    expect((refused as AppError).retryAfterMs).toBeGreaterThan(0);
    harness.detector.gate.open();
    await eventually(() => (harness.session.busy ? undefined : true));
    expect(() => harness.session.pushAudio(pcmChunks(stretches([['silence', 0.02]]))[0]!)).not.toThrow();
  });
});
