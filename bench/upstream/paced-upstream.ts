import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openAiDialect } from '../../test/fakes/fake-openai-server.ts';
import { nowMs } from '../lib/clock.ts';
import { requestIdIn } from '../lib/tokens.ts';

// A lean OpenAI-compatible upstream for benchmarks: `POST /v1/chat/completions` streams the given
// chunks one every `paceMs` (the first one `paceMs` after the request), in the wire format of
// test/fakes/fake-openai-server.ts, stopping early with `finish_reason: "length"` where the request's
// `max_tokens` (or `max_completion_tokens`) asks for fewer; without `stream: true` it answers at
// once with a `chat.completion` of 1 KiB (NON_STREAMING_BYTES), the same bytes every time. Unlike that fake (one setTimeout per chunk, each starting when
// the previous write finished, so it drifts), every chunk is due at an absolute time and one shared
// 1 ms interval sends all that are due: no drift, and 1,000 streams cost one timer, not 64,000.
// It stamps the moment it writes each chunk so the client can tell how late each token reached it.

export interface UpstreamTiming {
  requestId: string;
  /** When the request body had been read. */
  receivedAt: number;
  /** When each content chunk was written to the socket. */
  chunkSentAt: number[];
}

export interface PacedUpstream {
  port: number;
  /** The timings recorded since the last call, then forgotten. */
  takeTimings(): UpstreamTiming[];
  close(): Promise<void>;
}

/** The size of the instant non-streaming answer, in bytes of JSON. */
export const NON_STREAMING_BYTES = 1024;

interface ActiveStream {
  response: ServerResponse;
  frames: string[];
  tail: string;
  next: number;
  startedAt: number;
  timing: UpstreamTiming | undefined;
}

export async function startPacedUpstream(options: {
  chunks: string[];
  paceMs: number;
  port?: number;
}): Promise<PacedUpstream> {
  const { chunks, paceMs } = options;
  const framesCache = new Map<string, { head: string; chunks: string[]; tail: string }>();
  const framesFor = (options: { model: string; body: Record<string, unknown>; count: number }) => {
    const { model, body, count } = options;
    const usage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const key = `${model}\u0000${usage}\u0000${count}`;
    let frames = framesCache.get(key);
    if (!frames) {
      const built = openAiDialect.streamFrames({
        chunks: chunks.slice(0, count),
        model,
        finishReason: count < chunks.length ? 'length' : 'stop',
        requestBody: body,
      });
      frames = { head: built.head.join(''), chunks: built.chunks, tail: built.tail.join('') };
      framesCache.set(key, frames);
    }
    return frames;
  };
  const completionCache = new Map<string, Buffer>();
  const completionFor = (model: string) => {
    let completion = completionCache.get(model);
    if (!completion) {
      completion = completionOfSize({ model, chunks, bytes: NON_STREAMING_BYTES });
      completionCache.set(model, completion);
    }
    return completion;
  };
  let timings: UpstreamTiming[] = [];
  // Streams due in each millisecond (keyed by Math.ceil of the due time).
  const due = new Map<number, ActiveStream[]>();
  let ticker: NodeJS.Timeout | undefined;
  let drainedUpTo = Math.floor(nowMs());

  const schedule = (stream: ActiveStream) => {
    const at = Math.ceil(stream.startedAt + (stream.next + 1) * paceMs);
    const bucket = due.get(at);
    if (bucket) bucket.push(stream);
    else due.set(at, [stream]);
    ticker ??= setInterval(tick, 1);
  };

  const send = (stream: ActiveStream) => {
    const { response } = stream;
    if (response.destroyed) return;
    stream.timing?.chunkSentAt.push(nowMs());
    response.write(stream.frames[stream.next] as string);
    stream.next += 1;
    if (stream.next < stream.frames.length) schedule(stream);
    else response.end(stream.tail);
  };

  function tick() {
    const now = nowMs();
    for (let at = drainedUpTo + 1; at <= now; at += 1) {
      const bucket = due.get(at);
      if (!bucket) continue;
      due.delete(at);
      for (const stream of bucket) send(stream);
    }
    drainedUpTo = Math.floor(now);
    if (due.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });
  server.keepAliveTimeout = 60_000;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request);
    const receivedAt = nowMs();
    if (request.method !== 'POST' || !request.url?.startsWith(openAiDialect.path)) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"not found"}}');
      return;
    }
    const model = typeof body.model === 'string' ? body.model : 'bench';
    if (body.stream !== true) {
      const completion = completionFor(model);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': completion.length });
      response.end(completion);
      return;
    }
    const frames = framesFor({ model, body, count: chunkCount(body, chunks.length) });
    const requestId = requestIdIn(lastUserText(body));
    const timing = requestId === undefined ? undefined : { requestId, receivedAt, chunkSentAt: [] };
    if (timing) timings.push(timing);
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.write(frames.head);
    schedule({ response, frames: frames.chunks, tail: frames.tail, next: 0, startedAt: receivedAt, timing });
  }

  server.listen(options.port ?? 0, '127.0.0.1', 4096);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    takeTimings() {
      const taken = timings;
      timings = [];
      return taken;
    },
    async close() {
      if (ticker) clearInterval(ticker);
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** How many chunks to stream: all of them, or fewer where the request caps the reply's tokens. */
function chunkCount(body: Record<string, unknown>, available: number): number {
  const cap = body.max_completion_tokens ?? body.max_tokens;
  return typeof cap === 'number' && Number.isInteger(cap) && cap > 0 ? Math.min(cap, available) : available;
}

/** A `chat.completion` whose JSON is exactly `bytes` long: the reply's text, its tokens repeated to fill. */
export function completionOfSize(options: { model: string; chunks: string[]; bytes: number }): Buffer {
  const { model, chunks, bytes } = options;
  const encode = (text: string) =>
    Buffer.from(JSON.stringify(openAiDialect.completionBody({ text, model, outputTokens: chunks.length })));
  const empty = encode('').length;
  if (empty > bytes) throw new Error(`a completion takes ${empty} bytes before any text`);
  // The tokens are plain ASCII, so each character is one byte of JSON.
  let text = '';
  for (let index = 0; text.length < bytes - empty; index += 1) text += chunks[index % chunks.length];
  return encode(text.slice(0, bytes - empty));
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
  const content = messages.filter((message) => message.role === 'user').at(-1)?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : ''))
      .join('');
  }
  return '';
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}
