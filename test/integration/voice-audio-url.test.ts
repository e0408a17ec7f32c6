import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingExecutables } from '../../src/voice/engine-test-support.ts';
import { spokenWav } from '../../src/voice/voice-test-audio.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { errorOf, sttJson, type TranscriptBody } from '../support/voice-rest-client.ts';

// Doc 002's `audio_url` over real requests on loopback: a local audio server is reachable only when
// AUDIO_URL_ALLOWED_HOSTS lists it; every other spelling of this host is refused before a connection
// is made, redirects are checked again, other schemes are refused, and a body that never ends or
// trickles is cut off by AUDIO_URL_TIMEOUT_MS, one that is too large by AUDIO_URL_MAX_BYTES.

const missing = await missingExecutables(['espeak-ng', 'pocketsphinx_continuous', 'sox']);
const MAX_BYTES = 200_000;

interface AudioServer {
  port: number;
  /** Paths asked for, in order, with the Host header they came with. */
  requests: Array<{ path: string; host: string }>;
  /** Responses the client closed before the server ended them. */
  abandoned: string[];
  close(): Promise<void>;
}

async function startAudioServer(speech: Buffer): Promise<AudioServer> {
  const requests: AudioServer['requests'] = [];
  const abandoned: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let port = 0;
  const routes: Record<string, (response: ServerResponse) => void> = {
    '/speech.wav': (response) => {
      response.writeHead(200, { 'content-type': 'audio/wav', 'content-length': speech.length });
      response.end(speech);
    },
    '/redirect-to-localhost': (response) => {
      response.writeHead(302, { location: `http://localhost:${port}/speech.wav` });
      response.end();
    },
    '/missing.wav': (response) => {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('no such file');
    },
    // Headers and the start of a WAV, then nothing, with the connection held open.
    '/never-ends.wav': (response) => {
      response.writeHead(200, { 'content-type': 'audio/wav' });
      response.write(speech.subarray(0, 1000));
    },
    // One byte every 20 ms: never idle long enough for an idle timeout, never done.
    '/trickle.wav': (response) => {
      response.writeHead(200, { 'content-type': 'audio/wav' });
      let offset = 0;
      const timer = setInterval(() => response.write(speech.subarray(offset, ++offset)), 20);
      timers.add(timer);
      response.on('close', () => clearInterval(timer));
    },
    // No Content-Length: the size shows only as it streams.
    '/endless.wav': (response) => {
      response.writeHead(200, { 'content-type': 'audio/wav' });
      const writeMore = () => {
        while (response.write(Buffer.alloc(16_384, 1)));
      };
      response.on('drain', writeMore);
      writeMore();
    },
  };
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    requests.push({ path, host: request.headers.host ?? '' });
    response.on('close', () => {
      if (!response.writableFinished) abandoned.push(path);
    });
    (routes[path] ?? routes['/missing.wav']!)(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    abandoned,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

describe.skipIf(missing.length > 0)('audio_url', () => {
  let audio: AudioServer;
  let trusting: TestApp;
  let strict: TestApp;
  let trustingKey: string;
  let strictKey: string;

  beforeAll(async () => {
    audio = await startAudioServer(spokenWav('what is the weather today'));
    const settings = {
      VOICE_STT_PROVIDER: 'local',
      AUDIO_URL_TIMEOUT_MS: '500',
      AUDIO_URL_MAX_BYTES: String(MAX_BYTES),
    };
    [trusting, strict] = await Promise.all([
      startTestApp({ ...settings, AUDIO_URL_ALLOWED_HOSTS: '127.0.0.1' }),
      startTestApp(settings),
    ]);
    trustingKey = (await trusting.createTenant()).apiKey;
    strictKey = (await strict.createTenant()).apiKey;
  });
  afterAll(async () => {
    await Promise.all([trusting.close(), strict.close()]);
    await audio.close();
  });

  const at = (path: string) => `http://127.0.0.1:${audio.port}${path}`;

  it("transcribes the audio at a URL whose host AUDIO_URL_ALLOWED_HOSTS lists, with doc 002's body", async () => {
    const response = await sttJson(trusting, trustingKey, {
      audio_url: at('/speech.wav'),
      provider: 'local',
      language: 'en',
      diarization: true,
      config: { punctuate: true, profanity_filter: false },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as TranscriptBody;
    expect(body.text).toMatch(/^what is\b/);
    expect(body.provider).toBe('pocketsphinx');
    expect(audio.requests.at(-1)).toEqual({ path: '/speech.wav', host: `127.0.0.1:${audio.port}` });
  });

  it.each([
    'http://127.1:PORT/speech.wav',
    'http://0x7f.1:PORT/speech.wav',
    'http://2130706433:PORT/speech.wav',
    'http://[::1]:PORT/speech.wav',
    'http://[::ffff:127.0.0.1]:PORT/speech.wav',
    'http://localhost:PORT/speech.wav',
    'http://127.0.0.1:PORT/speech.wav',
  ])('refuses %s when the host is not allowed, without connecting', async (url) => {
    const before = audio.requests.length;
    const audioUrl = url.replace('PORT', String(audio.port));
    const error = await errorOf(await sttJson(strict, strictKey, { audio_url: audioUrl }));
    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: { reason: 'ADDRESS_NOT_ALLOWED', problems: [expect.objectContaining({ field: 'audio_url' })] },
    });
    expect(audio.requests.length).toBe(before);
  });

  it('refuses a redirect from an allowed host to a loopback one', async () => {
    const before = audio.requests.length;
    const error = await errorOf(
      await sttJson(trusting, trustingKey, { audio_url: at('/redirect-to-localhost') }),
    );
    expect(error).toMatchObject({ status: 400, details: { reason: 'ADDRESS_NOT_ALLOWED' } });
    expect(audio.requests.slice(before).map((request) => request.path)).toEqual(['/redirect-to-localhost']);
  });

  it.each([
    'file:///etc/passwd',
    'data:audio/wav;base64,UklGRg==',
    'ftp://127.0.0.1/speech.wav',
    'not a url',
  ])('refuses %s', async (url) => {
    const error = await errorOf(await sttJson(trusting, trustingKey, { audio_url: url }));
    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: { reason: 'URL_NOT_ALLOWED' },
    });
  });

  it.each(['/never-ends.wav', '/trickle.wav'])(
    'gives up on %s at AUDIO_URL_TIMEOUT_MS and closes the connection',
    async (path) => {
      const error = await errorOf(await sttJson(trusting, trustingKey, { audio_url: at(path) }));
      expect(error).toMatchObject({
        status: 422,
        code: 'AUDIO_URL_FAILED',
        details: { reason: 'TIMEOUT', timeout_ms: 500 },
      });
      await expect.poll(() => audio.abandoned).toContain(path);
    },
  );

  it('stops reading at AUDIO_URL_MAX_BYTES', async () => {
    const error = await errorOf(await sttJson(trusting, trustingKey, { audio_url: at('/endless.wav') }));
    expect(error).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', details: { reason: 'TOO_LARGE' } });
    await expect.poll(() => audio.abandoned).toContain('/endless.wav');
  });

  it("says so when the URL's server answers with an error", async () => {
    const error = await errorOf(await sttJson(trusting, trustingKey, { audio_url: at('/missing.wav') }));
    expect(error).toMatchObject({
      status: 422,
      code: 'AUDIO_URL_FAILED',
      message: expect.stringContaining('404'),
      details: { reason: 'FETCH_FAILED' },
    });
  });
});
