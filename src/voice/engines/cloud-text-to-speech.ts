import type { SpeechModelV3 } from '@ai-sdk/provider';
import { experimental_generateSpeech as generateSpeech, NoSpeechGeneratedError } from 'ai';
import { AppError } from '../../core/errors.ts';
import type { AudioChunk, SynthesizeRequest, TextToSpeech } from '../text-to-speech.ts';
import { cloudCallSignal } from './cloud-call-signal.ts';
import { decodeMonoPcm, fitSpeed, pcmChunks } from './cloud-pcm-chunks.ts';
import { toCloudVoiceError } from './cloud-voice-error.ts';

// Text to speech through an AI SDK speech model that can answer raw 16-bit PCM, so nothing needs
// an MP3 decoder. The SDK hands the audio over whole, so it is cut into chunks for the player.
// A vendor only says how it is called (its model, output format, voices, speed range).

// Voice ids go into URL paths (ElevenLabs), so only plain ids are sent.
const VOICE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface CloudSpeechVendor {
  /** Engine name, as /health reports it. */
  name: string;
  /** The vendor as users know it, for messages. */
  displayName: string;
  /** The setting to fix when the vendor refuses the key. */
  apiKeySetting: string;
  model: SpeechModelV3;
  defaultVoice: string;
  /** The provider's name for raw PCM at `sampleRate`. */
  outputFormat: string;
  sampleRate: number;
  speedRange: { min: number; max: number };
  timeoutMs: number;
  /** Samples per yielded chunk. */
  chunkSamples: number;
  /** The vendor's own words from an error body, if it has any. */
  describeErrorBody: (body: unknown) => string | undefined;
}

export class CloudTextToSpeech implements TextToSpeech {
  readonly name: string;
  readonly #vendor: CloudSpeechVendor;

  constructor(vendor: CloudSpeechVendor) {
    this.name = vendor.name;
    this.#vendor = vendor;
  }

  async *synthesize(request: SynthesizeRequest): AsyncIterable<AudioChunk> {
    const voice = request.voice ?? this.#vendor.defaultVoice;
    if (!VOICE_PATTERN.test(voice)) {
      throw new AppError('VALIDATION_FAILED', {
        message: `Not a ${this.#vendor.displayName} voice id: ${JSON.stringify(voice)}.`,
      });
    }
    if (request.text.trim() === '') return;
    const samples = await this.#fetchSamples({ request, voice });
    yield* pcmChunks({
      samples,
      sampleRate: this.#vendor.sampleRate,
      chunkSamples: this.#vendor.chunkSamples,
      signal: request.signal,
    });
  }

  async #fetchSamples(options: { request: SynthesizeRequest; voice: string }): Promise<Int16Array> {
    const { request, voice } = options;
    const vendor = this.#vendor;
    const call = cloudCallSignal({ signal: request.signal, timeoutMs: vendor.timeoutMs });
    try {
      const result = await generateSpeech({
        model: vendor.model,
        text: request.text,
        voice,
        outputFormat: vendor.outputFormat,
        ...(request.speed !== undefined && { speed: fitSpeed(request.speed, vendor.speedRange) }),
        maxRetries: 0,
        abortSignal: call.signal,
      });
      return decodeMonoPcm(result.audio.uint8Array, vendor.sampleRate);
    } catch (error) {
      if (NoSpeechGeneratedError.isInstance(error) && !request.signal.aborted) {
        throw new AppError('MODEL_ERROR', {
          message: `${vendor.displayName} answered without audio.`,
          details: { provider: vendor.displayName },
          cause: error,
        });
      }
      throw toCloudVoiceError(error, {
        provider: vendor.displayName,
        apiKeySetting: vendor.apiKeySetting,
        signal: request.signal,
        timedOut: call.timedOut(),
        timeoutMs: vendor.timeoutMs,
        describeBody: vendor.describeErrorBody,
      });
    }
  }
}
