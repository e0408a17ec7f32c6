import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../core/errors.ts';
import {
  connect,
  createKit,
  Gate,
  ScriptedModel,
  upstreamFailure,
  type Kit,
} from './chat-stream-test-kit.ts';
import { createSessionChatProtocol } from './session-chat-protocol.ts';
import type { SessionChatSession } from './session-chat-session.ts';
import type { WsProtocol } from './ws-protocol.ts';

// Doc 003 over a FakeProtocolSocket, with a real SQLite store and a real engine.

let kit: Kit;
let protocol: WsProtocol;

beforeEach(async () => {
  kit = await createKit();
  protocol = createSessionChatProtocol(kit.dependencies);
});
afterEach(() => kit.close());

async function open(path: string, userId = 'alice') {
  const token = await kit.tokenFor(userId);
  const connection = await connect<SessionChatSession>(protocol, path, { authorization: `Bearer ${token}` });
  await connection.session?.ready;
  return connection;
}

const replyOf = (sessionId: string) => (message: Record<string, unknown>) =>
  'message' in message && message['session_id'] === sessionId;

describe('doc 003 session chat', () => {
  it('serves /chat/ and /chat only', () => {
    expect(protocol.match('/chat/')).toEqual({});
    expect(protocol.match('/chat')).toEqual({});
    expect(protocol.match('/chat/x')).toBeUndefined();
    expect(protocol.match('/ws/chat')).toBeUndefined();
  });

  it('creates a session for the JWT user, sends its session_id first, and answers with the whole reply', async () => {
    const { socket, session } = await open('/chat/');
    const greeting = socket.sent[0] as { session_id: string };
    expect(Object.keys(greeting)).toEqual(['session_id']);
    const sessionId = greeting.session_id;

    session!.onText(JSON.stringify({ message: 'Hello AI!', session_id: sessionId }));
    const reply = await socket.waitFor(replyOf(sessionId));
    expect(reply).toEqual({ message: 'Hello there.', session_id: sessionId });
    expect(socket.sent).toHaveLength(2);

    const alice = { tenantId: kit.tenantId, userId: 'alice' };
    expect(await kit.store.getConversation(alice, sessionId)).toMatchObject({ userId: 'alice' });
    const stored = await kit.messages(alice, sessionId);
    expect(stored.map((message) => [message.role, message.content, message.status])).toEqual([
      ['user', 'Hello AI!', 'complete'],
      ['assistant', 'Hello there.', 'complete'],
    ]);
    const metrics = await kit.dependencies.metrics.registry.getSingleMetricAsString('cai_turns_total');
    expect(metrics).toContain('finish_reason="stop"} 1');
  });

  it('accepts the token as ?token= for browsers', async () => {
    const token = await kit.tokenFor('alice');
    const { socket, session } = await connect<SessionChatSession>(protocol, `/chat?token=${token}`);
    await session!.ready;
    expect(socket.sent[0]).toHaveProperty('session_id');
    expect(socket.closed).toBeUndefined();
  });

  it('refuses an API key, saying a user JWT is needed and where to get one', async () => {
    const { socket, session } = await connect(protocol, '/chat/', { authorization: `Bearer ${kit.apiKey}` });
    expect(session).toBeUndefined();
    const refusal = socket.sent[0] as { error: { code: string; message: string } };
    expect(refusal.error.code).toBe('AUTH_FAILED');
    expect(refusal.error.message).toContain('JWT');
    expect(refusal.error.message).toContain('POST /api/v1/auth/token');
    expect(socket.closed?.code).toBe(1008);
  });

  it('refuses a missing or forged token with 1008', async () => {
    const missing = await connect(protocol, '/chat/');
    expect(missing.socket.sent[0]).toMatchObject({ error: { code: 'AUTH_REQUIRED' } });
    expect(missing.socket.closed?.code).toBe(1008);

    const token = await kit.tokenFor('alice');
    const forged = await connect(protocol, '/chat/', { authorization: `Bearer ${token.slice(0, -3)}abc` });
    expect(forged.socket.sent[0]).toMatchObject({ error: { code: 'AUTH_FAILED' } });
    expect(forged.socket.closed?.code).toBe(1008);
  });

  it('continues a session by ?session_id= with its history and sends no greeting', async () => {
    const first = await open('/chat/');
    const sessionId = (first.socket.sent[0] as { session_id: string }).session_id;
    first.session!.onText(JSON.stringify({ message: 'My name is Ada.' }));
    await first.socket.waitFor(replyOf(sessionId));
    first.drop(1000);

    const again = await open(`/chat/?session_id=${sessionId}`);
    expect(again.socket.sent).toEqual([]);
    again.session!.onText(JSON.stringify({ message: 'What is my name?', session_id: sessionId }));
    expect(await again.socket.waitFor(replyOf(sessionId))).toEqual({
      message: 'Hello there.',
      session_id: sessionId,
    });
    expect(kit.model.requests[1]!.messages.map((message) => message.content)).toEqual([
      'My name is Ada.',
      'Hello there.',
      'What is my name?',
    ]);
  });

  it("refuses another user's session and an unknown one: error with the session_id, then 1008", async () => {
    const alice = await open('/chat/', 'alice');
    const sessionId = (alice.socket.sent[0] as { session_id: string }).session_id;

    const bob = await open(`/chat/?session_id=${sessionId}`, 'bob');
    expect(bob.socket.sent).toEqual([
      { error: { code: 'CHAT_NOT_FOUND', message: expect.any(String) }, session_id: sessionId },
    ]);
    expect(bob.socket.closed?.code).toBe(1008);

    const unknown = await open('/chat/?session_id=no-such-session', 'alice');
    expect(unknown.socket.sent[0]).toMatchObject({
      error: { code: 'CHAT_NOT_FOUND' },
      session_id: 'no-such-session',
    });
    expect(unknown.socket.closed?.code).toBe(1008);
  });

  it("refuses a session of another tenant's user with the same user id", async () => {
    const alice = await open('/chat/', 'alice');
    const sessionId = (alice.socket.sent[0] as { session_id: string }).session_id;
    const other = await kit.otherTenant();
    const token = await kit.tokenFor('alice', other.tenantId);
    const intruder = await connect<SessionChatSession>(protocol, `/chat/?session_id=${sessionId}`, {
      authorization: `Bearer ${token}`,
    });
    await intruder.session!.ready;
    expect(intruder.socket.sent[0]).toMatchObject({ error: { code: 'CHAT_NOT_FOUND' } });
    expect(intruder.socket.closed?.code).toBe(1008);
  });

  it('answers bad frames with an error and stays open', async () => {
    const { socket, session } = await open('/chat/');
    const sessionId = (socket.sent[0] as { session_id: string }).session_id;
    session!.onText('{not json');
    session!.onText(JSON.stringify({ text: 'no message field' }));
    session!.onText(JSON.stringify(['an array']));
    session!.onText(JSON.stringify({ message: '   ' }));
    session!.onBinary(Buffer.from([1, 2, 3]));
    session!.onText(JSON.stringify({ message: 'Hi', session_id: 'another-session' }));
    await socket.waitFor(
      (message) =>
        (message['error'] as { message?: string } | undefined)?.message?.includes('another-session') ?? false,
    );

    const codes = socket.sent.slice(1).map((message) => (message as { error: { code: string } }).error.code);
    expect(codes).toEqual([
      'INVALID_JSON',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'INVALID_REQUEST',
      'VALIDATION_FAILED',
    ]);
    for (const message of socket.sent.slice(1)) expect(message).toHaveProperty('session_id', sessionId);
    expect(socket.closed).toBeUndefined();
    expect(kit.model.requests).toHaveLength(0);

    session!.onText(JSON.stringify({ message: 'Still there?' }));
    expect(await socket.waitFor(replyOf(sessionId))).toEqual({
      message: 'Hello there.',
      session_id: sessionId,
    });
  });

  it('reports a model failure as an error with the session_id and stores the reply as error', async () => {
    kit.model = new ScriptedModel([[{ delta: 'Par' }, { fail: upstreamFailure() }]]);
    const { socket, session } = await open('/chat/');
    const sessionId = (socket.sent[0] as { session_id: string }).session_id;
    session!.onText(JSON.stringify({ message: 'Hi' }));
    const error = await socket.waitFor((message) => 'error' in message);
    expect(error).toEqual({
      error: { code: 'MODEL_ERROR', message: 'The provider failed.' },
      session_id: sessionId,
    });
    const stored = await kit.messages({ tenantId: kit.tenantId, userId: 'alice' }, sessionId);
    expect(stored[1]).toMatchObject({ role: 'assistant', content: 'Par', status: 'error' });
  });

  it('reports a refused (rate-limited) frame with retry_after_ms', async () => {
    const { socket, session } = await open('/chat/');
    session!.onRefused(new AppError('RATE_LIMITED', { retryAfterMs: 250 }));
    expect(socket.sent[1]).toMatchObject({ error: { code: 'RATE_LIMITED', retry_after_ms: 250 } });
    expect(socket.closed).toBeUndefined();
  });

  it('answers messages sent during a reply one at a time, in order, and is busy meanwhile', async () => {
    const gate = new Gate();
    kit.model = new ScriptedModel([
      [{ delta: 'First.' }, { wait: gate }, { finish: 'stop' }],
      [{ delta: 'Second.' }, { finish: 'stop' }],
    ]);
    const { socket, session } = await open('/chat/');
    const sessionId = (socket.sent[0] as { session_id: string }).session_id;
    session!.onText(JSON.stringify({ message: 'one' }));
    session!.onText(JSON.stringify({ message: 'two' }));
    await kit.model.called(1);
    expect(session!.busy).toBe(true);
    expect(kit.model.requests).toHaveLength(1);

    gate.open();
    await socket.waitFor((message) => message['message'] === 'Second.');
    expect(socket.sent.slice(1)).toEqual([
      { message: 'First.', session_id: sessionId },
      { message: 'Second.', session_id: sessionId },
    ]);
    expect(session!.busy).toBe(false);
  });

  it('interrupts the reply when the client leaves and stores it as interrupted', async () => {
    const gate = new Gate();
    kit.model = new ScriptedModel([[{ delta: 'Half a ' }, { wait: gate }, { delta: 'reply.' }]]);
    const { socket, session, drop } = await open('/chat/');
    const sessionId = (socket.sent[0] as { session_id: string }).session_id;
    session!.onText(JSON.stringify({ message: 'Tell me' }));
    await kit.model.called(1);
    drop();

    const alice = { tenantId: kit.tenantId, userId: 'alice' };
    await vi.waitFor(async () => expect((await kit.messages(alice, sessionId))[1]).toBeDefined());
    expect(kit.model.aborted[0]).toBe(true);
    expect((await kit.messages(alice, sessionId))[1]).toMatchObject({
      role: 'assistant',
      content: 'Half a ',
      status: 'interrupted',
    });
    await kit.dependencies.activeTurns.whenIdle();
    expect(await kit.dependencies.metrics.registry.getSingleMetricAsString('cai_active_streams')).toContain(
      'cai_active_streams 0',
    );
  });
});
