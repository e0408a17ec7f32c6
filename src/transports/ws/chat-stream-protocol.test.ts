import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../core/errors.ts';
import type { ChatStreamConnection } from './chat-stream-connection.ts';
import { createChatStreamProtocol, type ChatStreamProtocol } from './chat-stream-protocol.ts';
import {
  connect,
  createKit,
  Gate,
  ScriptedModel,
  upstreamFailure,
  USAGE,
  type Kit,
} from './chat-stream-test-kit.ts';

// Doc 004 over a FakeProtocolSocket, with a real SQLite store and a real engine.

let kit: Kit;
let protocol: ChatStreamProtocol;

beforeEach(async () => {
  kit = await createKit();
  protocol = createChatStreamProtocol(kit.dependencies);
});
afterEach(async () => {
  protocol.sessions.expireAll();
  await kit.close();
});

async function open(query: string, headers: Record<string, string> = {}) {
  const connection = await connect<ChatStreamConnection>(protocol, `/ws/chat?${query}`, headers);
  await connection.session?.ready;
  return connection;
}

async function createChat(userId: string): Promise<string> {
  await kit.store.ensureUser(kit.tenantId, userId);
  return (await kit.store.createConversation({ tenantId: kit.tenantId }, { userId })).id;
}

const ended = (message: Record<string, unknown>) => message['type'] === 'message_stream_ended';
const withoutSeq = (messages: unknown[]) =>
  messages.map((message) => {
    const { seq: _seq, ...rest } = message as Record<string, unknown>;
    return rest;
  });

describe('doc 004 chat stream', () => {
  it('serves /ws/chat only', () => {
    expect(protocol.match('/ws/chat')).toEqual({});
    expect(protocol.match('/ws/chat/')).toEqual({});
    expect(protocol.match('/chat/')).toBeUndefined();
  });

  it('greets, then streams every event in order with increasing seq, and stores both messages', async () => {
    const chatId = await createChat('user123');
    const { socket, session } = await open(`api_key=${kit.apiKey}&user_id=user123&chat_id=${chatId}`);
    const connectionId = (socket.sent[0] as { connection_id: string }).connection_id;
    expect(socket.sent).toEqual([
      { type: 'connection_established', connection_id: connectionId, chat_id: chatId, user_id: 'user123' },
    ]);

    session!.onText(
      JSON.stringify({ content: 'Hello, I need help with my account', client_message_id: 'c-1' }),
    );
    await socket.waitFor(ended);

    const owner = { tenantId: kit.tenantId, userId: 'user123' };
    const [userMessage, assistantMessage] = await kit.messages(owner, chatId);
    expect(userMessage).toMatchObject({
      role: 'user',
      content: 'Hello, I need help with my account',
      clientMessageId: 'c-1',
    });
    expect(assistantMessage).toMatchObject({
      role: 'assistant',
      content: 'Hello there.',
      status: 'complete',
    });
    expect(socket.sent.slice(1)).toEqual([
      {
        type: 'message_received',
        message_id: userMessage!.id,
        chat_id: chatId,
        content: 'Hello, I need help with my account',
        client_message_id: 'c-1',
        created_at: userMessage!.createdAt,
        seq: 1,
      },
      {
        type: 'message_stream_started',
        message_id: assistantMessage!.id,
        chat_id: chatId,
        model: 'fake:scripted',
        seq: 2,
      },
      { type: 'message_stream_token', message_id: assistantMessage!.id, token: 'Hello', seq: 3 },
      { type: 'message_stream_token', message_id: assistantMessage!.id, token: ' there.', seq: 4 },
      {
        type: 'message_stream_ended',
        message_id: assistantMessage!.id,
        chat_id: chatId,
        content: 'Hello there.',
        finish_reason: 'stop',
        usage: {
          prompt_tokens: USAGE.inputTokens,
          completion_tokens: USAGE.outputTokens,
          total_tokens: USAGE.totalTokens,
        },
        seq: 5,
      },
    ]);
    const tokens =
      await kit.dependencies.metrics.registry.getSingleMetricAsString('cai_streamed_tokens_total');
    expect(tokens).toContain('cai_streamed_tokens_total 2');
  });

  it('sends user_created only for a user seen for the first time', async () => {
    const first = await open(`api_key=${kit.apiKey}&user_id=newcomer`);
    expect(first.socket.sent.map((message) => (message as { type: string }).type)).toEqual([
      'connection_established',
      'user_created',
    ]);
    expect(first.socket.sent[1]).toEqual({ type: 'user_created', user_id: 'newcomer' });

    const second = await open(`api_key=${kit.apiKey}&user_id=newcomer`);
    expect(second.socket.sent.map((message) => (message as { type: string }).type)).toEqual([
      'connection_established',
    ]);
  });

  it('creates a chat for the user when no chat_id is given', async () => {
    const { socket } = await open(`api_key=${kit.apiKey}&user_id=user123`);
    const chatId = (socket.sent[0] as { chat_id: string }).chat_id;
    expect(await kit.store.getConversation({ tenantId: kit.tenantId }, chatId)).toMatchObject({
      userId: 'user123',
    });
  });

  it('takes a user JWT: user_id defaults to its user and must match when given', async () => {
    const token = await kit.tokenFor('alice');
    const byToken = await open('', { authorization: `Bearer ${token}` });
    expect(byToken.socket.sent[0]).toMatchObject({ type: 'connection_established', user_id: 'alice' });

    const mismatch = await open(`token=${token}&user_id=bob`);
    expect(mismatch.session).toBeUndefined();
    expect(mismatch.socket.sent[0]).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
      details: { hint: expect.any(String) },
    });
    expect(mismatch.socket.closed?.code).toBe(1008);
  });

  it('refuses an API key without user_id with details, then 1008', async () => {
    const { socket, session } = await open(`api_key=${kit.apiKey}`);
    expect(session).toBeUndefined();
    expect(socket.sent).toEqual([
      {
        type: 'error',
        code: 'VALIDATION_FAILED',
        message: 'user_id is required.',
        details: { hint: expect.stringContaining('user_id=') },
      },
    ]);
    expect(socket.closed?.code).toBe(1008);
  });

  it('refuses a bad key with AUTH_FAILED and details', async () => {
    const { socket } = await open('api_key=cai_nope&user_id=user123');
    expect(socket.sent[0]).toMatchObject({
      type: 'error',
      code: 'AUTH_FAILED',
      details: { hint: expect.any(String) },
    });
    expect(socket.closed?.code).toBe(1008);
  });

  it('refuses a chat of another tenant or another user with CHAT_NOT_FOUND, then 1008', async () => {
    const chatId = await createChat('user123');
    const other = await kit.otherTenant();
    const foreign = await open(`api_key=${other.apiKey}&user_id=user123&chat_id=${chatId}`);
    expect(foreign.socket.sent).toEqual([
      {
        type: 'error',
        code: 'CHAT_NOT_FOUND',
        message: `Chat ${chatId} not found.`,
        details: { hint: expect.stringContaining('POST /api/v1/chats/'), chat_id: chatId },
      },
    ]);
    expect(foreign.socket.closed?.code).toBe(1008);

    const otherUser = await open(`api_key=${kit.apiKey}&user_id=mallory&chat_id=${chatId}`);
    expect(otherUser.socket.sent[0]).toMatchObject({ type: 'error', code: 'CHAT_NOT_FOUND' });
    expect(otherUser.socket.closed?.code).toBe(1008);
    expect(await kit.messages({ tenantId: kit.tenantId }, chatId)).toEqual([]);
  });

  it('answers a resent client_message_id with the stored messages, marked duplicate, without calling the model', async () => {
    const chatId = await createChat('user123');
    const { socket, session } = await open(`api_key=${kit.apiKey}&user_id=user123&chat_id=${chatId}`);
    session!.onText(JSON.stringify({ content: 'Hi', client_message_id: 'once' }));
    const first = await socket.waitFor(ended);
    const firstReceived = socket.ofType('message_received')[0]!;

    session!.onText(JSON.stringify({ content: 'Hi', client_message_id: 'once' }));
    await socket.waitFor((message) => ended(message) && message['duplicate'] === true);

    expect(kit.model.requests).toHaveLength(1);
    expect(await kit.messages({ tenantId: kit.tenantId }, chatId)).toHaveLength(2);
    const [received, end] = withoutSeq(socket.sent.slice(-2));
    expect(received).toEqual({ ...withoutSeq([firstReceived])[0], duplicate: true });
    expect(end).toEqual({ ...withoutSeq([first])[0], duplicate: true });
  });

  it('answers messages sent while a reply streams one at a time, in order', async () => {
    const gate = new Gate();
    kit.model = new ScriptedModel([
      [{ delta: 'One' }, { wait: gate }, { finish: 'stop' }],
      [{ delta: 'Two' }, { finish: 'stop' }],
    ]);
    const { socket, session } = await open(`api_key=${kit.apiKey}&user_id=user123`);
    session!.onText(JSON.stringify({ content: 'first' }));
    session!.onText(JSON.stringify({ content: 'second' }));
    await socket.waitFor((message) => message['type'] === 'message_stream_token');
    expect(session!.busy).toBe(true);
    expect(socket.ofType('message_received')).toHaveLength(1);
    expect(kit.model.requests).toHaveLength(1);

    gate.open();
    await vi.waitFor(() => expect(socket.ofType('message_stream_ended')).toHaveLength(2));
    const types = socket.sent.slice(2).map((message) => (message as { type: string }).type);
    expect(types).toEqual([
      'message_received',
      'message_stream_started',
      'message_stream_token',
      'message_stream_ended',
      'message_received',
      'message_stream_started',
      'message_stream_token',
      'message_stream_ended',
    ]);
    expect(socket.ofType('message_received').map((message) => message['content'])).toEqual([
      'first',
      'second',
    ]);
    const seqs = socket.sent.slice(2).map((message) => (message as { seq: number }).seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('stop interrupts the current reply, which ends as interrupted and is stored so', async () => {
    const gate = new Gate();
    kit.model = new ScriptedModel([[{ delta: 'Partial' }, { wait: gate }, { delta: ' never' }]]);
    const { socket, session } = await open(`api_key=${kit.apiKey}&user_id=user123`);
    const chatId = (socket.sent[0] as { chat_id: string }).chat_id;
    session!.onText(JSON.stringify({ content: 'go' }));
    await socket.waitFor((message) => message['type'] === 'message_stream_token');
    session!.onText(JSON.stringify({ type: 'stop' }));
    const end = await socket.waitFor(ended);
    expect(end).toMatchObject({ content: 'Partial', finish_reason: 'interrupted' });
    expect(kit.model.aborted[0]).toBe(true);
    const stored = await kit.messages({ tenantId: kit.tenantId }, chatId);
    expect(stored[1]).toMatchObject({ content: 'Partial', status: 'interrupted' });
  });

  it('reports a model failure as an error event, then message_stream_ended with finish_reason error', async () => {
    kit.model = new ScriptedModel([[{ delta: 'Par' }, { fail: upstreamFailure() }]]);
    const { socket, session } = await open(`api_key=${kit.apiKey}&user_id=user123`);
    session!.onText(JSON.stringify({ content: 'go' }));
    await socket.waitFor(ended);
    const [error, end] = socket.sent.slice(-2) as Array<Record<string, unknown>>;
    expect(error).toMatchObject({
      type: 'error',
      code: 'MODEL_ERROR',
      message: 'The provider failed.',
      details: { hint: expect.any(String), message_id: end!['message_id'] },
    });
    expect(end).toMatchObject({ content: 'Par', finish_reason: 'error' });
    expect((end!['seq'] as number) - (error!['seq'] as number)).toBe(1);
  });

  it('answers bad frames with errors whose details say how to fix them, and stays open', async () => {
    const { socket, session } = await open(`api_key=${kit.apiKey}&user_id=user123`);
    session!.onText('not json');
    session!.onText(JSON.stringify({ message: 'wrong field' }));
    session!.onText(JSON.stringify({ type: 'dance' }));
    session!.onText(JSON.stringify({ content: 'x', client_message_id: 42 }));
    session!.onText(JSON.stringify({ type: 'resume' }));
    session!.onBinary(Buffer.from([0]));
    session!.onRefused(new AppError('RATE_LIMITED', { retryAfterMs: 100 }));
    session!.onText(JSON.stringify({ type: 'ping' }));
    await socket.waitFor((message) => message['type'] === 'pong');

    const answers = socket.sent.slice(2) as Array<Record<string, unknown>>;
    expect(answers[0]).toEqual({
      type: 'error',
      code: 'INVALID_JSON',
      message: 'Invalid JSON format',
      details: { hint: 'Send one JSON object per text frame, e.g. {"content":"Hello"}' },
    });
    expect(answers.map((message) => message['code'] ?? message['type'])).toEqual([
      'INVALID_JSON',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'INVALID_REQUEST',
      'RATE_LIMITED',
      'pong',
    ]);
    expect(answers[6]).toMatchObject({ details: { retry_after_ms: 100 } });
    for (const answer of answers) {
      expect(answer).not.toHaveProperty('seq');
      if (answer['type'] === 'error') expect((answer['details'] as { hint: string }).hint).not.toBe('');
    }
    expect(socket.closed).toBeUndefined();
    expect(kit.model.requests).toHaveLength(0);
  });

  it('interrupts the reply when the grace period ends with nobody resuming', async () => {
    await kit.close();
    kit = await createKit({ RESUME_GRACE_MS: '0' });
    protocol = createChatStreamProtocol(kit.dependencies);
    const gate = new Gate();
    kit.model = new ScriptedModel([[{ delta: 'Lost' }, { wait: gate }]]);
    const { socket, session, drop } = await open(`api_key=${kit.apiKey}&user_id=user123`);
    const chatId = (socket.sent[0] as { chat_id: string }).chat_id;
    session!.onText(JSON.stringify({ content: 'go' }));
    await socket.waitFor((message) => message['type'] === 'message_stream_token');
    drop();
    await vi.waitFor(async () =>
      expect((await kit.messages({ tenantId: kit.tenantId }, chatId))[1]).toBeDefined(),
    );
    expect((await kit.messages({ tenantId: kit.tenantId }, chatId))[1]).toMatchObject({
      status: 'interrupted',
    });
    expect(kit.model.aborted[0]).toBe(true);
  });
});
