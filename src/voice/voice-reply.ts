// One spoken reply: the engine turn for what the user said, each sentence synthesized as the model
// completes it, and `response` events out: one per sentence with stream_sentences, else one for
// the whole reply once it is spoken. A reply longer than `maxResponseAudioBytes` of audio goes out
// in several responses, split between sentences, each sent as soon as it is full: common
// WebSocket clients refuse messages over 1 MiB (Python's `websockets` by default, which doc 001's
// own Python client uses). Cancelling it (barge-in, the session ending) interrupts the turn
// (stored as interrupted: the sentences already sent if any, else what the model produced), aborts
// the synthesis running for it, and sends nothing more.
import type { LiveTurn, Turn, TurnEndEvent } from '../core/conversation-engine.ts';
import { AppError, toAppError } from '../core/errors.ts';
import { SentenceSpeaker, joinSamples, speechWav } from './speech-output.ts';
import type { TextToSpeech } from './text-to-speech.ts';
import type { EmitVoiceEvent, VoiceFailureStage } from './voice-session-events.ts';

export interface VoiceReplyOptions {
  content: string;
  /** Starts the engine turn in the session's conversation; `signal` aborting interrupts it. */
  startTurn: (request: { content: string; signal: AbortSignal }) => Promise<Turn>;
  textToSpeech: TextToSpeech;
  streamSentences: boolean;
  /** WAV bytes one response may carry before the rest goes in another (default 700 000, ~22 s). */
  maxResponseAudioBytes?: number;
  emit: EmitVoiceEvent;
  /** Told of the turn and of when its reply is over (shutdown drains running replies). */
  trackTurn?: (turn: LiveTurn, done: Promise<void>) => void;
}

const DEFAULT_MAX_RESPONSE_AUDIO_BYTES = 700_000;
const WAV_HEADER_BYTES = 44;

/** Spoken sentences waiting to go out together. */
class SentenceGroup {
  readonly indices: number[] = [];
  readonly #texts: string[] = [];
  readonly #samples: Int16Array[] = [];
  /** The WAV file they would make. */
  bytes = WAV_HEADER_BYTES;

  get size(): number {
    return this.indices.length;
  }

  get text(): string {
    return this.#texts.join(' ');
  }

  get samples(): Int16Array {
    return joinSamples(this.#samples);
  }

  add(index: number, text: string, samples: Int16Array): void {
    this.indices.push(index);
    this.#texts.push(text);
    this.#samples.push(samples);
    this.bytes += samples.length * 2;
  }
}

export class VoiceReply {
  /** Settles when the reply is over, however it ended; never rejects. */
  readonly done: Promise<void>;
  readonly #options: VoiceReplyOptions;
  readonly #abort = new AbortController();
  #cancelled = false;
  #finished = false;
  /** Every response of the reply has gone out: nothing is left to cancel. */
  #delivered = false;
  #turn: LiveTurn | undefined;
  /** The stored reply rewritten as heard, once a cancelled reply's turn is known. */
  #storedAsHeard: Promise<void> | undefined;

  constructor(options: VoiceReplyOptions) {
    this.#options = options;
    this.done = this.#run()
      .catch((error: unknown) => this.#fail('reply', error))
      .finally(() => {
        this.#finished = true;
      });
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** The reply is over: spoken, failed, or cancelled and its turn stored. */
  get finished(): boolean {
    return this.#finished;
  }

  cancel(): void {
    // A reply sent whole stays stored complete: the server cannot know how much the client played.
    if (this.#cancelled || this.#delivered || this.#finished) return;
    this.#cancelled = true;
    // Before the abort, so the turn stores only what was heard, even when the model had finished
    // and the reply was still being spoken.
    if (this.#turn !== undefined) this.#storedAsHeard = this.#turn.interruptDelivery();
    this.#abort.abort(new Error('reply cancelled'));
  }

  async #run(): Promise<void> {
    let turn: Turn;
    try {
      turn = await this.#options.startTurn({ content: this.#options.content, signal: this.#abort.signal });
    } catch (error) {
      this.#fail('reply', error);
      return;
    }
    if (turn.duplicate) return;
    this.#turn = turn;
    if (this.#cancelled) this.#storedAsHeard = turn.interruptDelivery();
    let finished = () => {};
    this.#options.trackTurn?.(turn, new Promise<void>((resolve) => (finished = resolve)));
    try {
      await this.#speak(turn);
      await this.#storedAsHeard;
    } finally {
      finished();
    }
  }

  async #speak(turn: LiveTurn): Promise<void> {
    const speaker = new SentenceSpeaker({
      textToSpeech: this.#options.textToSpeech,
      signal: this.#abort.signal,
    });
    const budget = this.#options.maxResponseAudioBytes ?? DEFAULT_MAX_RESPONSE_AUDIO_BYTES;
    // Spoken sentences not sent yet (the default mode gathers them into one response).
    let group = new SentenceGroup();
    let sentAny = false;
    const sendGroup = (text = group.text) => {
      if (group.size === 0) return;
      if (this.#send(text, group.samples)) {
        // What was sent counts as heard if the user interrupts later.
        for (const index of group.indices) turn.acknowledgeSentence(index);
        sentAny = true;
      }
      group = new SentenceGroup();
    };
    // Each sentence is handled once it and every one before it is spoken.
    let spoken: Promise<void> = Promise.resolve();
    let end: TurnEndEvent | undefined;
    for await (const event of turn.events) {
      if (event.type === 'turn-end') {
        end = event;
        // Interrupted from elsewhere (the shutdown drain deadline): stop speaking it too.
        if (event.finishReason === 'interrupted') this.cancel();
      }
      if (event.type !== 'sentence' || this.#cancelled) continue;
      const audio = speaker.speak(event.text);
      // A synthesis failure ends the reply at once; the rest of the turn is interrupted.
      audio.catch((error: unknown) => this.#fail('text-to-speech', error));
      spoken = spoken.then(async () => {
        const samples = await audio.catch(() => undefined);
        if (samples === undefined || this.#cancelled) return;
        if (group.size > 0 && group.bytes + samples.length * 2 > budget) sendGroup();
        group.add(event.index, event.text, samples);
        if (this.#options.streamSentences) sendGroup();
      });
    }
    await spoken;
    if (end === undefined || this.#cancelled || end.finishReason === 'interrupted') return;
    // One response for the whole reply carries its text exactly as the model wrote it. After a
    // model failure the spoken part goes out first, then the error.
    sendGroup(sentAny || end.finishReason === 'error' ? undefined : end.text);
    if (!this.#cancelled) this.#delivered = true;
    if (end.finishReason === 'error') {
      this.#fail('reply', new AppError('MODEL_ERROR', { message: end.error?.message }));
    }
  }

  /** Emits one response unless the reply was cancelled; answers whether it went out. */
  #send(text: string, samples: Int16Array): boolean {
    if (this.#cancelled) return false;
    this.#options.emit({ type: 'response', text, audio: speechWav(samples) });
    return true;
  }

  #fail(stage: VoiceFailureStage, error: unknown): void {
    if (this.#cancelled) return;
    this.cancel();
    this.#options.emit({ type: 'error', stage, error: toAppError(error) });
  }
}
