import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { Transcript, TranscriptionOptions } from '../../voice/speech-to-text.ts';
import type { AudioChunk } from '../../voice/text-to-speech.ts';
import { declaredAudioOf, installVoiceBodyParsers } from './audio-body.ts';
import { fetchAudioUrl } from './audio-url.ts';
import type { HttpDependencies } from './http-dependencies.ts';
import { decodeIncomingAudio } from './incoming-audio.ts';
import type { DeclaredAudio } from './incoming-audio.ts';
import { encodeSpeech } from './speech-audio-encoding.ts';
import { principalOf } from './tenant-guard.ts';
import { parseInput } from './validation.ts';
import { voiceProviderName } from './voice-provider-name.ts';
import { sttJsonRequestSchema, sttQuerySchema } from './voice-stt-request.ts';
import { ttsRequestSchema } from './voice-tts-request.ts';

// Doc 002's `POST /api/v1/voice/tts` (text → the audio itself) and `POST /api/v1/voice/stt` (audio
// by URL, as base64, or as the body → a transcript). Tenant routes: authenticated, and counted
// against the REST limit and doc 002's weekly quota like /api/v1/ai/chat. They live in their own
// scope because their bodies are larger than the rest of the API's (audio-body.ts).

/** An engine that said nothing (text of punctuation only) gave no rate; zero samples fit any. */
const SILENT_RATE = 16_000;

export async function registerVoiceRoutes(
  server: FastifyInstance,
  dependencies: HttpDependencies,
): Promise<void> {
  const { config, voice } = dependencies;

  await server.register(async (scope) => {
    installVoiceBodyParsers(scope, {
      maxAudioBytes: config.VOICE_MAX_AUDIO_BYTES,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
    });

    scope.post(
      '/api/v1/voice/tts',
      { bodyLimit: config.BODY_LIMIT_BYTES, config: { weeklyQuota: true } },
      async (request, reply) => {
        principalOf(request);
        const body = parseInput(ttsRequestSchema, request.body);
        const engine = await voice.requireTextToSpeech(voiceProviderName('textToSpeech', body.provider));
        return whileClientWaits(reply, async (signal) => {
          const speech = await collectSpeech(
            engine.synthesize({ text: body.text, voice: body.voice_id, speed: body.speed, signal }),
          );
          const encoded = encodeSpeech({
            samples: speech.samples,
            sampleRate: speech.sampleRate ?? SILENT_RATE,
            format: body.format,
            mp3Kbps: config.VOICE_MP3_KBPS,
          });
          return reply.header('content-type', encoded.contentType).send(encoded.body);
        });
      },
    );

    scope.post('/api/v1/voice/stt', { config: { weeklyQuota: true } }, async (request, reply) => {
      principalOf(request);
      const input = readSttInput(request, config);
      // The engine first: a request it cannot serve should not cost a fetch.
      const engine = await voice.requireSpeechToText(voiceProviderName('speechToText', input.provider));
      return whileClientWaits(reply, async (signal) => {
        const audio = decodeIncomingAudio({
          ...(await input.audio(signal)),
          limits: { maxBytes: config.VOICE_MAX_AUDIO_BYTES, maxSeconds: config.VOICE_MAX_AUDIO_SECONDS },
        });
        const transcript = await engine.transcribe({
          audio: audio.samples,
          language: input.language,
          options: input.options,
          signal,
        });
        return transcriptBody({
          transcript,
          durationSeconds: audio.durationSeconds,
          provider: transcript.engine ?? engine.name,
        });
      });
    });
  });
}

interface SttInput {
  provider?: string;
  language?: string;
  options: TranscriptionOptions;
  /** The audio's bytes and what they claim to be; an `audio_url` is fetched only when asked. */
  audio(signal: AbortSignal): Promise<{ bytes: Uint8Array; declared: DeclaredAudio }>;
}

/** JSON (`audio_url` or base64 `audio`, options in the body) or raw audio (options in the query). */
function readSttInput(request: FastifyRequest, config: Config): SttInput {
  const pcmSampleRate = config.SAMPLE_RATE;
  if (Buffer.isBuffer(request.body)) {
    const query = parseInput(sttQuerySchema, request.query, 'query');
    const raw = {
      bytes: request.body,
      declared: declaredAudioOf(request.headers['content-type'], pcmSampleRate),
    };
    return {
      provider: query.provider,
      language: query.language,
      options: transcriptionOptions({
        diarize: query.diarization,
        punctuate: query.punctuate,
        profanityFilter: query.profanity_filter,
      }),
      audio: async () => raw,
    };
  }
  const body = parseInput(sttJsonRequestSchema, request.body);
  return {
    provider: body.provider,
    language: body.language,
    options: transcriptionOptions({
      diarize: body.diarization,
      punctuate: body.config?.punctuate,
      profanityFilter: body.config?.profanity_filter,
    }),
    async audio(signal) {
      if (body.audio !== undefined)
        return { bytes: body.audio, declared: { kind: 'unknown', pcmSampleRate } };
      const fetched = await fetchAudioUrl({ url: body.audio_url!, config, signal });
      return { bytes: fetched.bytes, declared: declaredAudioOf(fetched.contentType, pcmSampleRate) };
    },
  };
}

/** Only what the client set: an engine keeps its own defaults for the rest. */
function transcriptionOptions(given: {
  diarize: boolean | undefined;
  punctuate: boolean | undefined;
  profanityFilter: boolean | undefined;
}): TranscriptionOptions {
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
}

/**
 * Runs the work with a signal that aborts when the client goes away before its answer is written,
 * so that the engine call or the fetch stops too. A failure after that is nobody's to read: it is
 * logged as what it is, not answered (or logged) as a server error.
 */
async function whileClientWaits<T>(
  reply: FastifyReply,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | FastifyReply> {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('The client went away.'));
  });
  try {
    return await work(controller.signal);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    reply.log.info('client went away before its voice answer');
    reply.hijack();
    reply.raw.destroy();
    return reply;
  }
}

async function collectSpeech(
  chunks: AsyncIterable<AudioChunk>,
): Promise<{ samples: Int16Array; sampleRate: number | undefined }> {
  const parts: Int16Array[] = [];
  // Every engine here speaks at one rate throughout; the first chunk's is the answer's.
  let sampleRate: number | undefined;
  for await (const chunk of chunks) {
    sampleRate ??= chunk.sampleRate;
    parts.push(chunk.samples);
  }
  const samples = new Int16Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  return { samples, sampleRate };
}

function transcriptBody(options: { transcript: Transcript; durationSeconds: number; provider: string }) {
  const { transcript } = options;
  return {
    text: transcript.text,
    language: transcript.language,
    duration_s: Math.round(options.durationSeconds * 1000) / 1000,
    ...(transcript.words !== undefined && {
      words: transcript.words.map((word) => ({
        word: word.word,
        start: word.start,
        end: word.end,
        ...(word.confidence !== undefined && { confidence: word.confidence }),
        ...(word.speaker !== undefined && { speaker: word.speaker }),
      })),
    }),
    provider: options.provider,
  };
}
