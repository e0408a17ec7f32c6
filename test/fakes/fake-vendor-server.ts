import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

// A local HTTP server that speaks one vendor's streaming wire format (the dialect), with a script of
// what to do for each request: the failure modes that cai's model layer must survive, on demand.
// The vendor-specific servers (fake-openai-server.ts, fake-anthropic-server.ts) only supply the dialect.

/** What the server does with one request. Chunks default to the dialect's recorded reply. */
export type FakeScenario =
  /** A normal reply: the chunks, `paceMs` apart (also before the first), then the end of the stream. */
  | { type: 'stream'; chunks?: string[]; paceMs?: number; finishReason?: string; model?: string }
  /** The recorded fixture, byte for byte (streamed requests only). */
  | { type: 'replay'; paceMs?: number }
  /** 429 with the vendor's error body; `retryAfter` is the `Retry-After` header verbatim (seconds or HTTP date). */
  | { type: 'rate-limited'; retryAfter?: string; retryAfterMs?: number }
  /** An error status (500 by default) before any token. */
  | { type: 'server-error'; status?: number }
  /** `afterChunks` chunks, then the socket is destroyed without ending the response. */
  | { type: 'cut'; afterChunks: number; chunks?: string[]; paceMs?: number }
  /** `afterChunks` chunks, then a clean end of the response without the stream's closing events. */
  | { type: 'end-early'; afterChunks: number; chunks?: string[]; paceMs?: number }
  /** `afterChunks` chunks, then silence with the socket kept open until the client leaves. */
  | { type: 'stall'; afterChunks: number; chunks?: string[]; paceMs?: number }
  /** `afterChunks` chunks, one garbled SSE line, then the rest of the stream as normal. */
  | { type: 'malformed'; afterChunks: number; chunks?: string[]; paceMs?: number }
  /**
   * Exactly these bytes, each write on its own (`paceMs` apart, 5 by default, so that each reaches
   * the client in its own TCP read), then the end of the response: for what a recorded stream never
   * shows, such as a UTF-8 character or an SSE event split across packets.
   */
  | {
      type: 'raw';
      writes: Array<string | Uint8Array>;
      status?: number;
      contentType?: string;
      paceMs?: number;
    };

export interface StreamFramesOptions {
  chunks: string[];
  model: string;
  finishReason: string | undefined;
  /** The request's body, for dialect options such as OpenAI's `stream_options.include_usage`. */
  requestBody: Record<string, unknown>;
}

/** One vendor's wire format. Frames are whole SSE events, each ending in a blank line. */
export interface WireDialect {
  path: string;
  recordedStream: string;
  defaultChunks: string[];
  streamFrames(options: StreamFramesOptions): { head: string[]; chunks: string[]; tail: string[] };
  /** `outputTokens`: one per chunk, as the streamed reply counts them. */
  completionBody(options: { text: string; model: string; outputTokens: number }): unknown;
  rateLimitedBody: string;
  serverErrorBody: string;
  malformedFrame: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  scenario: FakeScenario;
  /** Whether the client closed the connection before the server ended the response. */
  closedByClient: boolean;
  /** Resolves when the client closes the connection before the server ended the response. */
  clientClosed: Promise<void>;
  /** Which TCP connection carried it: 1, 2, … in the order they opened (a kept-alive one carries several). */
  connection: number;
}

export type ScenarioSource = (request: { body: Record<string, unknown>; index: number }) => FakeScenario;

export interface FakeVendorServer {
  /** The base URL including the version path, as the vendors' SDKs take it (`http://127.0.0.1:PORT/v1`). */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Scripts the next requests, in order; once the queue is empty the fallback scenario answers. */
  enqueue(...scenarios: FakeScenario[]): void;
  /** Answers every request not covered by the queue (default: a normal stream). */
  setFallback(source: FakeScenario | ScenarioSource): void;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export interface FakeVendorServerOptions {
  /** Serve HTTPS with this key and certificate (PEM), as the vendors' real endpoints do. */
  tls?: { key: string; cert: string };
}

export async function startFakeVendorServer(
  dialect: WireDialect,
  options: FakeVendorServerOptions = {},
): Promise<FakeVendorServer> {
  const queue: FakeScenario[] = [];
  let fallback: ScenarioSource = () => ({ type: 'stream' });
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ count: number; resolve: (requests: RecordedRequest[]) => void }> = [];
  let closing = false;

  const listener: RequestListener = (request, response) => {
    void handle(request, response).catch(() => response.destroy());
  };
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  const connections = new WeakMap<Socket, number>();
  let connectionCount = 0;
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) =>
    connections.set(socket, (connectionCount += 1)),
  );

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method !== 'POST' || path !== dialect.path) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `No route ${request.method} ${path}` } }));
      return;
    }
    const scenario = queue.shift() ?? fallback({ body, index: requests.length });
    let serverEnded = false;
    let resolveClosed: () => void = () => {};
    const recorded: RecordedRequest = {
      method: request.method,
      path,
      headers: request.headers,
      body,
      scenario,
      closedByClient: false,
      clientClosed: new Promise((resolve) => (resolveClosed = resolve)),
      connection: connections.get(request.socket) ?? 0,
    };
    response.on('close', () => {
      if (serverEnded || response.writableFinished || closing) return;
      recorded.closedByClient = true;
      resolveClosed();
    });
    requests.push(recorded);
    for (const waiter of waiters.filter((candidate) => requests.length >= candidate.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(requests.slice());
    }
    await answer({ dialect, scenario, body, response, markServerEnded: () => (serverEnded = true) });
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...scenarios) => queue.push(...scenarios),
    setFallback: (source) => (fallback = typeof source === 'function' ? source : () => source),
    waitForRequests: (count) =>
      requests.length >= count
        ? Promise.resolve(requests.slice())
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      closing = true;
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function answer(options: {
  dialect: WireDialect;
  scenario: FakeScenario;
  body: Record<string, unknown>;
  response: ServerResponse;
  markServerEnded: () => void;
}): Promise<void> {
  const { dialect, scenario, body, response, markServerEnded } = options;
  const model = typeof body.model === 'string' ? body.model : 'fake-model';

  if (scenario.type === 'rate-limited') {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (scenario.retryAfter !== undefined) headers['retry-after'] = scenario.retryAfter;
    if (scenario.retryAfterMs !== undefined) headers['retry-after-ms'] = String(scenario.retryAfterMs);
    response.writeHead(429, headers);
    response.end(dialect.rateLimitedBody);
    return;
  }
  if (scenario.type === 'raw') {
    response.writeHead(scenario.status ?? 200, {
      'content-type':
        scenario.contentType ?? (body.stream === true ? 'text/event-stream' : 'application/json'),
    });
    for (const bytes of scenario.writes) {
      await delay(scenario.paceMs ?? 5);
      if (response.destroyed) return;
      await new Promise<void>((resolve, reject) =>
        response.write(bytes, (error) => (error ? reject(error) : resolve())),
      );
    }
    markServerEnded();
    response.end();
    return;
  }
  if (scenario.type === 'server-error') {
    response.writeHead(scenario.status ?? 500, { 'content-type': 'application/json' });
    response.end(dialect.serverErrorBody);
    return;
  }

  const chunks = ('chunks' in scenario ? scenario.chunks : undefined) ?? dialect.defaultChunks;
  if (body.stream !== true) {
    // A non-streaming request: the whole completion at once, or the failure, with no chunk to show.
    if (scenario.type === 'stall') return; // never answers; the socket stays open
    if (scenario.type === 'cut') {
      response.socket?.destroy();
      return;
    }
    // The time a model takes to write the reply it hands over at once.
    const paceMs = 'paceMs' in scenario ? (scenario.paceMs ?? 0) : 0;
    if (paceMs > 0) await delay(paceMs * chunks.length);
    if (response.destroyed) return;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(dialect.completionBody({ text: chunks.join(''), model, outputTokens: chunks.length })),
    );
    return;
  }

  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const paceMs = scenario.paceMs ?? 0;
  const write = async (frame: string, paced: boolean) => {
    if (paced && paceMs > 0) await delay(paceMs);
    if (response.destroyed) throw new Error('client went away');
    // Wait for the bytes to leave, so that a cut that follows does not swallow them.
    await new Promise<void>((resolve, reject) =>
      response.write(frame, (error) => (error ? reject(error) : resolve())),
    );
  };

  if (scenario.type === 'replay') {
    for (const frame of splitFrames(dialect.recordedStream)) await write(frame, true);
    markServerEnded();
    response.end();
    return;
  }

  const frames = dialect.streamFrames({
    chunks,
    model: scenario.type === 'stream' ? (scenario.model ?? model) : model,
    finishReason: scenario.type === 'stream' ? scenario.finishReason : undefined,
    requestBody: body,
  });
  for (const frame of frames.head) await write(frame, false);
  for (const [index, frame] of frames.chunks.entries()) {
    if (scenario.type !== 'stream' && index === scenario.afterChunks) {
      if (scenario.type === 'cut') {
        markServerEnded();
        response.socket?.destroy();
        return;
      }
      if (scenario.type === 'stall') return;
      if (scenario.type === 'end-early') break;
      await write(dialect.malformedFrame, false);
    }
    await write(frame, true);
  }
  if (scenario.type === 'malformed' && scenario.afterChunks >= frames.chunks.length) {
    await write(dialect.malformedFrame, false);
  }
  if (scenario.type === 'cut') {
    markServerEnded();
    response.socket?.destroy();
    return;
  }
  if (scenario.type === 'stall') return;
  if (scenario.type !== 'end-early') {
    for (const frame of frames.tail) await write(frame, false);
  }
  markServerEnded();
  response.end();
}

/** The SSE events of a recorded stream, each with its terminating blank line. */
export function splitFrames(stream: string): string[] {
  return stream
    .split(/\n\n/)
    .filter((frame) => frame.trim() !== '')
    .map((frame) => `${frame}\n\n`);
}

/** The JSON `data:` payloads of a recorded stream, in order (`[DONE]` left out). */
export function recordedPayloads(stream: string): Array<Record<string, unknown>> {
  return splitFrames(stream)
    .map((frame) =>
      frame
        .split('\n')
        .find((line) => line.startsWith('data: '))
        ?.slice('data: '.length),
    )
    .filter((data): data is string => data !== undefined && data !== '[DONE]')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  if (text === '') return {};
  return JSON.parse(text) as Record<string, unknown>;
}
