import { generateApiKey } from '../../src/auth/api-keys.ts';
import type { Principal } from '../../src/auth/authenticator.ts';
import { createAuthenticator } from '../../src/auth/authenticator.ts';
import { MemoryBus } from '../../src/bus/memory-bus.ts';
import { issueJwt, jwtSettingsFrom } from '../../src/auth/jwt.ts';
import { loadConfig } from '../../src/config.ts';
import { ConversationEngine } from '../../src/core/conversation-engine.ts';
import { uuidv7 } from '../../src/core/ids.ts';
import { createRateLimits } from '../../src/limits/rate-limits.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics, type Metrics } from '../../src/metrics.ts';
import type { ChatModel, ChatModelPart, ChatModelRequest } from '../../src/models/chat-model.ts';
import { ModelError } from '../../src/models/chat-model.ts';
import { createStore } from '../../src/store/create-store.ts';
import type { Store } from '../../src/store/store.ts';
import { ActiveTurns } from '../../src/transports/active-turns.ts';
import { createCaiProtocol, type CaiProtocol } from '../../src/transports/ws/cai-protocol.ts';
import type { ProtocolSession, UpgradeRequest } from '../../src/transports/ws/ws-protocol.ts';
import { FakeProtocolSocket } from './fake-protocol-socket.ts';
import { createLocalVoiceEngines } from '../../src/voice/voice-engines.ts';

// Doc 000's protocol module over FakeProtocolSockets, on a real SQLite store and a real
// ConversationEngine, with a model the test drives by hand.

/** One model call the test answers piece by piece. */
export class ManualCall {
  readonly request: ChatModelRequest;
  readonly #queue: Array<ChatModelPart | { type: 'fail'; error: Error }> = [];
  #wake: (() => void) | undefined;
  #done = false;

  constructor(request: ChatModelRequest) {
    this.request = request;
    request.signal.addEventListener('abort', () => this.#wake?.(), { once: true });
  }

  get aborted(): boolean {
    return this.request.signal.aborted;
  }

  text(...deltas: string[]): this {
    for (const text of deltas) this.#push({ type: 'text-delta', text });
    return this;
  }

  finish(finishReason: 'stop' | 'length' = 'stop'): void {
    this.#push({ type: 'finish', finishReason, usage: { inputTokens: 7, outputTokens: 3, totalTokens: 10 } });
    this.#done = true;
    this.#wake?.();
  }

  fail(message = 'The provider failed.'): void {
    this.#push({ type: 'fail', error: new ModelError({ kind: 'upstream', message, retryable: false }) });
  }

  async *parts(): AsyncGenerator<ChatModelPart> {
    for (;;) {
      if (this.request.signal.aborted) {
        throw new ModelError({ kind: 'aborted', message: 'aborted', retryable: false });
      }
      const next = this.#queue.shift();
      if (next === undefined) {
        if (this.#done) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      if (next.type === 'fail') throw next.error;
      yield next;
    }
  }

  #push(part: ChatModelPart | { type: 'fail'; error: Error }): void {
    this.#queue.push(part);
    this.#wake?.();
  }
}

/** A ChatModel whose every call is a ManualCall; `nextCall()` waits for the next one. */
export class ManualModel implements ChatModel {
  readonly name = 'test:manual';
  readonly provider = 'test';
  readonly calls: ManualCall[] = [];
  readonly requestedNames: Array<string | undefined> = [];
  #waiters: Array<{ index: number; resolve: (call: ManualCall) => void }> = [];

  stream(request: ChatModelRequest): AsyncIterable<ChatModelPart> {
    const call = new ManualCall(request);
    this.calls.push(call);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.index !== this.calls.length - 1) return true;
      waiter.resolve(call);
      return false;
    });
    return call.parts();
  }

  /** The call number `index` (from 0), once made. */
  call(index: number): Promise<ManualCall> {
    const made = this.calls[index];
    if (made !== undefined) return Promise.resolve(made);
    return new Promise((resolve) => this.#waiters.push({ index, resolve }));
  }
}

/** A ChatModel that answers every call with the same deltas at once. */
export function scriptedModel(deltas: string[]): ChatModel {
  return {
    name: 'test:scripted',
    provider: 'test',
    async *stream() {
      for (const text of deltas) yield { type: 'text-delta', text };
      yield {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 5, outputTokens: 4, totalTokens: 9 },
      };
    },
  };
}

export interface CaiHarness {
  protocol: CaiProtocol;
  store: Store;
  metrics: Metrics;
  activeTurns: ActiveTurns;
  model: ManualModel;
  tenantId: string;
  apiKey: string;
  principal: Principal;
  /** A JWT for `userId` of the harness tenant. */
  jwtFor(userId: string): Promise<string>;
  upgrade(query: string): UpgradeRequest;
  /** Opens a connection as `principal` on a fresh fake socket. */
  connect(principal?: Principal): Connection;
  close(): Promise<void>;
}

export interface Connection {
  socket: FakeProtocolSocket;
  session: ProtocolSession;
  connectionId: string;
  conversationId: string;
  send(message: unknown): void;
  /** The socket drops: the layer closes it and tells the session. */
  drop(code?: number): void;
}

export async function createCaiHarness(
  options: { environment?: Record<string, string>; resolveModel?: (name?: string) => ChatModel } = {},
): Promise<CaiHarness> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'cai-harness-secret-0123456789-0123456789',
    ...options.environment,
  });
  const logger = createLogger({ level: 'silent' });
  const store = await createStore({ url: 'sqlite::memory:' });
  const model = new ManualModel();
  const resolveModel =
    options.resolveModel ??
    ((name?: string) => {
      model.requestedNames.push(name);
      return model;
    });
  const engine = new ConversationEngine({
    store,
    resolveModel,
    history: { maxMessages: 50, maxCharacters: 100_000 },
    maxPromptCharacters: 1000,
  });
  const jwt = jwtSettingsFrom(config, config.JWT_SECRET!);
  const metrics = createMetrics();
  const activeTurns = new ActiveTurns();
  const protocol = createCaiProtocol({
    config,
    logger,
    store,
    engine,
    authenticator: createAuthenticator({ store, jwt }),
    rateLimits: createRateLimits({ backend: 'memory' }),
    metrics,
    activeTurns,
    voice: createLocalVoiceEngines(),
    bus: new MemoryBus({ logger }),
  });
  const tenant = await store.createTenant({ name: 'acme' });
  const key = generateApiKey();
  await store.createApiKey({ tenantId: tenant.id, prefix: key.prefix, hash: key.hash });
  const principal: Principal = { kind: 'api-key', tenantId: tenant.id };

  function upgrade(query: string): UpgradeRequest {
    return { url: new URL(`http://127.0.0.1/${query}`), headers: {}, ip: '127.0.0.1', params: {} };
  }

  function connect(as: Principal = principal): Connection {
    const socket = new FakeProtocolSocket();
    const connectionId = uuidv7();
    const session = protocol.open({ socket, principal: as, request: upgrade(''), connectionId });
    const greeting = socket.sent[0] as { conversationId: string };
    return {
      socket,
      session,
      connectionId,
      conversationId: greeting.conversationId,
      send: (message) => session.onText(typeof message === 'string' ? message : JSON.stringify(message)),
      drop(code = 1006) {
        socket.close(code);
        session.onClose(code);
      },
    };
  }

  return {
    protocol,
    store,
    metrics,
    activeTurns,
    model,
    tenantId: tenant.id,
    apiKey: key.key,
    principal,
    jwtFor: async (userId) => (await issueJwt(jwt, { tenantId: tenant.id, userId, ttlSeconds: 600 })).token,
    upgrade,
    connect,
    async close() {
      protocol.sessions.expireAll();
      await activeTurns.whenIdle();
      await store.close();
    },
  };
}
