import { sendJson, startRecordingServer, type RecordedHttpRequest } from './recording-server.ts';

// OpenAI's audio endpoints: `POST /v1/audio/transcriptions` (multipart; answered as whisper-1
// answers `verbose_json`) and `POST /v1/audio/speech` (JSON in; raw 24 kHz signed 16-bit
// little-endian mono out for `response_format: "pcm"`), with `Authorization: Bearer KEY` and
// `{error: {message, type, param, code}}` errors (a refused key is quoted back, a rate limit names
// the model, as OpenAI's own messages do). The bodies follow OpenAI's API reference.

export const FAKE_OPENAI_TRANSCRIPT = {
  task: 'transcribe',
  language: 'english',
  duration: 1.5,
  text: 'Hello world.',
  words: [
    { word: 'Hello', start: 0.0, end: 0.46 },
    { word: 'world', start: 0.46, end: 1.04 },
  ],
  usage: { type: 'duration', seconds: 2 },
};
export const FAKE_OPENAI_SPEECH_RATE = 24_000;
/** Seconds of speech per character of `input`. */
const SECONDS_PER_CHARACTER = 0.05;

const invalidKey = (presented: string) => ({
  error: {
    message: `Incorrect API key provided: ${presented}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  },
});
const rateLimited = (model: string) => ({
  error: {
    message: `Rate limit reached for ${model} in organization org-abc on requests per min (RPM): Limit 50.`,
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  },
});
const serverError = {
  error: {
    message: 'The server had an error while processing your request.',
    type: 'server_error',
    param: null,
    code: null,
  },
};

export type OpenAiAudioScenario =
  | { type: 'answer' }
  /** `retryAfter`: the `Retry-After` header of a 429, verbatim. */
  | { type: 'error'; status: 429 | 500; retryAfter?: string }
  | { type: 'stall' };

export interface OpenAiAudioRequest extends RecordedHttpRequest {
  /** A transcription's multipart body. */
  form?: FormData;
  /** A speech request's JSON body. */
  json?: Record<string, unknown>;
}

export interface FakeOpenAiAudioServer {
  /** As `OPENAI_BASE_URL` takes it, with the version path. */
  readonly baseUrl: string;
  readonly requests: OpenAiAudioRequest[];
  enqueue(...scenarios: OpenAiAudioScenario[]): void;
  close(): Promise<void>;
}

export async function startFakeOpenAiAudioServer(options: {
  apiKey: string;
}): Promise<FakeOpenAiAudioServer> {
  const server = await startRecordingServer<OpenAiAudioRequest, OpenAiAudioScenario>({
    async record(recorded, body) {
      const contentType = recorded.headers['content-type'] ?? '';
      return {
        ...recorded,
        ...(contentType.startsWith('multipart/form-data')
          ? { form: await new Response(body, { headers: { 'content-type': contentType } }).formData() }
          : {
              json: body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>),
            }),
      };
    },
    answer({ request, nextScenario, response }) {
      const { path } = request;
      if (request.method !== 'POST' || !['/v1/audio/transcriptions', '/v1/audio/speech'].includes(path)) {
        return sendJson(response, 404, {
          error: { message: `Unknown route ${path}`, type: 'invalid_request_error' },
        });
      }
      const authorization = request.headers.authorization ?? '';
      if (authorization !== `Bearer ${options.apiKey}`)
        return sendJson(response, 401, invalidKey(authorization.replace(/^Bearer /, '')));
      const scenario = nextScenario() ?? { type: 'answer' };
      if (scenario.type === 'stall') return;
      if (scenario.type === 'error') {
        const model = String(request.json?.model ?? request.form?.get('model') ?? 'the model');
        const headers: Record<string, string> =
          scenario.retryAfter === undefined ? {} : { 'retry-after': scenario.retryAfter };
        return sendJson(
          response,
          scenario.status,
          scenario.status === 429 ? rateLimited(model) : serverError,
          headers,
        );
      }
      if (path === '/v1/audio/transcriptions') return sendJson(response, 200, FAKE_OPENAI_TRANSCRIPT);
      const input = typeof request.json?.input === 'string' ? request.json.input : '';
      response.writeHead(200, { 'content-type': 'audio/pcm' });
      response.end(tone(input.length * SECONDS_PER_CHARACTER));
    },
  });
  return { ...server, baseUrl: `${server.origin}/v1` };
}

/** A 330 Hz tone at 24 kHz, signed 16-bit little-endian. */
function tone(seconds: number): Buffer {
  const count = Math.round(FAKE_OPENAI_SPEECH_RATE * seconds);
  const bytes = Buffer.alloc(count * 2);
  for (let index = 0; index < count; index++) {
    bytes.writeInt16LE(
      Math.round(8000 * Math.sin((2 * Math.PI * 330 * index) / FAKE_OPENAI_SPEECH_RATE)),
      index * 2,
    );
  }
  return bytes;
}
