import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// The plumbing every fake vendor audio server shares (Deepgram, ElevenLabs, OpenAI audio): an HTTP
// server on 127.0.0.1 that records each request (with when its client left before the answer),
// answers it from a queue of scripted scenarios, and closes cleanly. A fake only says how to read a
// body and how to answer.

export interface RecordedHttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Resolves when the client closes the connection before the server answered. */
  clientClosed: Promise<void>;
}

export interface RecordingServer<Request, Scenario> {
  /** `http://127.0.0.1:PORT`, without a path. */
  readonly origin: string;
  readonly requests: Request[];
  /** Scripts the next requests in order; the fake's default answers once the queue is empty. */
  enqueue(...scenarios: Scenario[]): void;
  close(): Promise<void>;
}

export async function startRecordingServer<Request extends RecordedHttpRequest, Scenario>(options: {
  /** The recorded request: the common fields plus what the fake reads from the body. */
  record(recorded: RecordedHttpRequest, body: Buffer): Request | Promise<Request>;
  /** `nextScenario` takes the next scripted scenario (undefined when none is queued). */
  answer(context: {
    request: Request;
    nextScenario: () => Scenario | undefined;
    response: ServerResponse;
  }): void | Promise<void>;
}): Promise<RecordingServer<Request, Scenario>> {
  const queue: Scenario[] = [];
  const requests: Request[] = [];
  let closing = false;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const url = new URL(request.url ?? '/', 'http://fake');
    let resolveClosed: () => void = () => {};
    const recorded = await options.record(
      {
        method: request.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        clientClosed: new Promise((resolve) => (resolveClosed = resolve)),
      },
      Buffer.concat(parts),
    );
    requests.push(recorded);
    response.on('close', () => {
      if (!response.writableFinished && !closing) resolveClosed();
    });
    await options.answer({ request: recorded, nextScenario: () => queue.shift(), response });
  }

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
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

/** A JSON (or already serialized JSON) answer. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}
