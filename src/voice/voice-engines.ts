// The voice engines this server runs, and whether they can: `/health` reports them, and the voice
// endpoints ask for one and get an error naming the install command when it is missing. Text chat
// never goes through here, so a missing engine cannot break it.
import { AppError } from '../core/errors.ts';
import type { ChecksAvailability, EngineAvailability } from './engine-availability.ts';
import { EspeakTextToSpeech } from './engines/espeak-text-to-speech.ts';
import type { EspeakTextToSpeechOptions } from './engines/espeak-text-to-speech.ts';
import { PocketsphinxSpeechToText } from './engines/pocketsphinx-speech-to-text.ts';
import type { PocketsphinxSpeechToTextOptions } from './engines/pocketsphinx-speech-to-text.ts';
import { SileroVoiceActivityDetector } from './engines/silero-voice-activity-detector.ts';
import type { SileroVoiceActivityDetectorOptions } from './engines/silero-voice-activity-detector.ts';
import type { SpeechToText } from './speech-to-text.ts';
import type { TextToSpeech } from './text-to-speech.ts';
import type { VoiceActivityDetector } from './voice-activity-detector.ts';

export interface VoiceHealth {
  /** Speech-to-text and text-to-speech both run. */
  audio_processor: boolean;
  /** Everything a live voice conversation needs: both of those and voice activity detection. */
  audio_pipeline: boolean;
  /** The engines used when a request names none (a fallback chain reports itself as one). */
  engines: {
    speech_to_text: EngineAvailability;
    text_to_speech: EngineAvailability;
    voice_activity_detection: EngineAvailability;
  };
  /** Every engine a request may name (doc 002's `provider`), one by one. */
  providers: {
    speech_to_text: EngineAvailability[];
    text_to_speech: EngineAvailability[];
  };
}

/** Makes a detector per voice session (each holds its own recurrent state); one probe answers for all. */
export interface VoiceActivityDetectorFactory extends ChecksAvailability {
  /** May load the engine first (Silero loads its model on first use), and fail if it cannot. */
  create(): VoiceActivityDetector | Promise<VoiceActivityDetector>;
}

export interface VoiceEnginesOptions {
  speechToText: SpeechToText & ChecksAvailability;
  textToSpeech: TextToSpeech & ChecksAvailability;
  voiceActivityDetection: VoiceActivityDetectorFactory;
  /** Engines a request may name, by their `name`; just the default engine when absent. */
  speechToTextProviders?: ReadonlyArray<SpeechToText & ChecksAvailability>;
  textToSpeechProviders?: ReadonlyArray<TextToSpeech & ChecksAvailability>;
  /** How long an availability answer is trusted; probing spawns a process. */
  availabilityCacheMs?: number;
  now?: () => number;
}

export class VoiceEngines {
  readonly #speechToText: SpeechToText & ChecksAvailability;
  readonly #textToSpeech: TextToSpeech & ChecksAvailability;
  readonly #voiceActivityDetection: VoiceActivityDetectorFactory;
  readonly #speechToTextProviders: ReadonlyArray<SpeechToText & ChecksAvailability>;
  readonly #textToSpeechProviders: ReadonlyArray<TextToSpeech & ChecksAvailability>;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<ChecksAvailability, { at: number; availability: Promise<EngineAvailability> }>();

  constructor(options: VoiceEnginesOptions) {
    this.#speechToText = options.speechToText;
    this.#textToSpeech = options.textToSpeech;
    this.#voiceActivityDetection = options.voiceActivityDetection;
    this.#speechToTextProviders = options.speechToTextProviders ?? [options.speechToText];
    this.#textToSpeechProviders = options.textToSpeechProviders ?? [options.textToSpeech];
    this.#cacheMs = options.availabilityCacheMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  async health(): Promise<VoiceHealth> {
    const [speechToText, textToSpeech, voiceActivityDetection, speechToTextProviders, textToSpeechProviders] =
      await Promise.all([
        this.#availability(this.#speechToText),
        this.#availability(this.#textToSpeech),
        this.#availability(this.#voiceActivityDetection),
        Promise.all(this.#speechToTextProviders.map((engine) => this.#availability(engine))),
        Promise.all(this.#textToSpeechProviders.map((engine) => this.#availability(engine))),
      ]);
    const both = speechToText.available && textToSpeech.available;
    return {
      audio_processor: both,
      audio_pipeline: both && voiceActivityDetection.available,
      engines: {
        speech_to_text: speechToText,
        text_to_speech: textToSpeech,
        voice_activity_detection: voiceActivityDetection,
      },
      providers: { speech_to_text: speechToTextProviders, text_to_speech: textToSpeechProviders },
    };
  }

  /** The names a request may give as `provider`, in the order the server prefers them. */
  providerNames(): { speechToText: string[]; textToSpeech: string[] } {
    return {
      speechToText: this.#speechToTextProviders.map((engine) => engine.name),
      textToSpeech: this.#textToSpeechProviders.map((engine) => engine.name),
    };
  }

  /** The default engine, or the one named `provider`: then that one alone, with no fallback. */
  async requireSpeechToText(provider?: string): Promise<SpeechToText> {
    const engine =
      provider === undefined
        ? this.#speechToText
        : named({ engines: this.#speechToTextProviders, provider, kind: 'speech-to-text' });
    await this.#require(engine);
    return engine;
  }

  async requireTextToSpeech(provider?: string): Promise<TextToSpeech> {
    const engine =
      provider === undefined
        ? this.#textToSpeech
        : named({ engines: this.#textToSpeechProviders, provider, kind: 'text-to-speech' });
    await this.#require(engine);
    return engine;
  }

  /** A fresh detector for one voice session. */
  async requireVoiceActivityDetector(): Promise<VoiceActivityDetector> {
    await this.#require(this.#voiceActivityDetection);
    return await this.#voiceActivityDetection.create();
  }

  async #require(engine: ChecksAvailability): Promise<void> {
    const availability = await this.#availability(engine);
    if (availability.available) return;
    throw new AppError('SERVICE_UNAVAILABLE', {
      message:
        `The voice engine ${availability.engine} is unavailable` +
        (availability.reason === undefined ? '.' : `: ${availability.reason}.`),
      details: { engine: availability.engine, install: availability.install },
    });
  }

  #availability(engine: ChecksAvailability): Promise<EngineAvailability> {
    const cached = this.#cache.get(engine);
    if (cached !== undefined && this.#now() - cached.at < this.#cacheMs) return cached.availability;
    const availability = engine.availability();
    this.#cache.set(engine, { at: this.#now(), availability });
    return availability;
  }
}

function named<Engine extends { name: string }>(options: {
  engines: ReadonlyArray<Engine>;
  provider: string;
  kind: string;
}): Engine {
  const engine = options.engines.find((candidate) => candidate.name === options.provider);
  if (engine !== undefined) return engine;
  const configured = options.engines.map((candidate) => candidate.name);
  throw new AppError('PROVIDER_NOT_CONFIGURED', {
    message:
      `The ${options.kind} provider "${options.provider}" is not configured on this server; ` +
      `configured: ${configured.join(', ')}.`,
    details: { provider: options.provider, configured },
  });
}

export interface LocalVoiceEnginesOptions {
  espeak?: EspeakTextToSpeechOptions;
  pocketsphinx?: PocketsphinxSpeechToTextOptions;
  silero?: SileroVoiceActivityDetectorOptions;
  availabilityCacheMs?: number;
}

/** espeak-ng, pocketsphinx and Silero: the engines of a server without cloud voice providers. */
export function createLocalVoiceEngines(options: LocalVoiceEnginesOptions = {}): VoiceEngines {
  return new VoiceEngines({
    speechToText: new PocketsphinxSpeechToText(options.pocketsphinx),
    textToSpeech: new EspeakTextToSpeech(options.espeak),
    voiceActivityDetection: sileroFactory(options.silero),
    availabilityCacheMs: options.availabilityCacheMs,
  });
}

export function sileroFactory(
  options: SileroVoiceActivityDetectorOptions = {},
): VoiceActivityDetectorFactory {
  const probe = new SileroVoiceActivityDetector(options);
  return {
    async create() {
      const detector = new SileroVoiceActivityDetector(options);
      await detector.prepare();
      return detector;
    },
    availability: () => probe.availability(),
  };
}
