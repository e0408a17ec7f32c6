// ElevenLabs text to speech (`POST /v1/text-to-speech/{voice_id}`) through the AI SDK. Raw 16-bit PCM
// is asked for (`output_format=pcm_<rate>`), so nothing needs an MP3 decoder; the SDK hands the audio
// over whole, so it is cut into chunks here for the player.
import { createElevenLabs } from '@ai-sdk/elevenlabs';
import { z } from 'zod';
import { fetchAtBaseUrl } from './cloud-base-url-fetch.ts';
import { CloudTextToSpeech } from './cloud-text-to-speech.ts';

/** The low-latency multilingual model. */
export const ELEVENLABS_DEFAULT_MODEL = 'eleven_flash_v2_5';
/** "Rachel", a premade voice every account has. */
export const ELEVENLABS_DEFAULT_VOICE = '21m00Tcm4TlvDq8ikWAM';
/** The sample rates ElevenLabs offers as raw PCM. */
export const ELEVENLABS_PCM_SAMPLE_RATES = [16_000, 22_050, 24_000, 44_100] as const;
const ELEVENLABS_ORIGIN = 'https://api.elevenlabs.io';
// ElevenLabs refuses a `voice_settings.speed` outside this range.
const SPEED_RANGE = { min: 0.7, max: 1.2 };

export interface ElevenLabsTextToSpeechOptions {
  apiKey: string;
  /** Replaces `https://api.elevenlabs.io` (a trailing `/v1` is allowed). */
  baseUrl?: string;
  model?: string;
  defaultVoice?: string;
  sampleRate?: (typeof ELEVENLABS_PCM_SAMPLE_RATES)[number];
  timeoutMs?: number;
  /** Samples per yielded chunk; a quarter of a second by default. */
  chunkSamples?: number;
}

const errorBodySchema = z.object({ detail: z.object({ message: z.string() }) });

export class ElevenLabsTextToSpeech extends CloudTextToSpeech {
  constructor(options: ElevenLabsTextToSpeechOptions) {
    const provider = createElevenLabs({
      apiKey: options.apiKey,
      fetch: fetchAtBaseUrl({ officialOrigin: ELEVENLABS_ORIGIN, baseUrl: options.baseUrl }),
    });
    const sampleRate = options.sampleRate ?? 16_000;
    super({
      name: 'elevenlabs',
      displayName: 'ElevenLabs',
      apiKeySetting: 'ELEVENLABS_API_KEY',
      model: provider.speech(options.model ?? ELEVENLABS_DEFAULT_MODEL),
      defaultVoice: options.defaultVoice ?? ELEVENLABS_DEFAULT_VOICE,
      outputFormat: `pcm_${sampleRate}`,
      sampleRate,
      speedRange: SPEED_RANGE,
      timeoutMs: options.timeoutMs ?? 30_000,
      chunkSamples: options.chunkSamples ?? Math.round(sampleRate / 4),
      describeErrorBody: (body) => errorBodySchema.safeParse(body).data?.detail.message,
    });
  }
}
