import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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

export interface ElevenLabsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Resolves when the client closes the connection before the server answered. */
  clientClosed: Promise<void>;
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
  const queue: ElevenLabsScenario[] = [];
  const requests: ElevenLabsRequest[] = [];
  let closing = false;

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const url = new URL(request.url ?? '/', 'http://fake');
    let resolveClosed: () => void = () => {};
    const recorded: ElevenLabsRequest = {
      method: request.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body,
      clientClosed: new Promise((resolve) => (resolveClosed = resolve)),
    };
    requests.push(recorded);
    response.on('close', () => {
      if (!response.writableFinished && !closing) resolveClosed();
    });

    const route = /^\/v1\/text-to-speech\/([^/]+)$/.exec(url.pathname);
    if (request.method !== 'POST' || route === null) {
      return sendJson(response, 404, { detail: { status: 'not_found', message: 'Not Found' } });
    }
    if (request.headers['xi-api-key'] !== options.apiKey) {
      return sendText(response, 401, fixture('elevenlabs-error-401.json'));
    }
    const voiceId = decodeURIComponent(route[1]!);
    if (!FAKE_ELEVENLABS_VOICES.includes(voiceId)) {
      return sendText(
        response,
        404,
        fixture('elevenlabs-error-404-voice.json').replace('voice_id nope', `voice_id ${voiceId}`),
      );
    }
    const scenario = queue.shift() ?? { type: 'speech' };
    if (scenario.type === 'stall') return;
    if (scenario.type === 'error') {
      const headers: Record<string, string> = {};
      if (scenario.retryAfter !== undefined) headers['retry-after'] = scenario.retryAfter;
      return sendText(
        response,
        scenario.status,
        fixture(`elevenlabs-error-${scenario.status}.json`),
        headers,
      );
    }
    const format = PCM_FORMAT.exec(url.searchParams.get('output_format') ?? '');
    if (format === null || typeof body.text !== 'string') {
      // The real service speaks MP3 and more; this fake only raw PCM.
      return sendJson(response, 400, {
        detail: { status: 'invalid_request', message: 'The fake speaks pcm_* output formats only.' },
      });
    }
    response.writeHead(200, { 'content-type': 'audio/pcm' });
    response.end(
      tone({ sampleRate: Number(format[1]), seconds: body.text.length * FAKE_SECONDS_PER_CHARACTER }),
    );
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...scenarios) => queue.push(...scenarios),
    close: async () => {
      closing = true;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  sendText(response, status, JSON.stringify(body));
}

function sendText(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}
