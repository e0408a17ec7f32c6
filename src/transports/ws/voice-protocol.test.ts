import { afterEach, describe, expect, it } from 'vitest';
import { ManualModel } from '../../../test/support/cai-harness.ts';
import { FakeProtocolSocket } from '../../../test/support/fake-protocol-socket.ts';
import { generateApiKey } from '../../auth/api-keys.ts';
import type { Principal } from '../../auth/authenticator.ts';
import { createAuthenticator } from '../../auth/authenticator.ts';
import { MemoryBus } from '../../bus/memory-bus.ts';
import { issueJwt, jwtSettingsFrom } from '../../auth/jwt.ts';
import { loadConfig } from '../../config.ts';
import { ConversationEngine } from '../../core/conversation-engine.ts';
import { AppError } from '../../core/errors.ts';
import { uuidv7 } from '../../core/ids.ts';
import { createRateLimits } from '../../limits/rate-limits.ts';
import { createLogger } from '../../logger.ts';
import { createMetrics } from '../../metrics.ts';
import { createStore } from '../../store/create-store.ts';
import type { Store } from '../../store/store.ts';
import { parseWav } from '../../voice/audio/wav.ts';
import {
  Gate,
  pcmChunks,
  scriptedVoiceEngines,
  stretches,
  type ScriptedEngines,
} from '../../voice/voice-session-test-kit.ts';
import { ActiveTurns } from '../active-turns.ts';
import { ANONYMOUS_TENANT_ID, anonymousScope } from './voice-anonymous.ts';
import { createVoiceProtocol } from './voice-protocol.ts';
import type { ProtocolSession, UpgradeRequest, WsProtocol } from './ws-protocol.ts';

// Doc 001's protocol module over FakeProtocolSockets, on a real SQLite store and conversation
// engine, with scripted voice engines (src/voice/voice-session-test-kit.ts) and a hand-driven model.

type Wire = Record<string, unknown>;

interface Harness {
  protocol: WsProtocol;
  store: Store;
  model: ManualModel;
  voice: ScriptedEngines;
  activeTurns: ActiveTurns;
  tenantId: string;
  apiKey: string;
  token: string;
  connect(principal?: Principal | null): Connection;
}

interface Connection {
  socket: FakeProtocolSocket;
  session: ProtocolSession;
  connectionId: string;
  send(message: unknown): void;
  /** Streams loud/quiet audio as 20 ms audio_chunk messages of base64 PCM. */
  speak(parts: Array<['speech' | 'silence', number]>): void;
  errors(): Wire[];
}

let harness: Harness | undefined;
let connections: Connection[] = [];

afterEach(async () => {
  for (const connection of connections) connection.session.onClose(1000);
  connections = [];
  await harness?.activeTurns.whenIdle();
  await harness?.store.close();
  harness = undefined;
});

async function start(
  options: { environment?: Record<string, string>; heard?: string[] } = {},
): Promise<Harness> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'voice-protocol-secret-0123456789-0123456789',
    ...options.environment,
  });
  const store = await createStore({ url: 'sqlite::memory:' });
  const model = new ManualModel();
  const engine = new ConversationEngine({
    store,
    resolveModel: () => model,
    history: { maxMessages: 50, maxCharacters: 100_000 },
    maxPromptCharacters: 1000,
  });
  const jwt = jwtSettingsFrom(config, config.JWT_SECRET!);
  const voice = scriptedVoiceEngines(options.heard);
  const activeTurns = new ActiveTurns();
  const protocol = createVoiceProtocol({
    config,
    logger: createLogger({ level: 'silent' }),
    store,
    engine,
    authenticator: createAuthenticator({ store, jwt }),
    rateLimits: createRateLimits({ backend: 'memory' }),
    metrics: createMetrics(),
    activeTurns,
    voice: voice.engines,
    bus: new MemoryBus({ logger: createLogger({ level: 'silent' }) }),
  });
  const tenant = await store.createTenant({ name: 'acme' });
  const key = generateApiKey();
  await store.createApiKey({ tenantId: tenant.id, prefix: key.prefix, hash: key.hash });
  const { token } = await issueJwt(jwt, { tenantId: tenant.id, userId: 'alice', ttlSeconds: 600 });
  const owner: Principal = { kind: 'api-key', tenantId: tenant.id };

  harness = {
    protocol,
    store,
    model,
    voice,
    activeTurns,
    tenantId: tenant.id,
    apiKey: key.key,
    token,
    connect(principal: Principal | null = owner) {
      const socket = new FakeProtocolSocket();
      const connectionId = uuidv7();
      const session = protocol.open({ socket, principal, request: upgrade(''), connectionId });
      const send = (message: unknown) =>
        session.onText(typeof message === 'string' ? message : JSON.stringify(message));
      const connection: Connection = {
        socket,
        session,
        connectionId,
        send,
        speak(parts) {
          for (const chunk of pcmChunks(stretches(parts))) send({ type: 'audio_chunk', audio_data: chunk });
        },
        errors: () => socket.ofType('error'),
      };
      connections.push(connection);
      return connection;
    },
  };
  return harness;
}

function upgrade(query: string, headers: Record<string, string> = {}): UpgradeRequest {
  return { url: new URL(`http://127.0.0.1/ws${query}`), headers, ip: '127.0.0.1', params: {} };
}

const nextOfType = (
  connection: Connection,
  type: string,
  predicate: (message: Wire) => boolean = () => true,
) => connection.socket.waitFor((message) => message['type'] === type && predicate(message));

async function started(
  connection: Connection,
  message: Wire = { type: 'start_conversation' },
): Promise<string> {
  connection.send(message);
  const reply = await nextOfType(connection, 'conversation_started');
  return String(reply['session_id']);
}

describe('admission', () => {
  it('takes an API key or a JWT in any of the usual places', async () => {
    const { protocol, apiKey, token, tenantId } = await start();
    for (const request of [
      upgrade(`?api_key=${apiKey}`),
      upgrade(`?authorization=Bearer%20${apiKey}`),
      upgrade('', { authorization: `Bearer ${apiKey}` }),
      upgrade(`?token=${token}`),
    ]) {
      expect(await protocol.admit(request)).toMatchObject({ accepted: true, principal: { tenantId } });
    }
  });

  it('refuses a connection without a credential with AUTH_FAILED unless ALLOW_ANONYMOUS is set', async () => {
    const closed = await start();
    const refused = await closed.protocol.admit(upgrade(''));
    expect(refused.accepted).toBe(false);
    if (!refused.accepted) expect(refused.error.code).toBe('AUTH_FAILED');
    await harness?.store.close();

    const open = await start({ environment: { ALLOW_ANONYMOUS: 'true' } });
    expect(await open.protocol.admit(upgrade(''))).toEqual({ accepted: true, principal: null });
    // A credential that is wrong is still refused: anonymous access is not a fallback for it.
    const wrong = await open.protocol.admit(upgrade('?api_key=cai_not_a_key'));
    expect(wrong.accepted).toBe(false);
    if (!wrong.accepted) expect(wrong.error.code).toBe('AUTH_FAILED');
  });

  it("tells a refused client why in doc 001's error shape, then closes 1008 (1013 over a cap)", async () => {
    const { protocol } = await start();
    const refused = new FakeProtocolSocket();
    protocol.refuse(refused, new AppError('AUTH_FAILED'));
    expect(refused.sent).toEqual([
      { type: 'error', code: 'AUTH_FAILED', message: 'Invalid or expired authentication credentials.' },
    ]);
    expect(refused.closed?.code).toBe(1008);
    const capped = new FakeProtocolSocket();
    protocol.refuse(capped, new AppError('RATE_LIMITED', { retryAfterMs: 1000 }));
    expect(capped.sent[0]).toMatchObject({ type: 'error', code: 'RATE_LIMITED', retry_after_ms: 1000 });
    expect(capped.closed?.code).toBe(1013);
  });

  it('serves /ws with its own size cap and message rate', async () => {
    const { protocol } = await start({
      environment: { VOICE_WS_MAX_MESSAGE_BYTES: '2097152', LIMIT_VOICE_MESSAGES_PER_SECOND: '60' },
    });
    expect(protocol.match('/ws')).toEqual({});
    expect(protocol.match('/ws/')).toEqual({});
    expect(protocol.match('/ws/chat')).toBeUndefined();
    expect(protocol.match('/')).toBeUndefined();
    expect(protocol.maxMessageBytes).toBe(2_097_152);
    expect(protocol.messageRate).toEqual({ limitName: 'LIMIT_VOICE_MESSAGES_PER_SECOND', perSecond: 60 });
  });
});

describe('the conversation', () => {
  it('greets, starts, transcribes, answers with speech, and stores the turn in the session_id conversation', async () => {
    const { store, model, tenantId } = await start({ heard: ['hello there'] });
    const connection = harness!.connect();
    expect(connection.socket.sent[0]).toEqual({
      type: 'connection_established',
      connection_id: connection.connectionId,
      message: 'Connected to Conversational AI',
    });
    const sessionId = await started(connection);
    expect(await nextOfType(connection, 'conversation_started')).toEqual({
      type: 'conversation_started',
      session_id: sessionId,
      message: 'Ready to listen',
    });

    connection.speak([
      ['speech', 0.4],
      ['silence', 0.2],
    ]);
    expect(await nextOfType(connection, 'transcript')).toEqual({
      type: 'transcript',
      text: 'hello there',
      is_final: true,
      turn_detected: true,
    });
    const call = await model.call(0);
    call.text('Hi! ', 'Nice to hear you.');
    call.finish();
    const response = await nextOfType(connection, 'ai_response');
    expect(Object.keys(response).sort()).toEqual(['audio_data', 'text', 'type']);
    expect(response['text']).toBe('Hi! Nice to hear you.');
    const audio = parseWav(new Uint8Array(Buffer.from(String(response['audio_data']), 'base64')));
    expect(audio).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(audio.samples.length).toBeGreaterThan(0);

    await harness!.activeTurns.whenIdle();
    const conversation = await store.getConversation({ tenantId }, sessionId);
    expect(conversation).toMatchObject({ id: sessionId, metadata: { protocol: 'voice' } });
    const messages = await store.listMessages({ tenantId }, sessionId, {
      offset: 0,
      limit: 10,
      order: 'asc',
    });
    expect(messages.items.map((message) => [message.role, message.content, message.status])).toEqual([
      ['user', 'hello there', 'complete'],
      ['assistant', 'Hi! Nice to hear you.', 'complete'],
    ]);
    expect(connection.errors()).toEqual([]);
  });

  it('keeps audio sent right after start_conversation, before conversation_started went out', async () => {
    const { model } = await start({ heard: ['early words'] });
    const connection = harness!.connect();
    connection.send({ type: 'start_conversation' });
    connection.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    await nextOfType(connection, 'transcript');
    const types = connection.socket.sent.map((message) => (message as Wire)['type']);
    expect(types.slice(0, 3)).toEqual(['connection_established', 'conversation_started', 'transcript']);
    await model.call(0);
  });

  it('with stream_sentences sends an ai_response per sentence', async () => {
    const { model } = await start();
    const connection = harness!.connect();
    await started(connection, { type: 'start_conversation', stream_sentences: true });
    connection.send({ type: 'text_input', text: 'hi' });
    const call = await model.call(0);
    call.text('One. ', 'Two.');
    call.finish();
    await nextOfType(connection, 'ai_response', (message) => message['text'] === 'Two.');
    expect(connection.socket.ofType('ai_response').map((message) => message['text'])).toEqual([
      'One.',
      'Two.',
    ]);
  });

  it('stores a JWT user’s conversation under that user', async () => {
    const { store, model, tenantId } = await start();
    const connection = harness!.connect({ kind: 'jwt', tenantId, userId: 'alice' });
    const sessionId = await started(connection);
    connection.send({ type: 'text_input', text: 'hi' });
    const call = await model.call(0);
    call.text('Hello Alice.');
    call.finish();
    await nextOfType(connection, 'ai_response');
    await harness!.activeTurns.whenIdle();
    expect(await store.getConversation({ tenantId, userId: 'alice' }, sessionId)).toMatchObject({
      userId: 'alice',
    });
    expect(await store.getConversation({ tenantId, userId: 'bob' }, sessionId)).toBeUndefined();
  });

  it('ends the conversation on end_conversation; audio after it gets NO_SESSION', async () => {
    const { model } = await start();
    const connection = harness!.connect();
    await started(connection);
    connection.send({ type: 'text_input', text: 'a long story please' });
    const call = await model.call(0);
    call.text('Once upon a time. ', 'There');
    connection.send({ type: 'end_conversation' });
    expect(await nextOfType(connection, 'conversation_ended')).toEqual({
      type: 'conversation_ended',
      message: 'Conversation ended',
    });
    await harness!.activeTurns.whenIdle();
    expect(call.aborted).toBe(true);
    connection.speak([['speech', 0.02]]);
    expect(connection.errors().at(-1)).toMatchObject({ code: 'NO_SESSION' });
    expect(connection.socket.ofType('ai_response')).toEqual([]);
  });

  it('starts afresh on a second start_conversation, in a new conversation', async () => {
    await start();
    const connection = harness!.connect();
    const first = await started(connection);
    connection.send({ type: 'start_conversation' });
    await connection.socket.waitFor(
      (message) => message['type'] === 'conversation_started' && message['session_id'] !== first,
    );
    expect(connection.socket.ofType('conversation_started')).toHaveLength(2);
  });

  it('stops a running speech-to-text when the socket closes', async () => {
    const { voice } = await start({ heard: ['never sent'] });
    voice.speechToText.gate = new Gate();
    const connection = harness!.connect();
    await started(connection);
    connection.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    while (voice.speechToText.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    connection.session.onClose(1006);
    expect(voice.speechToText.requests[0]!.signal.aborted).toBe(true);
    expect(connection.session.busy).toBe(false);
  });
});

describe('errors, and the connection keeps serving', () => {
  it('answers malformed JSON, an unknown type and a bad field in doc 001’s codes', async () => {
    await start();
    const connection = harness!.connect();
    connection.send('{not json');
    connection.send({ type: 'dance' });
    connection.send([1, 2]);
    connection.send({ type: 'audio_chunk' });
    const [invalidJson, unknown, notObject, badField] = connection.errors();
    expect(invalidJson).toMatchObject({ type: 'error', code: 'INVALID_JSON' });
    expect(String(invalidJson!['message'])).toMatch(/^Invalid JSON format/);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_TYPE' });
    expect(String(unknown!['message'])).toMatch(/^Unknown message type: dance/);
    expect(notObject).toMatchObject({ code: 'UNKNOWN_TYPE' });
    expect(badField).toMatchObject({ code: 'PROCESSING_ERROR' });
    expect(String(badField!['message'])).toContain('audio_data');
    await started(connection);
  });

  it('answers audio or text before start_conversation with NO_SESSION', async () => {
    await start();
    const connection = harness!.connect();
    connection.speak([['speech', 0.02]]);
    connection.send({ type: 'text_input', text: 'hello' });
    expect(connection.errors()).toEqual([
      expect.objectContaining({
        code: 'NO_SESSION',
        message: expect.stringMatching(/^No active conversation session/),
      }),
      expect.objectContaining({ code: 'NO_SESSION' }),
    ]);
  });

  it('answers unreadable audio with PROCESSING_ERROR and goes on listening', async () => {
    await start({ heard: ['still here'] });
    const connection = harness!.connect();
    await started(connection);
    connection.send({ type: 'audio_chunk', audio_data: 'this is not base64!' });
    connection.send({ type: 'audio_chunk', audio_data: Buffer.from('RIFFxxxxWAVE').toString('base64') });
    const errors = connection.errors();
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(error).toMatchObject({ type: 'error', code: 'PROCESSING_ERROR' });
      expect(String(error['message'])).toMatch(/^Audio processing error: /);
    }
    connection.speak([
      ['speech', 0.3],
      ['silence', 0.2],
    ]);
    expect((await nextOfType(connection, 'transcript'))['text']).toBe('still here');
  });

  it('answers binary frames with INVALID_JSON', async () => {
    await start();
    const connection = harness!.connect();
    connection.session.onBinary(Buffer.from([1, 2, 3]));
    expect(connection.errors()[0]).toMatchObject({ code: 'INVALID_JSON' });
  });

  it('reports a rate-limited message with retry_after_ms', async () => {
    await start();
    const connection = harness!.connect();
    connection.session.onRefused(new AppError('RATE_LIMITED', { retryAfterMs: 250 }));
    expect(connection.errors()[0]).toMatchObject({ code: 'RATE_LIMITED', retry_after_ms: 250 });
  });

  it('answers start_conversation with PROCESSING_ERROR naming the install command when an engine is missing', async () => {
    const { voice } = await start();
    voice.speechToText.available = false;
    const connection = harness!.connect();
    connection.send({ type: 'start_conversation' });
    const error = await nextOfType(connection, 'error');
    expect(error['code']).toBe('PROCESSING_ERROR');
    expect(String(error['message'])).toContain('apt-get install scripted-stt');
    expect(connection.socket.ofType('conversation_started')).toEqual([]);
    connection.speak([['speech', 0.02]]);
    expect(connection.errors().at(-1)).toMatchObject({ code: 'NO_SESSION' });
  });
});

describe('anonymous connections', () => {
  it('store their conversation in the built-in anonymous tenant, one user per connection', async () => {
    const { store, model, tenantId } = await start({ environment: { ALLOW_ANONYMOUS: 'true' } });
    const connection = harness!.connect(null);
    const sessionId = await started(connection);
    connection.send({ type: 'text_input', text: 'who am I?' });
    const call = await model.call(0);
    call.text('Nobody in particular.');
    call.finish();
    await nextOfType(connection, 'ai_response');
    await harness!.activeTurns.whenIdle();

    expect(await store.getTenant(ANONYMOUS_TENANT_ID)).toMatchObject({ name: 'anonymous' });
    const own = anonymousScope(connection.connectionId);
    expect(await store.getConversation(own, sessionId)).toMatchObject({ userId: own.userId });
    const messages = await store.listMessages(own, sessionId, { offset: 0, limit: 10, order: 'asc' });
    expect(messages.items.map((message) => message.content)).toEqual(['who am I?', 'Nobody in particular.']);
    // No real tenant, and no other anonymous connection, sees it.
    expect(await store.getConversation({ tenantId }, sessionId)).toBeUndefined();
    expect(await store.getConversation(anonymousScope(uuidv7()), sessionId)).toBeUndefined();

    // A second anonymous connection reuses the tenant.
    const other = harness!.connect(null);
    await started(other);
    other.send({ type: 'text_input', text: 'me too' });
    (await model.call(1)).finish();
    await harness!.activeTurns.whenIdle();
    const otherConversations = await store.listConversations(
      anonymousScope(other.connectionId),
      {},
      { offset: 0, limit: 10, order: 'asc' },
    );
    expect(otherConversations.total).toBe(1);
  });
});
