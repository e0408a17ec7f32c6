import pino from 'pino';
import { generateApiKey } from '../../auth/api-keys.ts';
import { createAuthenticator } from '../../auth/authenticator.ts';
import { MemoryBus } from '../../bus/memory-bus.ts';
import { issueJwt, jwtSettingsFrom } from '../../auth/jwt.ts';
import { loadConfig } from '../../config.ts';
import { ConversationEngine } from '../../core/conversation-engine.ts';
import type { Message, Scope } from '../../core/domain.ts';
import { createRateLimits } from '../../limits/rate-limits.ts';
import { createMetrics } from '../../metrics.ts';
import type { ChatModel, ChatModelPart, ChatModelRequest } from '../../models/chat-model.ts';
import { ModelError } from '../../models/chat-model.ts';
import { createStore } from '../../store/create-store.ts';
import type { Store } from '../../store/store.ts';
import { ActiveTurns } from '../active-turns.ts';
import { FakeProtocolSocket } from '../../../test/support/fake-protocol-socket.ts';
import type { WsDependencies } from './ws-dependencies.ts';
import type { ProtocolSession, WsProtocol } from './ws-protocol.ts';
import { createLocalVoiceEngines } from '../../voice/voice-engines.ts';

// Test fixtures for the doc 003 and doc 004 protocol tests: a real SQLite store, a real engine and
// a scripted model, connected through FakeProtocolSocket (no network).

/** A promise the test resolves when it chooses. */
export class Gate {
  readonly opened: Promise<void>;
  open!: () => void;
  constructor() {
    this.opened = new Promise((resolve) => {
      this.open = resolve;
    });
  }
}

export type Step = { delta: string } | { finish: 'stop' | 'length' } | { wait: Gate } | { fail: ModelError };

export const USAGE = { inputTokens: 7, outputTokens: 3, totalTokens: 10 };

/** A ChatModel that plays a script per call (the last script repeats), recording each call. */
export class ScriptedModel implements ChatModel {
  readonly name = 'fake:scripted';
  readonly provider = 'fake';
  readonly requests: ChatModelRequest[] = [];
  readonly aborted: boolean[] = [];
  #calledWaiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly scripts: Step[][]) {}

  /** Resolves once the model has been called `count` times. */
  called(count = 1): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#calledWaiters.push({ count, resolve }));
  }

  async *stream(request: ChatModelRequest): AsyncGenerator<ChatModelPart> {
    const call = this.requests.length;
    this.requests.push(request);
    this.aborted.push(false);
    request.signal.addEventListener('abort', () => (this.aborted[call] = true));
    this.#calledWaiters = this.#calledWaiters.filter((waiter) => {
      if (this.requests.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
    const script = this.scripts[Math.min(call, this.scripts.length - 1)] ?? [];
    for (const step of script) {
      if ('delta' in step) yield { type: 'text-delta', text: step.delta };
      else if ('finish' in step) yield { type: 'finish', finishReason: step.finish, usage: USAGE };
      else if ('fail' in step) throw step.fail;
      else await waitOrAbort(step.wait, request.signal);
    }
  }
}

function waitOrAbort(gate: Gate, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new ModelError({ kind: 'aborted', message: 'aborted', retryable: false }));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    gate.opened.then(resolve, reject);
  });
}

export const upstreamFailure = () =>
  new ModelError({ kind: 'upstream', message: 'The provider failed.', retryable: true });

export interface Kit {
  store: Store;
  dependencies: WsDependencies;
  tenantId: string;
  apiKey: string;
  /** The model the engine resolves; tests replace it. */
  model: ScriptedModel;
  tokenFor(userId: string, tenantId?: string): Promise<string>;
  otherTenant(): Promise<{ tenantId: string; apiKey: string }>;
  messages(scope: Scope, chatId: string): Promise<Message[]>;
  close(): Promise<void>;
}

const JWT_SECRET = 'kit-jwt-secret-0123456789-0123456789';

export async function createKit(environment: Record<string, string> = {}): Promise<Kit> {
  const config = loadConfig({ LOG_LEVEL: 'silent', JWT_SECRET, RESUME_GRACE_MS: '30000', ...environment });
  const store = await createStore({ url: 'sqlite::memory:' });
  const jwt = jwtSettingsFrom(config, JWT_SECRET);
  const kit = {} as Kit;
  kit.model = new ScriptedModel([[{ delta: 'Hello' }, { delta: ' there.' }, { finish: 'stop' }]]);
  const engine = new ConversationEngine({
    store,
    resolveModel: () => kit.model,
    history: { maxMessages: 50, maxCharacters: 100_000 },
    maxPromptCharacters: 1000,
  });
  async function makeTenant(name: string) {
    const tenant = await store.createTenant({ name });
    const key = generateApiKey();
    await store.createApiKey({ tenantId: tenant.id, prefix: key.prefix, hash: key.hash });
    return { tenantId: tenant.id, apiKey: key.key };
  }
  const tenant = await makeTenant('acme');
  Object.assign(kit, {
    store,
    tenantId: tenant.tenantId,
    apiKey: tenant.apiKey,
    dependencies: {
      config,
      logger: pino({ level: 'silent' }),
      store,
      engine,
      authenticator: createAuthenticator({ store, jwt }),
      rateLimits: createRateLimits({ backend: 'memory' }),
      metrics: createMetrics(),
      voice: createLocalVoiceEngines(),
      activeTurns: new ActiveTurns(),
      bus: new MemoryBus({ logger: pino({ level: 'silent' }) }),
    },
    tokenFor: async (userId: string, tenantId = tenant.tenantId) =>
      (await issueJwt(jwt, { tenantId, userId, ttlSeconds: 600 })).token,
    otherTenant: () => makeTenant('other'),
    messages: async (scope: Scope, chatId: string) =>
      (await store.listMessages(scope, chatId, { offset: 0, limit: 100, order: 'asc' })).items,
    close: async () => {
      await kit.dependencies.activeTurns.whenIdle();
      await store.close();
    },
  } satisfies Omit<Kit, 'model'>);
  return kit;
}

export interface FakeConnection<Session extends ProtocolSession> {
  socket: FakeProtocolSocket;
  /** Undefined when the connection was refused. */
  session: Session | undefined;
  /** Ends the connection as the layer does: the socket closes, then the session hears of it. */
  drop(code?: number): void;
}

let connectionCount = 0;

/** Admits and opens a connection the way the WebSocket layer does, over a FakeProtocolSocket. */
export async function connect<Session extends ProtocolSession>(
  protocol: WsProtocol,
  path: string,
  headers: Record<string, string> = {},
): Promise<FakeConnection<Session>> {
  const url = new URL(path, 'http://127.0.0.1');
  const request = { url, headers, ip: '127.0.0.1', params: protocol.match(url.pathname) ?? {} };
  const socket = new FakeProtocolSocket();
  const admission = await protocol.admit(request);
  if (!admission.accepted) {
    protocol.refuse(socket, admission.error);
    return { socket, session: undefined, drop: () => undefined };
  }
  connectionCount += 1;
  const session = protocol.open({
    socket,
    principal: admission.principal,
    request,
    connectionId: `connection-${connectionCount}-${Date.now()}`,
  }) as Session;
  return {
    socket,
    session,
    drop(code = 1006) {
      socket.close(code);
      session.onClose(code);
    },
  };
}
