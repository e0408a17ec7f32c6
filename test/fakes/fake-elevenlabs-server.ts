import { readFileSync } from 'node:fs';
import { sendJson, startRecordingServer, type RecordedHttpRequest } from './recording-server.ts';

// ElevenLabs text to speech: `POST /v1/text-to-speech/{voice_id}?output_format=pcm_16000` with
// `xi-api-key: KEY` and a JSON body `{text, model_id, voice_settings?}`, answered with the audio bytes
// (raw signed 16-bit little-endian mono for `pcm_*`). Errors are `{detail: {status, message}}` as
// recorded in __fixtures__/elevenlabs-error-*.json. A wrong key or an unknown voice get the real answers.

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

/** Premade voice ids the fake knows ("Rachel", "Adam"). */
export const FAKE_ELEVENLABS_VOICES = ['21m00Tcm4TlvDq8ikWAM', 'pNInz6obpgDQGcFMvWNW'];
/** Seconds of audio per character of text: enough to tell a long text from a short one. */
export const FAKE_SECONDS_PER_CHARACTER = 0.05;
const PCM_FORMAT = /^pcm_(16000|22050|24000|44100)$/;

export type ElevenLabsScenario =
  /** A 440 Hz tone as long as the text asks for, in the requested PCM format. */
  | { type: 'speech' }
  | { type: 'error'; status: 401 | 429 | 500; retryAfter?: string }
  /** Never answers; the socket stays open until the client leaves. */
  | { type: 'stall' };

export interface ElevenLabsRequest extends RecordedHttpRequest {
  body: Record<string, unknown>;
}

export interface FakeElevenLabsServer {
  /** The origin, as `ELEVENLABS_BASE_URL` takes it. */
  readonly baseUrl: string;
  readonly requests: ElevenLabsRequest[];
  /** Scripts the next requests in order; then speech answers. */
  enqueue(...scenarios: ElevenLabsScenario[]): void;
  close(): Promise<void>;
}

export async function startFakeElevenLabsServer(options: { apiKey: string }): Promise<FakeElevenLabsServer> {
  const server = await startRecordingServer<ElevenLabsRequest, ElevenLabsScenario>({
    record: (recorded, body) => ({
      ...recorded,
      body: body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>),
    }),
    answer({ request, nextScenario, response }) {
      const route = /^\/v1\/text-to-speech\/([^/]+)$/.exec(request.path);
      if (request.method !== 'POST' || route === null) {
        return sendJson(response, 404, { detail: { status: 'not_found', message: 'Not Found' } });
      }
      if (request.headers['xi-api-key'] !== options.apiKey) {
        return sendJson(response, 401, fixture('elevenlabs-error-401.json'));
      }
      const voiceId = decodeURIComponent(route[1]!);
      if (!FAKE_ELEVENLABS_VOICES.includes(voiceId)) {
        return sendJson(
          response,
          404,
          fixture('elevenlabs-error-404-voice.json').replace('voice_id nope', `voice_id ${voiceId}`),
        );
      }
      const scenario = nextScenario() ?? { type: 'speech' };
      if (scenario.type === 'stall') return;
      if (scenario.type === 'error') {
        const headers: Record<string, string> =
          scenario.retryAfter === undefined ? {} : { 'retry-after': scenario.retryAfter };
        return sendJson(
          response,
          scenario.status,
          fixture(`elevenlabs-error-${scenario.status}.json`),
          headers,
        );
      }
      const format = PCM_FORMAT.exec(request.query.get('output_format') ?? '');
      const text = request.body.text;
      if (format === null || typeof text !== 'string') {
        // The real service speaks MP3 and more; this fake only raw PCM.
        return sendJson(response, 400, {
          detail: { status: 'invalid_request', message: 'The fake speaks pcm_* output formats only.' },
        });
      }
      response.writeHead(200, { 'content-type': 'audio/pcm' });
      response.end(
        tone({ sampleRate: Number(format[1]), seconds: text.length * FAKE_SECONDS_PER_CHARACTER }),
      );
    },
  });
  return { ...server, baseUrl: server.origin };
}

/** The audio the fake answers: a 440 Hz tone, signed 16-bit little-endian. */
export function tone(options: { sampleRate: number; seconds: number }): Buffer {
  const count = Math.round(options.sampleRate * options.seconds);
  const bytes = Buffer.alloc(count * 2);
  for (let index = 0; index < count; index++) {
    const sample = Math.round(8000 * Math.sin((2 * Math.PI * 440 * index) / options.sampleRate));
    bytes.writeInt16LE(sample, index * 2);
  }
  return bytes;
}
