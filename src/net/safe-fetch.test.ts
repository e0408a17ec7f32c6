import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeFetch } from './safe-fetch.ts';
import type { SafeFetchOptions } from './safe-fetch.ts';
import { SafeFetchError } from './safe-fetch-error.ts';

// Every request here goes to 127.0.0.0/8 or ::1, to servers this file starts and closes.

const AUDIO = Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt fake audio bytes', 'latin1');
const MAX_BYTES = 1_000;

interface TestServer {
  port: number;
  /** Paths requested, in order. */
  requests: string[];
  close: () => Promise<void>;
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://test');
  const loop = /^\/loop\/(\d+)$/.exec(url.pathname);
  if (url.pathname === '/audio' || loop?.[1] === '0') {
    response.writeHead(200, { 'content-type': 'audio/wav', 'content-length': AUDIO.length });
    response.end(AUDIO);
  } else if (loop) {
    response.writeHead(302, { location: `/loop/${Number(loop[1]) - 1}` }).end();
  } else if (url.pathname === '/redirect') {
    response.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
  } else if (url.pathname === '/stall') {
    response.writeHead(200, { 'content-type': 'audio/wav' });
    response.write('RIFF');
  } else if (url.pathname === '/trickle') {
    response.writeHead(200, { 'content-type': 'audio/wav' });
    const timer = setInterval(() => response.write('x'), 50);
    response.on('close', () => clearInterval(timer));
  } else if (url.pathname === '/large-declared') {
    response.writeHead(200, { 'content-type': 'audio/wav', 'content-length': MAX_BYTES + 1 });
    response.end(Buffer.alloc(MAX_BYTES + 1));
  } else if (url.pathname === '/large-streamed') {
    response.writeHead(200, { 'content-type': 'audio/wav' });
    for (let chunk = 0; chunk < 4; chunk++) response.write(Buffer.alloc(MAX_BYTES / 2));
    response.end();
  } else {
    response.writeHead(404).end();
  }
}

async function startServer(host: string, port: number): Promise<TestServer | undefined> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    handle(request, response);
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (!listening) return undefined;
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let main: TestServer;
let port: number;
let second: TestServer | undefined;
let ipv6: TestServer | undefined;

beforeEach(async () => {
  const server = await startServer('127.0.0.1', 0);
  if (!server) throw new Error('cannot listen on 127.0.0.1');
  main = server;
  port = server.port;
  // The same port on 127.0.0.2 and ::1, so every loopback spelling below names a listening server.
  second = await startServer('127.0.0.2', port);
  ipv6 = await startServer('::1', port);
});

afterEach(async () => {
  await Promise.all([main.close(), second?.close(), ipv6?.close()]);
});

const options = (overrides: Partial<SafeFetchOptions> = {}): SafeFetchOptions => ({
  allowedHosts: [],
  maxBytes: MAX_BYTES,
  timeoutMs: 300,
  ...overrides,
});

async function refusal(promise: Promise<unknown>): Promise<SafeFetchError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SafeFetchError);
  return error as SafeFetchError;
}

const allRequests = () => [...main.requests, ...(second?.requests ?? []), ...(ipv6?.requests ?? [])];

describe('safeFetch', () => {
  it('fetches the audio from an exempt host', async () => {
    const result = await safeFetch(
      `http://127.0.0.1:${port}/audio`,
      options({ allowedHosts: ['127.0.0.1'] }),
    );
    expect(Buffer.from(result.bytes)).toEqual(AUDIO);
    expect(result.contentType).toBe('audio/wav');
    expect(result.finalUrl).toBe(`http://127.0.0.1:${port}/audio`);
  });

  it('connects an exempt name to the address its resolver gave', async () => {
    const result = await safeFetch(
      `http://media.test:${port}/audio`,
      options({ allowedHosts: ['media.test'], lookup: async () => ['127.0.0.1'] }),
    );
    expect(Buffer.from(result.bytes)).toEqual(AUDIO);
    expect(main.requests).toEqual(['/audio']);
  });

  it.each([
    ['http://127.0.0.1:PORT/audio'],
    ['http://127.1:PORT/audio'],
    ['http://0x7f.1:PORT/audio'],
    ['http://2130706433:PORT/audio'],
    ['http://0177.0.0.1:PORT/audio'],
    ['http://127.0.0.2:PORT/audio'],
    ['http://[::1]:PORT/audio'],
    ['http://[::ffff:127.0.0.1]:PORT/audio'],
    ['http://localhost:PORT/audio'],
    ['http://LOCALHOST.:PORT/audio'],
  ])('refuses the loopback spelling %s before any request', async (template) => {
    const error = await refusal(safeFetch(template.replace('PORT', String(port)), options()));
    expect(error.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(allRequests()).toEqual([]);
  });

  it('refuses a name whose resolver answers loopback', async () => {
    const error = await refusal(
      safeFetch(
        `http://audio.test:${port}/audio`,
        options({ lookup: async () => ['93.184.215.14', '127.0.0.1'] }),
      ),
    );
    expect(error.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(allRequests()).toEqual([]);
  });

  it.each([['http://127.0.0.2:PORT/audio'], ['http://localhost:PORT/audio'], ['http://[::1]:PORT/audio']])(
    'refuses a redirect from an exempt host to %s at the hop',
    async (template) => {
      const target = template.replace('PORT', String(port));
      const error = await refusal(
        safeFetch(
          `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent(target)}`,
          options({ allowedHosts: ['127.0.0.1'] }),
        ),
      );
      expect(error.code).toBe('ADDRESS_NOT_ALLOWED');
      expect(main.requests).toEqual([`/redirect?to=${encodeURIComponent(target)}`]);
      expect(allRequests().filter((path) => path === '/audio')).toEqual([]);
    },
  );

  it('follows a redirect within the exempt host', async () => {
    const result = await safeFetch(
      `http://127.0.0.1:${port}/loop/3`,
      options({ allowedHosts: ['127.0.0.1'] }),
    );
    expect(Buffer.from(result.bytes)).toEqual(AUDIO);
    expect(result.finalUrl).toBe(`http://127.0.0.1:${port}/loop/0`);
  });

  it('refuses a redirect chain longer than maxRedirects, after maxRedirects hops', async () => {
    const error = await refusal(
      safeFetch(
        `http://127.0.0.1:${port}/loop/50`,
        options({ allowedHosts: ['127.0.0.1'], maxRedirects: 3 }),
      ),
    );
    expect(error.code).toBe('TOO_MANY_REDIRECTS');
    expect(main.requests).toEqual(['/loop/50', '/loop/49', '/loop/48', '/loop/47']);
  });

  it.each([
    ['file:///etc/passwd'],
    ['data:audio/wav;base64,AAAA'],
    ['ftp://127.0.0.1/audio.wav'],
    ['javascript:alert(1)'],
    ['not a url'],
  ])('refuses %s before any I/O', async (url) => {
    const error = await refusal(
      safeFetch(
        url,
        options({ allowedHosts: ['127.0.0.1'], lookup: () => Promise.reject(new Error('no I/O')) }),
      ),
    );
    expect(error.code).toBe('URL_NOT_ALLOWED');
    expect(allRequests()).toEqual([]);
  });

  it('refuses a redirect to a file: URL', async () => {
    const error = await refusal(
      safeFetch(
        `http://127.0.0.1:${port}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`,
        options({ allowedHosts: ['127.0.0.1'] }),
      ),
    );
    expect(error.code).toBe('URL_NOT_ALLOWED');
  });

  it('cuts a body that never ends at the deadline', async () => {
    const error = await refusal(
      safeFetch(`http://127.0.0.1:${port}/stall`, options({ allowedHosts: ['127.0.0.1'] })),
    );
    expect(error.code).toBe('TIMEOUT');
  });

  it('cuts a body that trickles forever at the deadline', async () => {
    const error = await refusal(
      safeFetch(
        `http://127.0.0.1:${port}/trickle`,
        options({ allowedHosts: ['127.0.0.1'], maxBytes: 1_000_000 }),
      ),
    );
    expect(error.code).toBe('TIMEOUT');
  });

  it.each([['/large-declared'], ['/large-streamed']])(
    'refuses a body over maxBytes from %s',
    async (path) => {
      const error = await refusal(
        safeFetch(`http://127.0.0.1:${port}${path}`, options({ allowedHosts: ['127.0.0.1'] })),
      );
      expect(error.code).toBe('TOO_LARGE');
    },
  );

  it('fails on an error status', async () => {
    const error = await refusal(
      safeFetch(`http://127.0.0.1:${port}/missing`, options({ allowedHosts: ['127.0.0.1'] })),
    );
    expect(error.code).toBe('FETCH_FAILED');
    expect(error.message).toContain('404');
  });

  it('fails when nothing listens', async () => {
    await main.close();
    const error = await refusal(
      safeFetch(`http://127.0.0.1:${port}/audio`, options({ allowedHosts: ['127.0.0.1'] })),
    );
    expect(error.code).toBe('FETCH_FAILED');
  });

  it("rejects with the caller's reason when the caller aborts", async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    const pending = safeFetch(
      `http://127.0.0.1:${port}/stall`,
      options({ allowedHosts: ['127.0.0.1'], timeoutMs: 60_000, signal: controller.signal }),
    );
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });
});
