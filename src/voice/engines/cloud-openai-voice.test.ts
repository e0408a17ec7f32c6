import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { parseWav } from '../audio/wav.ts';
import type { AudioChunk } from '../text-to-speech.ts';
import { OpenAiSpeechToText } from './cloud-openai-speech-to-text.ts';
import { OpenAiTextToSpeech } from './cloud-openai-text-to-speech.ts';

// A fake of OpenAI's audio endpoints, kept here until it moves beside the other fakes in test/fakes:
// `POST /v1/audio/transcriptions` (multipart, `verbose_json` as whisper-1 answers it) and
// `POST /v1/audio/speech` (JSON in, raw 24 kHz PCM out for `response_format: "pcm"`), with
// `Authorization: Bearer KEY` and `{error: {message, type, param, code}}` errors.

const API_KEY = 'sk-test-key';
const SPOKEN_SAMPLES = 4800;

const verboseTranscription = {
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
const invalidKey = {
  error: {
    message:
      'Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  },
};
const rateLimited = {
  error: {
    message: 'Rate limit reached for tts-1 in organization org-abc on requests per min (RPM): Limit 50.',
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  },
};

type Scenario = 'answer' | 'rate-limited' | 'stall';

interface OpenAiAudioRequest {
  path: string;
  headers: IncomingHttpHeaders;
  form?: FormData;
  json?: Record<string, unknown>;
  clientClosed: Promise<void>;
}

const requests: OpenAiAudioRequest[] = [];
const queue: Scenario[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const part of request) parts.push(part as Buffer);
      const body = Buffer.concat(parts);
      const contentType = request.headers['content-type'] ?? '';
      let resolveClosed: () => void = () => {};
      const recorded: OpenAiAudioRequest = {
        path: request.url ?? '',
        headers: request.headers,
        clientClosed: new Promise((resolve) => (resolveClosed = resolve)),
        ...(contentType.startsWith('multipart/form-data')
          ? { form: await new Response(body, { headers: { 'content-type': contentType } }).formData() }
          : { json: JSON.parse(body.toString('utf8')) as Record<string, unknown> }),
      };
      requests.push(recorded);
      response.on('close', () => {
        if (!response.writableFinished) resolveClosed();
      });
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(payload));
      };
      if (request.headers.authorization !== `Bearer ${API_KEY}`) return json(401, invalidKey);
      const scenario = queue.shift() ?? 'answer';
      if (scenario === 'stall') return;
      if (scenario === 'rate-limited') return json(429, rateLimited, { 'retry-after': '2' });
      if (recorded.path === '/v1/audio/transcriptions') return json(200, verboseTranscription);
      const pcm = Buffer.alloc(SPOKEN_SAMPLES * 2);
      for (let index = 0; index < SPOKEN_SAMPLES; index++) pcm.writeInt16LE(index % 1000, index * 2);
      response.writeHead(200, { 'content-type': 'audio/pcm' });
      response.end(pcm);
    })().catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const live = () => new AbortController().signal;

async function collect(chunks: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const collected: AudioChunk[] = [];
  for await (const chunk of chunks) collected.push(chunk);
  return collected;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('OpenAiSpeechToText against a fake OpenAI', () => {
  it('uploads a 16 kHz WAV asking whisper-1 for word timings in the primary language', async () => {
    const audio = new Int16Array(16_000).map((_, index) => index % 500);
    await new OpenAiSpeechToText({ apiKey: API_KEY, baseUrl }).transcribe({
      audio,
      language: 'en-GB',
      signal: live(),
    });
    const request = requests.at(-1)!;
    expect(request.path).toBe('/v1/audio/transcriptions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.form?.get('model')).toBe('whisper-1');
    expect(request.form?.get('language')).toBe('en');
    expect(request.form?.get('response_format')).toBe('verbose_json');
    expect(request.form?.getAll('timestamp_granularities[]')).toEqual(['word']);
    const file = request.form?.get('file') as File;
    const wav = parseWav(new Uint8Array(await file.arrayBuffer()));
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(Array.from(wav.samples)).toEqual(Array.from(audio));
  });

  it('maps the text, the words, the detected language and the duration', async () => {
    const transcript = await new OpenAiSpeechToText({ apiKey: API_KEY, baseUrl }).transcribe({
      audio: new Int16Array(16_000),
      signal: live(),
    });
    expect(transcript).toEqual({
      text: 'Hello world.',
      language: 'en',
      durationSeconds: 1.5,
      words: [
        { word: 'Hello', start: 0, end: 0.46 },
        { word: 'world', start: 0.46, end: 1.04 },
      ],
    });
  });

  it('turns a refused key into SERVICE_UNAVAILABLE without quoting the key', async () => {
    const error = await failure(
      new OpenAiSpeechToText({ apiKey: 'sk-wrong', baseUrl }).transcribe({
        audio: new Int16Array(1600),
        signal: live(),
      }),
    );
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(error.message).not.toContain('sk-wrong');
  });
});

describe('OpenAiTextToSpeech against a fake OpenAI', () => {
  it('asks for raw PCM and decodes it as 24 kHz samples', async () => {
    const chunks = await collect(
      new OpenAiTextToSpeech({ apiKey: API_KEY, baseUrl, chunkSamples: 2000 }).synthesize({
        text: 'hello',
        speed: 1.5,
        signal: live(),
      }),
    );
    const request = requests.at(-1)!;
    expect(request.path).toBe('/v1/audio/speech');
    expect(request.json).toEqual({
      model: 'tts-1',
      input: 'hello',
      voice: 'alloy',
      response_format: 'pcm',
      speed: 1.5,
    });
    expect(chunks.map((chunk) => chunk.samples.length)).toEqual([2000, 2000, 800]);
    expect(chunks.every((chunk) => chunk.sampleRate === 24_000)).toBe(true);
    expect(chunks[1]?.samples[500]).toBe(2500 % 1000);
  });

  it('turns 429 into RATE_LIMITED with the Retry-After delay', async () => {
    queue.push('rate-limited');
    const error = await failure(
      collect(
        new OpenAiTextToSpeech({ apiKey: API_KEY, baseUrl }).synthesize({ text: 'hi', signal: live() }),
      ),
    );
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(2000);
    expect(error.message).toContain('Rate limit reached for tts-1');
  });

  it("closes the connection when the caller aborts, with the caller's reason", async () => {
    queue.push('stall');
    const controller = new AbortController();
    const before = requests.length;
    const settled = collect(
      new OpenAiTextToSpeech({ apiKey: API_KEY, baseUrl }).synthesize({
        text: 'hi',
        signal: controller.signal,
      }),
    ).catch((error: unknown) => error);
    await expect.poll(() => requests.length).toBe(before + 1);
    controller.abort(new Error('client left'));
    expect(await settled).toEqual(new Error('client left'));
    await requests.at(-1)!.clientClosed;
  });
});
