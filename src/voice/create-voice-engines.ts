// The voice engines this server runs, from its settings (docs/voice.md, "Engines"): the local
// engines always, as the last resort; a cloud engine in front of them when VOICE_STT_PROVIDER /
// VOICE_TTS_PROVIDER names it, or is `auto` and the provider's key is set. The default engine is
// the chain of all of them in that order (fallback-*.ts); a request may name one instead. A cloud
// engine's module and vendor SDK load on its first call (lazy-engine.ts).
import { ConfigError } from '../config.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { ConfiguredCloudSpeechToText, ConfiguredCloudTextToSpeech } from './configured-cloud-engine.ts';
import type { ChecksAvailability } from './engine-availability.ts';
import { EspeakTextToSpeech } from './engines/espeak-text-to-speech.ts';
import { PocketsphinxSpeechToText } from './engines/pocketsphinx-speech-to-text.ts';
import type { FallbackEvent } from './fallback-policy.ts';
import { FallbackSpeechToText } from './fallback-speech-to-text.ts';
import { FallbackTextToSpeech } from './fallback-text-to-speech.ts';
import { LazySpeechToText, LazyTextToSpeech } from './lazy-engine.ts';
import type { SpeechToText } from './speech-to-text.ts';
import type { TextToSpeech } from './text-to-speech.ts';
import { sileroFactory, VoiceEngines } from './voice-engines.ts';

/** `auto` tries the providers in this order; the first with a key leads the chain. */
const AUTO_SPEECH_TO_TEXT = ['deepgram', 'openai'] as const;
const AUTO_TEXT_TO_SPEECH = ['elevenlabs', 'openai'] as const;

type CloudSpeechToTextName = (typeof AUTO_SPEECH_TO_TEXT)[number];
type CloudTextToSpeechName = (typeof AUTO_TEXT_TO_SPEECH)[number];

const API_KEY_SETTING = {
  deepgram: 'DEEPGRAM_API_KEY',
  elevenlabs: 'ELEVENLABS_API_KEY',
  openai: 'OPENAI_API_KEY',
} as const satisfies Record<CloudSpeechToTextName | CloudTextToSpeechName, keyof Config>;

export interface CreateVoiceEnginesOptions {
  /** Where hand-overs from a failed cloud engine to the next one are logged. */
  logger?: Logger;
  availabilityCacheMs?: number;
}

/**
 * Throws ConfigError when a setting names a cloud provider whose key is not set: a server told to
 * use Deepgram should not start and quietly use pocketsphinx instead.
 */
export function createVoiceEngines(config: Config, options: CreateVoiceEnginesOptions = {}): VoiceEngines {
  checkVoiceActivitySettings(config);
  const speechToTextProviders: Array<SpeechToText & ChecksAvailability> = [
    ...cloudNames({ setting: 'VOICE_STT_PROVIDER', auto: AUTO_SPEECH_TO_TEXT, config }).map(
      (name) => new ConfiguredCloudSpeechToText(cloudSpeechToText(name, config)),
    ),
    new PocketsphinxSpeechToText({
      binary: config.POCKETSPHINX_BINARY,
      modelDirectory: config.POCKETSPHINX_MODEL_DIR,
      timeoutMs: config.POCKETSPHINX_TIMEOUT_MS,
    }),
  ];
  const textToSpeechProviders: Array<TextToSpeech & ChecksAvailability> = [
    ...cloudNames({ setting: 'VOICE_TTS_PROVIDER', auto: AUTO_TEXT_TO_SPEECH, config }).map(
      (name) => new ConfiguredCloudTextToSpeech(cloudTextToSpeech(name, config)),
    ),
    new EspeakTextToSpeech({
      binary: config.ESPEAK_BINARY,
      defaultVoice: config.ESPEAK_VOICE,
      timeoutMs: config.ESPEAK_TIMEOUT_MS,
    }),
  ];
  const onFallback = (event: FallbackEvent) =>
    options.logger?.warn(
      { from: event.from, to: event.to, code: event.error.code, reason: event.error.message },
      'voice engine failed; the next one takes over',
    );
  return new VoiceEngines({
    speechToText:
      speechToTextProviders.length === 1
        ? speechToTextProviders[0]!
        : new FallbackSpeechToText({ engines: speechToTextProviders, onFallback }),
    textToSpeech:
      textToSpeechProviders.length === 1
        ? textToSpeechProviders[0]!
        : new FallbackTextToSpeech({ engines: textToSpeechProviders, onFallback }),
    voiceActivityDetection: sileroFactory({
      silenceMs: config.VAD_SILENCE_MS,
      positiveThreshold: config.VAD_POSITIVE_THRESHOLD,
      negativeThreshold: config.VAD_NEGATIVE_THRESHOLD,
    }),
    speechToTextProviders,
    textToSpeechProviders,
    availabilityCacheMs: options.availabilityCacheMs,
  });
}

/** The cloud providers a setting puts in front of the local engine, in order. */
function cloudNames<Name extends CloudSpeechToTextName | CloudTextToSpeechName>(options: {
  setting: 'VOICE_STT_PROVIDER' | 'VOICE_TTS_PROVIDER';
  auto: readonly Name[];
  config: Config;
}): Name[] {
  const { setting, auto, config } = options;
  const chosen = config[setting];
  if (chosen === 'local') return [];
  if (chosen === 'auto') return auto.filter((name) => config[API_KEY_SETTING[name]] !== undefined);
  const name = chosen as Name;
  if (config[API_KEY_SETTING[name]] === undefined) {
    throw new ConfigError([
      `${setting}: ${name} needs ${API_KEY_SETTING[name]} (set it, or set ${setting}=local or auto)`,
    ]);
  }
  return [name];
}

function cloudSpeechToText(name: CloudSpeechToTextName, config: Config): SpeechToText {
  switch (name) {
    case 'deepgram':
      return new LazySpeechToText({
        name,
        load: async () => {
          const { DeepgramSpeechToText } = await import('./engines/cloud-deepgram-speech-to-text.ts');
          return new DeepgramSpeechToText({
            apiKey: config.DEEPGRAM_API_KEY!,
            baseUrl: config.DEEPGRAM_BASE_URL,
            model: config.DEEPGRAM_MODEL,
          });
        },
      });
    case 'openai':
      return new LazySpeechToText({
        name,
        load: async () => {
          const { OpenAiSpeechToText } = await import('./engines/cloud-openai-speech-to-text.ts');
          return new OpenAiSpeechToText({
            apiKey: config.OPENAI_API_KEY!,
            baseUrl: config.OPENAI_BASE_URL,
            model: config.OPENAI_STT_MODEL,
          });
        },
      });
  }
}

function cloudTextToSpeech(name: CloudTextToSpeechName, config: Config): TextToSpeech {
  switch (name) {
    case 'elevenlabs':
      return new LazyTextToSpeech({
        name,
        load: async () => {
          const { ElevenLabsTextToSpeech } = await import('./engines/cloud-elevenlabs-text-to-speech.ts');
          return new ElevenLabsTextToSpeech({
            apiKey: config.ELEVENLABS_API_KEY!,
            baseUrl: config.ELEVENLABS_BASE_URL,
            model: config.ELEVENLABS_MODEL,
            defaultVoice: config.ELEVENLABS_VOICE_ID,
          });
        },
      });
    case 'openai':
      return new LazyTextToSpeech({
        name,
        load: async () => {
          const { OpenAiTextToSpeech } = await import('./engines/cloud-openai-text-to-speech.ts');
          return new OpenAiTextToSpeech({
            apiKey: config.OPENAI_API_KEY!,
            baseUrl: config.OPENAI_BASE_URL,
            model: config.OPENAI_TTS_MODEL,
            defaultVoice: config.OPENAI_TTS_VOICE,
          });
        },
      });
  }
}

/** Each threshold is valid alone (config.ts); Silero also needs them in order. */
function checkVoiceActivitySettings(config: Config): void {
  if (config.VAD_NEGATIVE_THRESHOLD > config.VAD_POSITIVE_THRESHOLD) {
    throw new ConfigError([
      `VAD_NEGATIVE_THRESHOLD: must not be above VAD_POSITIVE_THRESHOLD ` +
        `(${config.VAD_NEGATIVE_THRESHOLD} > ${config.VAD_POSITIVE_THRESHOLD})`,
    ]);
  }
}
