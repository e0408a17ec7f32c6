import { ConversationEngine } from '../../src/core/conversation-engine.ts';
import type { Scope } from '../../src/core/domain.ts';
import { ResilientChatModel } from '../../src/models/resilient-chat-model.ts';
import type { Store } from '../../src/store/store.ts';
import { VoiceSession } from '../../src/voice/voice-session.ts';
import type { VoiceSessionEvent } from '../../src/voice/voice-session-events.ts';
import {
  pcmChunks,
  ScriptedVoiceActivityDetector,
  stretches,
  TEST_SAMPLE_RATE,
} from '../../src/voice/voice-session-test-kit.ts';
import { nowMs } from './clock.ts';
import {
  FixedDelayEngines,
  newTurnStamps,
  type EngineDelays,
  type TurnStamps,
} from './fixed-delay-engines.ts';

// One spoken conversation driven turn after turn through cai's real VoiceSession, conversation
// engine and Store, with fixed-delay engines (fixed-delay-engines.ts) and the test kit's scripted
// detector (instant: loud frames are speech). A turn is measured from the moment the client hands
// over the audio that ends the user's silence window to the first `response` (audio) out, in
// `stream_sentences` mode: the latency a listener hears.

// Whole frames of the detector (512 samples), so the last chunk completes the last frame.
const FRAME_SAMPLES = 512;
const SPEECH_FRAMES = 12;
// The scripted detector ends speech after three quiet frames.
const SILENCE_FRAMES = 3;
const TURN_TIMEOUT_MS = 10_000;

export interface VoiceTurnMeasure {
  /** Audio that ends the silence window handed over → first response emitted. */
  totalMs: number;
  /** Inside the engines on that path: speech-to-text, the model up to the token that completes the first sentence, its synthesis. */
  enginesMs: number;
  /** totalMs − enginesMs: what the session, the engine and the store added. */
  overheadMs: number;
}

export class VoiceTurnDriver {
  readonly #engines: FixedDelayEngines;
  readonly #session: VoiceSession;
  /** Index of the reply token whose arrival completes the first sentence. */
  readonly #sentenceToken: number;
  readonly #audio: string[];
  /** Where the session's events go: to the turn waiting for them. */
  readonly #events: { listener?: (event: VoiceSessionEvent) => void };

  private constructor(options: {
    engines: FixedDelayEngines;
    session: VoiceSession;
    sentenceToken: number;
    events: { listener?: (event: VoiceSessionEvent) => void };
  }) {
    this.#engines = options.engines;
    this.#events = options.events;
    this.#session = options.session;
    this.#sentenceToken = options.sentenceToken;
    // One frame per chunk: the detector sees the last quiet frame when the last chunk arrives.
    const seconds = (frames: number) => (frames * FRAME_SAMPLES) / TEST_SAMPLE_RATE;
    this.#audio = pcmChunks(
      stretches([
        ['speech', seconds(SPEECH_FRAMES)],
        ['silence', seconds(SILENCE_FRAMES)],
      ]),
      FRAME_SAMPLES,
    );
  }

  static async open(options: {
    store: Store;
    scope: Scope;
    delays: EngineDelays;
    heard: string;
    reply: readonly string[];
    sentenceToken: number;
  }): Promise<VoiceTurnDriver> {
    const { store, scope } = options;
    const engines = new FixedDelayEngines(options);
    // As the server builds them: the model behind the resilient wrapper, no retries.
    const model = new ResilientChatModel({
      chain: [engines.model],
      maxRetries: 0,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 1,
      chunkTimeoutMs: 30_000,
    });
    const engine = new ConversationEngine({
      store,
      resolveModel: () => model,
      history: { maxMessages: 50, maxCharacters: 32_000 },
      maxPromptCharacters: 32_000,
    });
    const conversation = await store.createConversation(scope, { userId: null, title: 'voice benchmark' });
    const events: { listener?: (event: VoiceSessionEvent) => void } = {};
    const session = new VoiceSession({
      speechToText: engines.speechToText,
      textToSpeech: engines.textToSpeech,
      voiceActivityDetector: new ScriptedVoiceActivityDetector({ silenceFrames: SILENCE_FRAMES }),
      startTurn: ({ content, signal }) =>
        engine.startTurn({ scope, conversationId: conversation.id, content, signal }),
      streamSentences: true,
      pcmSampleRate: TEST_SAMPLE_RATE,
      maxChunkBytes: 1 << 20,
      maxUtteranceSeconds: 30,
      emit: (event) => events.listener?.(event),
      // The server always tracks turns (for its shutdown drain); a reply without a tracker fails
      // as it ends (voice-reply.ts calls the tracker's `finished` unconditionally).
      trackTurn: () => undefined,
    });
    return new VoiceTurnDriver({ engines, session, sentenceToken: options.sentenceToken, events });
  }

  /** One spoken turn, measured; resolves once its whole reply is over. */
  async turn(): Promise<VoiceTurnMeasure> {
    const stamps = newTurnStamps();
    this.#engines.stamps = stamps;
    const last = this.#audio.length - 1;
    for (const chunk of this.#audio.slice(0, last)) this.#session.pushAudio(chunk);
    // The frames before the last are through the detector before the clock starts.
    const settleBy = nowMs() + TURN_TIMEOUT_MS;
    while (this.#session.busy) {
      if (nowMs() > settleBy) throw new Error('the session stayed busy between turns');
      await new Promise((resolve) => setImmediate(resolve));
    }

    const firstAudio = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response in time')), TURN_TIMEOUT_MS);
      this.#events.listener = (event) => {
        if (event.type === 'response') {
          clearTimeout(timer);
          this.#events.listener = undefined;
          resolve(nowMs());
        } else if (event.type === 'error') {
          clearTimeout(timer);
          this.#events.listener = undefined;
          reject(new Error(`${event.stage}: ${event.error.message}`));
        }
      };
    });
    const startedAt = nowMs();
    this.#session.pushAudio(this.#audio[last] as string);
    const respondedAt = await firstAudio;
    await this.#session.idle();
    const enginesMs = enginesOnPath(stamps, this.#sentenceToken);
    const totalMs = respondedAt - startedAt;
    return { totalMs, enginesMs, overheadMs: totalMs - enginesMs };
  }

  end(): void {
    this.#session.end();
  }
}

function enginesOnPath(stamps: TurnStamps, sentenceToken: number): number {
  const heard = stamps.speechToText;
  const spoken = stamps.textToSpeech[0];
  const completing = stamps.tokenAt[sentenceToken];
  if (!heard || !spoken || completing === undefined || stamps.modelStart === undefined) {
    throw new Error('a turn ended without every engine on its path having run');
  }
  return heard.end - heard.start + (completing - stamps.modelStart) + (spoken.end - spoken.start);
}
