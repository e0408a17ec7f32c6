// OpenAI text to speech (`POST /v1/audio/speech`) through the AI SDK, asked for `response_format:
// "pcm"`: raw signed 16-bit little-endian mono at 24 kHz, so nothing needs an MP3 decoder.
import { createOpenAI } from '@ai-sdk/openai';
import { experimental_generateSpeech as generateSpeech, NoSpeechGeneratedError } from 'ai';
import { AppError } from '../../core/errors.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from '../text-to-speech.ts';
import { cloudCallSignal } from './cloud-call-signal.ts';
import { openAiErrorBodySchema } from './cloud-openai-speech-to-text.ts';
import { decodeMonoPcm, fitSpeed, pcmChunks } from './cloud-pcm-chunks.ts';
import { toCloudVoiceError } from './cloud-voice-error.ts';

export const OPENAI_DEFAULT_SPEECH_MODEL = 'tts-1';
export const OPENAI_DEFAULT_VOICE = 'alloy';
/** OpenAI's `pcm` is always 24 kHz. */
export const OPENAI_PCM_SAMPLE_RATE = 24_000;
const SPEED_RANGE = { min: 0.25, max: 4 };
const VOICE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface OpenAiTextToSpeechOptions {
  apiKey: string;
  /** As `OPENAI_BASE_URL`: `https://api.openai.com/v1` by default. */
  baseUrl?: string;
  model?: string;
  defaultVoice?: string;
  timeoutMs?: number;
  /** Samples per yielded chunk; a quarter of a second by default. */
  chunkSamples?: number;
}

export class OpenAiTextToSpeech implements TextToSpeech {
  readonly name = 'openai';
  readonly #provider: ReturnType<typeof createOpenAI>;
  readonly #model: string;
  readonly #defaultVoice: string;
  readonly #timeoutMs: number;
  readonly #chunkSamples: number;

  constructor(options: OpenAiTextToSpeechOptions) {
    this.#provider = createOpenAI({
      apiKey: options.apiKey,
      ...(options.baseUrl !== undefined && { baseURL: options.baseUrl }),
    });
    this.#model = options.model ?? OPENAI_DEFAULT_SPEECH_MODEL;
    this.#defaultVoice = options.defaultVoice ?? OPENAI_DEFAULT_VOICE;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#chunkSamples = options.chunkSamples ?? OPENAI_PCM_SAMPLE_RATE / 4;
  }

  async *synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    const voice = request.voice ?? this.#defaultVoice;
    if (!VOICE_PATTERN.test(voice)) {
      throw new AppError('VALIDATION_FAILED', { message: `Not an OpenAI voice: ${JSON.stringify(voice)}.` });
    }
    if (request.text.trim() === '') return;
    const samples = await this.#fetchSamples({ request, voice });
    yield* pcmChunks({
      samples,
      sampleRate: OPENAI_PCM_SAMPLE_RATE,
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
        outputFormat: 'pcm',
        ...(request.speed !== undefined && { speed: fitSpeed(request.speed, SPEED_RANGE) }),
        maxRetries: 0,
        abortSignal: call.signal,
      });
      return decodeMonoPcm(result.audio.uint8Array, OPENAI_PCM_SAMPLE_RATE);
    } catch (error) {
      if (NoSpeechGeneratedError.isInstance(error) && !request.signal.aborted) {
        throw new AppError('MODEL_ERROR', {
          message: 'OpenAI answered without audio.',
          details: { provider: 'OpenAI' },
          cause: error,
        });
      }
      throw toCloudVoiceError(error, {
        provider: 'OpenAI',
        apiKeySetting: 'OPENAI_API_KEY',
        signal: request.signal,
        timedOut: call.timedOut(),
        timeoutMs: this.#timeoutMs,
        describeBody: (body) => openAiErrorBodySchema.safeParse(body).data?.error.message,
      });
    }
  }
}
