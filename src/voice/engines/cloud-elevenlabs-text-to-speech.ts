// ElevenLabs text to speech (`POST /v1/text-to-speech/{voice_id}`) through the AI SDK. Raw 16-bit PCM
// is asked for (`output_format=pcm_<rate>`), so nothing needs an MP3 decoder; the SDK hands the audio
// over whole, so it is cut into chunks here for the player.
import { createElevenLabs } from '@ai-sdk/elevenlabs';
import { experimental_generateSpeech as generateSpeech, NoSpeechGeneratedError } from 'ai';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from '../text-to-speech.ts';
import { fetchAtBaseUrl } from './cloud-base-url-fetch.ts';
import { cloudCallSignal } from './cloud-call-signal.ts';
import { decodeMonoPcm, fitSpeed, pcmChunks } from './cloud-pcm-chunks.ts';
import { toCloudVoiceError } from './cloud-voice-error.ts';

/** The low-latency multilingual model. */
export const ELEVENLABS_DEFAULT_MODEL = 'eleven_flash_v2_5';
/** "Rachel", a premade voice every account has. */
export const ELEVENLABS_DEFAULT_VOICE = '21m00Tcm4TlvDq8ikWAM';
/** The sample rates ElevenLabs offers as raw PCM. */
export const ELEVENLABS_PCM_SAMPLE_RATES = [16_000, 22_050, 24_000, 44_100] as const;
const ELEVENLABS_ORIGIN = 'https://api.elevenlabs.io';
// ElevenLabs refuses a `voice_settings.speed` outside this range.
const SPEED_RANGE = { min: 0.7, max: 1.2 };
// Voice ids go into the URL path.
const VOICE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

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

export class ElevenLabsTextToSpeech implements TextToSpeech {
  readonly name = 'elevenlabs';
  readonly #provider: ReturnType<typeof createElevenLabs>;
  readonly #model: string;
  readonly #defaultVoice: string;
  readonly #sampleRate: number;
  readonly #timeoutMs: number;
  readonly #chunkSamples: number;

  constructor(options: ElevenLabsTextToSpeechOptions) {
    this.#provider = createElevenLabs({
      apiKey: options.apiKey,
      fetch: fetchAtBaseUrl({ officialOrigin: ELEVENLABS_ORIGIN, baseUrl: options.baseUrl }),
    });
    this.#model = options.model ?? ELEVENLABS_DEFAULT_MODEL;
    this.#defaultVoice = options.defaultVoice ?? ELEVENLABS_DEFAULT_VOICE;
    this.#sampleRate = options.sampleRate ?? 16_000;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#chunkSamples = options.chunkSamples ?? Math.round(this.#sampleRate / 4);
  }

  async *synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    const voice = request.voice ?? this.#defaultVoice;
    if (!VOICE_PATTERN.test(voice)) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Not an ElevenLabs voice id: ${JSON.stringify(voice)}.`,
      });
    }
    if (request.text.trim() === '') return;
    const samples = await this.#fetchSamples({ request, voice });
    yield* pcmChunks({
      samples,
      sampleRate: this.#sampleRate,
      chunkSamples: this.#chunkSamples,
      signal: request.signal,
    });
  }

  async #fetchSamples(options: { request: SynthesizeRequest; voice: string }): Promise<Int16Array> {
    const { request, voice } = options;
    const call = cloudCallSignal({ signal: request.signal, timeoutMs: this.#timeoutMs });
    try {
      const result = await generateSpeech({
        model: this.#provider.speech(this.#model),
        text: request.text,
        voice,
        outputFormat: `pcm_${this.#sampleRate}`,
        ...(request.speed !== undefined && { speed: fitSpeed(request.speed, SPEED_RANGE) }),
        maxRetries: 0,
        abortSignal: call.signal,
      });
      return decodeMonoPcm(result.audio.uint8Array, this.#sampleRate);
    } catch (error) {
      if (NoSpeechGeneratedError.isInstance(error) && !request.signal.aborted) {
        throw new AppError('MODEL_ERROR', {
          message: 'ElevenLabs answered without audio.',
          details: { provider: 'ElevenLabs' },
          cause: error,
        });
      }
      throw toCloudVoiceError(error, {
        provider: 'ElevenLabs',
        apiKeySetting: 'ELEVENLABS_API_KEY',
        signal: request.signal,
        timedOut: call.timedOut(),
        timeoutMs: this.#timeoutMs,
        describeBody: (body) => errorBodySchema.safeParse(body).data?.detail.message,
      });
    }
  }
}
