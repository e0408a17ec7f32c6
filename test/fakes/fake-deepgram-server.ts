import { readFileSync } from 'node:fs';
import { sendJson, startRecordingServer, type RecordedHttpRequest } from './recording-server.ts';
import { parseWav } from '../../src/voice/audio/wav.ts';

// Deepgram's pre-recorded transcription API: `POST /v1/listen?model=…` with the audio as the raw body,
// `Authorization: Token KEY`, a JSON answer shaped after __fixtures__/deepgram-listen.json, and
// `{err_code, err_msg, request_id}` errors. A wrong key gets the recorded 401, as the real one does.

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

export const deepgramListenResponse = JSON.parse(fixture('deepgram-listen.json')) as DeepgramListenResponse;

interface DeepgramWord {
  word: string;
  start: number;
  end: number;
  confidence: number;
  punctuated_word?: string;
  /** Present when the request asked for `diarize=true`, as Deepgram does. */
  speaker?: number;
}

interface DeepgramListenResponse {
  metadata: { duration: number } & Record<string, unknown>;
  results: {
    channels: Array<{
      detected_language?: string;
      alternatives: Array<{ transcript: string; confidence: number; words: DeepgramWord[] }>;
    }>;
  };
}

export type DeepgramScenario =
  /** The recorded transcript, or these words; `detectedLanguage` as with `detect_language=true`. */
  | { type: 'transcript'; words?: DeepgramWord[]; detectedLanguage?: string }
  /** What Deepgram answers for silence: an empty transcript and no words. */
  | { type: 'silence' }
  /** An error status with the recorded body (429 may carry `Retry-After` verbatim). */
  | { type: 'error'; status: 401 | 429 | 500; retryAfter?: string }
  /** Never answers; the socket stays open until the client leaves. */
  | { type: 'stall' };

export interface DeepgramRequest extends RecordedHttpRequest {
  body: Buffer;
}

export interface FakeDeepgramServer {
  /** The origin, as `DEEPGRAM_BASE_URL` takes it. */
  readonly baseUrl: string;
  readonly requests: DeepgramRequest[];
  /** Scripts the next requests in order; then the recorded transcript answers. */
  enqueue(...scenarios: DeepgramScenario[]): void;
  close(): Promise<void>;
}

export async function startFakeDeepgramServer(options: { apiKey: string }): Promise<FakeDeepgramServer> {
  const server = await startRecordingServer<DeepgramRequest, DeepgramScenario>({
    record: (recorded, body) => ({ ...recorded, body }),
    answer({ request, nextScenario, response }) {
      if (request.method !== 'POST' || request.path !== '/v1/listen') {
        return sendJson(response, 404, { err_code: 'NOT_FOUND', err_msg: `No route ${request.path}` });
      }
      if (request.headers.authorization !== `Token ${options.apiKey}`) {
        return sendJson(response, 401, fixture('deepgram-error-401.json'));
      }
      const scenario = nextScenario() ?? { type: 'transcript' };
      if (scenario.type === 'stall') return;
      if (scenario.type === 'error') {
        const headers: Record<string, string> =
          scenario.retryAfter === undefined ? {} : { 'retry-after': scenario.retryAfter };
        return sendJson(
          response,
          scenario.status,
          fixture(`deepgram-error-${scenario.status}.json`),
          headers,
        );
      }
      let duration: number;
      try {
        duration = parseWav(request.body).durationSeconds;
      } catch {
        return sendJson(response, 400, fixture('deepgram-error-400.json'));
      }
      sendJson(
        response,
        200,
        listenResponse({ scenario, duration, diarize: request.query.get('diarize') === 'true' }),
      );
    },
  });
  return { ...server, baseUrl: server.origin };
}

function listenResponse(options: {
  scenario: Exclude<DeepgramScenario, { type: 'error' | 'stall' }>;
  duration: number;
  diarize: boolean;
}): DeepgramListenResponse {
  const recorded = deepgramListenResponse;
  const template = recorded.results.channels[0]!;
  const alternative = template.alternatives[0]!;
  const spoken = options.scenario.type === 'silence' ? [] : (options.scenario.words ?? alternative.words);
  // Diarized, Deepgram numbers each word's speaker; here the speaker changes every third word.
  const words = options.diarize
    ? spoken.map((word, index) => ({ ...word, speaker: word.speaker ?? Math.floor(index / 3) % 2 }))
    : spoken.map(({ speaker: _speaker, ...word }) => word);
  const channel = {
    ...template,
    ...(options.scenario.type === 'transcript' &&
      options.scenario.detectedLanguage !== undefined && {
        detected_language: options.scenario.detectedLanguage,
      }),
    alternatives: [
      {
        ...alternative,
        transcript: words.map((word) => word.punctuated_word ?? word.word).join(' '),
        confidence: words.length === 0 ? 0 : alternative.confidence,
        words,
      },
    ],
  };
  return {
    metadata: { ...recorded.metadata, duration: options.duration },
    results: { channels: [channel] },
  };
}
