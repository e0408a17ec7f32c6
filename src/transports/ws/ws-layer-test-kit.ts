import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { createAuthenticator } from '../../auth/authenticator.ts';
import { readCredential } from '../../auth/credentials.ts';
import { createTenantAdmin, type TenantAdmin } from '../../auth/tenant-admin.ts';
import { loadConfig } from '../../config.ts';
import { toAppError, type AppError } from '../../core/errors.ts';
import { createRateLimits } from '../../limits/rate-limits.ts';
import { createLogger } from '../../logger.ts';
import { createMetrics, type Metrics } from '../../metrics.ts';
import { createStore } from '../../store/create-store.ts';
import type { Store } from '../../store/store.ts';
import type { ProtocolSession, WsProtocol } from './ws-protocol.ts';
import { createWsLayer, type WsLayer, type WsLayerOptions } from './ws-layer.ts';

// For ws-layer.test.ts: the layer on a bare Fastify server with a small test protocol, over real
// sockets, and a client that records what it gets.

export const TEST_PATH = '/test';
const JWT_SECRET = 'ws-layer-test-secret-0123456789-0123456789';
const BULK_PAYLOAD = 'x'.repeat(64 * 1024);

export interface ServerSideClose {
  connectionId: string;
  code: number;
}

/**
 * A protocol that greets, echoes, and on request misbehaves: `busy`/`idle` toggle `busy`, `throw`
 * throws, `bulk:N` sends N messages of 64 KiB at once. Accepts `?anonymous=1` without a credential.
 */
export class TestProtocol implements WsProtocol {
  readonly name = 'test';
  readonly maxMessageBytes: number;
  readonly messageRate: WsProtocol['messageRate'];
  /** Every onClose the layer made, in order. */
  readonly closes: ServerSideClose[] = [];
  /** The server side of each open connection, by connection id. */
  readonly sockets = new Map<string, Parameters<WsProtocol['open']>[0]['socket']>();
  /** How many `bulk:N` requests were sent through (or dropped by the layer) to the end. */
  bulkSends = 0;
  readonly #waiters: Array<() => void> = [];
  readonly #authenticate: (request: Parameters<WsProtocol['admit']>[0]) => ReturnType<WsProtocol['admit']>;

  constructor(options: {
    maxMessageBytes: number;
    store: Store;
    jwtSecret: string;
    messageRate?: WsProtocol['messageRate'];
  }) {
    this.maxMessageBytes = options.maxMessageBytes;
    this.messageRate = options.messageRate;
    const authenticator = createAuthenticator({
      store: options.store,
      jwt: { secret: options.jwtSecret, issuer: 'cai', audience: 'cai' },
    });
    this.#authenticate = async (request) => {
      if (request.url.searchParams.get('anonymous') === '1') return { accepted: true, principal: null };
      try {
        const principal = await authenticator.authenticate(
          readCredential({ headers: request.headers, query: request.url.searchParams }),
        );
        return { accepted: true, principal };
      } catch (error) {
        return { accepted: false, error: toAppError(error) };
      }
    };
  }

  match(pathname: string): Record<string, string> | undefined {
    return pathname === TEST_PATH ? {} : undefined;
  }

  admit(request: Parameters<WsProtocol['admit']>[0]): ReturnType<WsProtocol['admit']> {
    return this.#authenticate(request);
  }

  refuse(socket: Parameters<WsProtocol['refuse']>[0], error: AppError): void {
    socket.sendJson({ type: 'refused', code: error.code, retryAfterMs: error.retryAfterMs });
    socket.close(4001, error.code);
  }

  open({ socket, connectionId }: Parameters<WsProtocol['open']>[0]): ProtocolSession {
    socket.sendJson({ type: 'hello', connectionId });
    this.sockets.set(connectionId, socket);
    const session = {
      busy: false,
      onText: (text: string) => {
        if (text === 'busy' || text === 'idle') {
          session.busy = text === 'busy';
          socket.sendJson({ type: 'state', busy: session.busy });
        } else if (text === 'throw') throw new Error('a session bug');
        else if (text.startsWith('burst:')) {
          const count = Number(text.slice('burst:'.length));
          for (let index = 0; index < count; index += 1) socket.sendJson({ type: 'burst', index });
          return;
        } else if (text.startsWith('bulk:')) {
          const count = Number(text.slice('bulk:'.length));
          for (let index = 0; index < count; index += 1)
            socket.sendJson({ type: 'bulk', index, data: BULK_PAYLOAD });
          this.bulkSends += 1;
          this.#wake();
          return;
        }
        socket.sendJson({ type: 'echo', text });
      },
      onBinary: (data: Buffer) => socket.sendJson({ type: 'binary', bytes: data.length }),
      onRefused: (error: AppError) =>
        socket.sendJson({ type: 'limited', code: error.code, retryAfterMs: error.retryAfterMs }),
      onClose: (code: number) => {
        this.closes.push({ connectionId, code });
        this.#wake();
      },
    };
    return session;
  }

  /** The server-side close of that connection, once the layer reported it. */
  async closeOf(connectionId: string): Promise<number> {
    for (;;) {
      const found = this.closes.find((close) => close.connectionId === connectionId);
      if (found !== undefined) return found.code;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves once `bulk:N` requests have been sent through `count` times. */
  async bulkSent(count = 1): Promise<void> {
    while (this.bulkSends < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

export interface LayerHarness {
  url: string;
  layer: WsLayer;
  protocol: TestProtocol;
  store: Store;
  tenantAdmin: TenantAdmin;
  metrics: Metrics;
  close(): Promise<void>;
}

export async function startLayer(
  environment: Record<string, string> = {},
  options: {
    messageRate?: WsProtocol['messageRate'];
    connectionCounter?: WsLayerOptions['connectionCounter'];
  } = {},
): Promise<LayerHarness> {
  const directory = mkdtempSync(join(tmpdir(), 'cai-ws-layer-'));
  const config = loadConfig({ LOG_LEVEL: 'silent', ...environment });
  const logger = createLogger({ level: 'silent' });
  const store = await createStore({ url: `sqlite:${join(directory, 'cai.db')}` });
  const jwt = { secret: JWT_SECRET, issuer: 'cai', audience: 'cai' };
  const protocol = new TestProtocol({
    maxMessageBytes: config.WS_MAX_MESSAGE_BYTES,
    store,
    jwtSecret: JWT_SECRET,
    ...(options.messageRate === undefined ? {} : { messageRate: options.messageRate }),
  });
  const metrics = createMetrics();
  const server = Fastify();
  const layer = createWsLayer({
    server: server.server,
    protocols: [protocol],
    dependencies: { config, logger, store, rateLimits: createRateLimits({ backend: 'memory' }), metrics },
    ...(options.connectionCounter === undefined ? {} : { connectionCounter: options.connectionCounter }),
  });
  // As app.ts wires it: an in-process revocation closes the key's sockets at once.
  const tenantAdmin = createTenantAdmin({
    store,
    config,
    jwt,
    onKeyRevoked: ({ keyId }) => void layer.closeKey(keyId),
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    layer,
    protocol,
    store,
    tenantAdmin,
    metrics,
    async close() {
      await layer.close();
      await server.close();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface TestClient {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  /** The greeting's connection id, or the refusal. */
  greeting: Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  /** The HTTP status when the server answered the upgrade with something other than 101. */
  rejected: Promise<number>;
  next(predicate: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

export function connect(url: string, options: ClientOptions = {}): TestClient {
  const ws = new WebSocket(url, options);
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    predicate: (message: Record<string, unknown>) => boolean;
    resolve: (message: Record<string, unknown>) => void;
  }> = [];
  const next = (predicate: (message: Record<string, unknown>) => boolean) => {
    const found = messages.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve) => waiters.push({ predicate, resolve }));
  };
  ws.on('message', (data: RawData) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    messages.push(message);
    for (const waiter of waiters.filter((candidate) => candidate.predicate(message))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  ws.on('error', () => {});
  const rejected = new Promise<number>((resolve) =>
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      ws.terminate();
    }),
  );
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return {
    ws,
    messages,
    greeting: next((message) => message['type'] === 'hello' || message['type'] === 'refused'),
    closed,
    rejected,
    next,
  };
}

export function withQuery(url: string, query: Record<string, string>): string {
  return `${url}${TEST_PATH}?${new URLSearchParams(query).toString()}`;
}

/** Heap in use plus memory held outside it (buffers: what a socket's send queue is made of). */
export function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}
