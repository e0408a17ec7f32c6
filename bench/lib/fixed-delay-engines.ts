import type { ChatModel, ChatModelPart, ChatModelRequest } from '../../src/models/chat-model.ts';
import type { SpeechToText, TranscribeRequest, Transcript } from '../../src/voice/speech-to-text.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from '../../src/voice/text-to-speech.ts';
import { tone } from '../../src/voice/voice-session-test-kit.ts';
import { nowMs } from './clock.ts';

// Engines that take a fixed time and stamp when they really started and finished, for measuring
// what the voice session itself adds to a turn: the time between a turn's ends minus the time
// spent inside the engines on its path is the orchestration's. They follow the ports exactly.

export interface EngineDelays {
  speechToTextMs: number;
  /** Request → first token. */
  firstTokenMs: number;
  /** Between tokens after the first. */
  tokenPaceMs: number;
  /** Per synthesized sentence. */
  textToSpeechMs: number;
}

/** What the engines did during one turn, in the shared monotonic clock (ms). */
export interface TurnStamps {
  speechToText?: { start: number; end: number };
  modelStart?: number;
  /** When each token was handed to the caller. */
  tokenAt: number[];
  textToSpeech: Array<{ text: string; start: number; end: number }>;
}

export const newTurnStamps = (): TurnStamps => ({ tokenAt: [], textToSpeech: [] });

/** Resolves at `at` on the monotonic clock; rejects when the signal aborts. */
function waitUntil(at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, at - nowMs()),
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The engines of one voice session; `stamps` is replaced at the start of each turn. */
export class FixedDelayEngines {
  stamps: TurnStamps = newTurnStamps();
  readonly #delays: EngineDelays;
  readonly #heard: string;
  readonly #reply: readonly string[];

  constructor(options: { delays: EngineDelays; heard: string; reply: readonly string[] }) {
    this.#delays = options.delays;
    this.#heard = options.heard;
    this.#reply = options.reply;
  }

  readonly speechToText: SpeechToText = {
    name: 'fixed-delay-stt',
    transcribe: async (request: TranscribeRequest): Promise<Transcript> => {
      const start = nowMs();
      await waitUntil(start + this.#delays.speechToTextMs, request.signal);
      this.stamps.speechToText = { start, end: nowMs() };
      return { text: this.#heard, language: 'en', durationSeconds: request.audio.length / 16_000 };
    },
  };

  /** espeak-ng's rate and roughly its length (100 samples per character), so resampling runs as it would. */
  readonly textToSpeech: TextToSpeech = {
    name: 'fixed-delay-tts',
    synthesize: (request: SynthesizeRequest) => this.#synthesize(request),
  };

  readonly model: ChatModel = {
    name: 'bench:fixed-delay',
    provider: 'bench',
    stream: (request: ChatModelRequest) => this.#stream(request),
  };

  async *#synthesize(request: SynthesizeRequest): AsyncGenerator<AudioChunk> {
    const start = nowMs();
    await waitUntil(start + this.#delays.textToSpeechMs, request.signal);
    const samples = tone(request.text.length * 100, 22_050);
    this.stamps.textToSpeech.push({ text: request.text, start, end: nowMs() });
    yield { samples, sampleRate: 22_050 };
  }

  async *#stream(request: ChatModelRequest): AsyncGenerator<ChatModelPart> {
    const start = nowMs();
    const stamps = this.stamps;
    stamps.modelStart = start;
    for (const [index, text] of this.#reply.entries()) {
      // Due at absolute times, so a late consumer does not stretch the model's own pace.
      await waitUntil(start + this.#delays.firstTokenMs + index * this.#delays.tokenPaceMs, request.signal);
      stamps.tokenAt.push(nowMs());
      yield { type: 'text-delta', text };
    }
    yield { type: 'finish', finishReason: 'stop', usage: null };
  }
}
