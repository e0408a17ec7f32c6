// OpenAI transcription (`POST /v1/audio/transcriptions`, multipart) through the AI SDK. whisper-1
// answers `verbose_json` with word timings (no confidence); the gpt-4o transcribe models only text.
import { createOpenAI } from '@ai-sdk/openai';
import { experimental_transcribe as transcribe, NoTranscriptGeneratedError } from 'ai';
import { z } from 'zod';
import { writeWav } from '../audio/wav.ts';
import { SPEECH_TO_TEXT_SAMPLE_RATE } from '../speech-to-text.ts';
import type { SpeechToText, TranscribeRequest, Transcript, TranscriptWord } from '../speech-to-text.ts';
import { cloudCallSignal } from './cloud-call-signal.ts';
import { toCloudVoiceError } from './cloud-voice-error.ts';

export const OPENAI_DEFAULT_TRANSCRIPTION_MODEL = 'whisper-1';
/** BCP 47 "undetermined": OpenAI was not told the language and did not say. */
const UNDETERMINED = 'und';

export interface OpenAiSpeechToTextOptions {
  apiKey: string;
  /** As `OPENAI_BASE_URL`: `https://api.openai.com/v1` by default. */
  baseUrl?: string;
  model?: string;
  timeoutMs?: number;
}

const wordsSchema = z.object({
  words: z.array(z.object({ word: z.string(), start: z.number(), end: z.number() })),
});

export const openAiErrorBodySchema = z.object({ error: z.object({ message: z.string() }) });

export class OpenAiSpeechToText implements SpeechToText {
  readonly name = 'openai';
  readonly #provider: ReturnType<typeof createOpenAI>;
  readonly #model: string;
  readonly #timeoutMs: number;

  constructor(options: OpenAiSpeechToTextOptions) {
    this.#provider = createOpenAI({
      apiKey: options.apiKey,
      ...(options.baseUrl !== undefined && { baseURL: options.baseUrl }),
    });
    this.#model = options.model ?? OPENAI_DEFAULT_TRANSCRIPTION_MODEL;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async transcribe(request: TranscribeRequest): Promise<Transcript> {
    const audio = writeWav({ samples: request.audio, sampleRate: SPEECH_TO_TEXT_SAMPLE_RATE, channels: 1 });
    const durationSeconds = request.audio.length / SPEECH_TO_TEXT_SAMPLE_RATE;
    const language = request.language ?? UNDETERMINED;
    const call = cloudCallSignal({ signal: request.signal, timeoutMs: this.#timeoutMs });
    try {
      const result = await transcribe({
        model: this.#provider.transcription(this.#model),
        audio,
        providerOptions: {
          openai: {
            // OpenAI takes ISO 639-1: the primary subtag of `en-US`.
            ...(request.language && { language: request.language.split('-')[0]!.toLowerCase() }),
            ...(this.#model === 'whisper-1' && { timestampGranularities: ['word'] }),
          },
        },
        maxRetries: 0,
        abortSignal: call.signal,
      });
      const words = wordsOf(result.responses[0]);
      return {
        text: result.text,
        language: request.language ?? result.language ?? language,
        durationSeconds: result.durationInSeconds ?? durationSeconds,
        ...(words !== undefined && { words }),
      };
    } catch (error) {
      // Silence: an empty text, which the SDK reports as an error.
      if (NoTranscriptGeneratedError.isInstance(error) && !call.signal.aborted) {
        return { text: '', language, durationSeconds };
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

// The SDK keeps OpenAI's JSON on the response at run time without typing it; its `words` are the
// word timings (the SDK's own segments prefer the sentence-long `segments`).
function wordsOf(response: object | undefined): TranscriptWord[] | undefined {
  const body = response !== undefined && 'body' in response ? response.body : undefined;
  return wordsSchema.safeParse(body).data?.words.map((word) => ({
    word: word.word,
    start: word.start,
    end: word.end,
  }));
}
