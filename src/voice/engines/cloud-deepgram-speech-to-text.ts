// Deepgram pre-recorded transcription (`POST /v1/listen`) through the AI SDK: the clip goes up as a
// 16 kHz mono WAV; the words and their confidence come from Deepgram's own JSON.
import { createDeepgram } from '@ai-sdk/deepgram';
import { experimental_transcribe as transcribe, NoTranscriptGeneratedError } from 'ai';
import { z } from 'zod';
import { writeWav } from '../audio/wav.ts';
import { SPEECH_TO_TEXT_SAMPLE_RATE } from '../speech-to-text.ts';
import type { SpeechToText, TranscribeRequest, Transcript, TranscriptWord } from '../speech-to-text.ts';
import { fetchAtBaseUrl } from './cloud-base-url-fetch.ts';
import { cloudCallSignal } from './cloud-call-signal.ts';
import { toCloudVoiceError } from './cloud-voice-error.ts';

export const DEEPGRAM_DEFAULT_MODEL = 'nova-3';
const DEEPGRAM_ORIGIN = 'https://api.deepgram.com';
/** Deepgram's own default when no language is asked for. */
const DEEPGRAM_DEFAULT_LANGUAGE = 'en';

export interface DeepgramSpeechToTextOptions {
  apiKey: string;
  /** Replaces `https://api.deepgram.com` (a trailing `/v1` is allowed). */
  baseUrl?: string;
  model?: string;
  timeoutMs?: number;
}

const responseSchema = z.object({
  metadata: z.object({ duration: z.number() }).nullish(),
  results: z
    .object({
      channels: z.array(
        z.object({
          detected_language: z.string().nullish(),
          alternatives: z.array(
            z.object({
              transcript: z.string(),
              words: z
                .array(
                  z.object({
                    word: z.string(),
                    punctuated_word: z.string().nullish(),
                    start: z.number(),
                    end: z.number(),
                    confidence: z.number().nullish(),
                    speaker: z.number().int().nullish(),
                  }),
                )
                .nullish(),
            }),
          ),
        }),
      ),
    })
    .nullish(),
});

const errorBodySchema = z.object({ err_msg: z.string() });

export class DeepgramSpeechToText implements SpeechToText {
  readonly name = 'deepgram';
  readonly #provider: ReturnType<typeof createDeepgram>;
  // The AI SDK's Deepgram options have no profanity filter: a second provider adds the query
  // parameter itself (built once, used when a request asks for it).
  readonly #filteringProvider: ReturnType<typeof createDeepgram>;
  readonly #model: string;
  readonly #timeoutMs: number;

  constructor(options: DeepgramSpeechToTextOptions) {
    const fetchDeepgram =
      fetchAtBaseUrl({ officialOrigin: DEEPGRAM_ORIGIN, baseUrl: options.baseUrl }) ?? globalThis.fetch;
    this.#provider = createDeepgram({ apiKey: options.apiKey, fetch: fetchDeepgram });
    this.#filteringProvider = createDeepgram({
      apiKey: options.apiKey,
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        url.searchParams.set('profanity_filter', 'true');
        return fetchDeepgram(url.href, init);
      },
    });
    this.#model = options.model ?? DEEPGRAM_DEFAULT_MODEL;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async transcribe(request: TranscribeRequest): Promise<Transcript> {
    const audio = writeWav({ samples: request.audio, sampleRate: SPEECH_TO_TEXT_SAMPLE_RATE, channels: 1 });
    const fallback = {
      language: request.language ?? DEEPGRAM_DEFAULT_LANGUAGE,
      durationSeconds: request.audio.length / SPEECH_TO_TEXT_SAMPLE_RATE,
    };
    const call = cloudCallSignal({ signal: request.signal, timeoutMs: this.#timeoutMs });
    try {
      const options = request.options ?? {};
      const provider = options.profanityFilter === true ? this.#filteringProvider : this.#provider;
      const result = await transcribe({
        model: provider.transcription(this.#model),
        audio,
        // Diarization only when asked (the provider turns it on unless told otherwise).
        providerOptions: {
          deepgram: {
            smartFormat: true,
            diarize: options.diarize === true,
            ...(options.punctuate !== undefined && { punctuate: options.punctuate }),
            ...(request.language && { language: request.language }),
          },
        },
        maxRetries: 0,
        abortSignal: call.signal,
      });
      const segments = result.segments.map((segment) => ({
        word: segment.text,
        start: segment.startSecond,
        end: segment.endSecond,
      }));
      return toTranscript({
        text: result.text,
        body: rawBody(result.responses[0]),
        fallback: {
          language: result.language ?? fallback.language,
          durationSeconds: result.durationInSeconds ?? fallback.durationSeconds,
          words: segments,
        },
      });
    } catch (error) {
      // Silence: Deepgram answers an empty transcript, which the SDK reports as an error.
      if (NoTranscriptGeneratedError.isInstance(error) && !call.signal.aborted) {
        return toTranscript({ text: '', body: rawBody(error.responses[0]), fallback });
      }
      throw toCloudVoiceError(error, {
        provider: 'Deepgram',
        apiKeySetting: 'DEEPGRAM_API_KEY',
        signal: request.signal,
        timedOut: call.timedOut(),
        timeoutMs: this.#timeoutMs,
        describeBody: (body) => errorBodySchema.safeParse(body).data?.err_msg,
      });
    }
  }
}

// The SDK keeps Deepgram's JSON on the response at run time without typing it; it alone has each
// word's confidence and punctuation. Without it, the SDK's own segments are used.
function rawBody(response: object | undefined): unknown {
  return response !== undefined && 'body' in response ? response.body : undefined;
}

function toTranscript(options: {
  text: string;
  body: unknown;
  fallback: { language: string; durationSeconds: number; words?: TranscriptWord[] };
}): Transcript {
  const parsed = responseSchema.safeParse(options.body).data;
  const channel = parsed?.results?.channels[0];
  const words =
    channel?.alternatives[0]?.words?.map((word): TranscriptWord => ({
      word: word.punctuated_word ?? word.word,
      start: word.start,
      end: word.end,
      ...(word.confidence != null && { confidence: word.confidence }),
      ...(word.speaker != null && { speaker: word.speaker }),
    })) ?? options.fallback.words;
  return {
    text: options.text,
    language: channel?.detected_language ?? options.fallback.language,
    durationSeconds: parsed?.metadata?.duration ?? options.fallback.durationSeconds,
    ...(words !== undefined && { words }),
  };
}
