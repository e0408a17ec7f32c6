import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineReply } from '../../../src/models/offline-chat-model.ts';
import { startTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { ChatStreamSocket, type ChatStreamSocketOptions } from './chat-stream-socket.ts';
import { NotFoundError } from './errors.ts';
import { CaiClient } from './rest-client.ts';
import { trackedWebSocket } from './tracked-websocket.test-support.ts';

// Doc 004 over real sockets against a real cai server.

const expectedReply = (prompt: string) => offlineReply([{ role: 'user', content: prompt }]);

describe('ChatStreamSocket (doc 004)', () => {
  let server: TestApp;
  let apiKey: string;
  let client: CaiClient;
  const opened: ChatStreamSocket[] = [];

  const connect = async (options: Partial<ChatStreamSocketOptions>) => {
    const socket = new ChatStreamSocket({ url: server.baseUrl, apiKey, ...options });
    opened.push(socket);
    await socket.connect();
    return socket;
  };

  beforeAll(async () => {
    server = await startTestApp({ OFFLINE_MODEL_TOKEN_DELAY_MS: '15' });
    apiKey = (await server.createTenant('sdk-chat-stream')).apiKey;
    client = new CaiClient({ baseUrl: server.baseUrl, apiKey });
  });
  afterAll(async () => {
    for (const socket of opened) socket.close();
    await server.close();
  });

  it('makes a chat for a new user, announces the user, and streams a reply token by token', async () => {
    const socket = new ChatStreamSocket({ url: server.baseUrl, apiKey, userId: 'newcomer' });
    opened.push(socket);
    const created: string[] = [];
    socket.on('user-created', (event) => created.push(event.userId));
    await socket.connect();
    expect(socket.chatId).toEqual(expect.any(String));

    const reply = socket.send('Hello, I need help with my account');
    const tokens: string[] = [];
    for await (const token of reply) tokens.push(token);
    const result = await reply.result;
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.join('')).toBe(expectedReply('Hello, I need help with my account'));
    expect(result).toMatchObject({ chatId: socket.chatId, finishReason: 'stop', duplicate: false });
    expect((await reply.received).messageId).toEqual(expect.any(String));
    expect(created).toEqual(['newcomer']);

    const history = await client.listMessages(socket.chatId!);
    expect(history.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
  });

  it('continues a chat made over REST and answers messages in order', async () => {
    const chat = await client.createChat({ userId: 'ada' });
    const socket = await connect({ userId: 'ada', chatId: chat.id });
    expect(socket.chatId).toBe(chat.id);
    const first = socket.send('first');
    const second = socket.send('second');
    expect(await first.text).toBe(expectedReply('first'));
    expect(await second.text).toBe(expectedReply('second'));
  });

  it('does not answer a resent client_message_id twice', async () => {
    const socket = await connect({ userId: 'ada' });
    const first = await socket.send('only once', { clientMessageId: 'cm-1' }).result;
    const again = await socket.send('only once', { clientMessageId: 'cm-1' }).result;
    expect(again).toMatchObject({ duplicate: true, content: first.content, messageId: first.messageId });
    expect((await client.listMessages(socket.chatId!)).total).toBe(2);
  });

  it('refuses an unknown chat with NotFoundError CHAT_NOT_FOUND', async () => {
    const error = await connect({ userId: 'ada', chatId: 'no-such-chat' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ code: 'CHAT_NOT_FOUND' });
  });

  it('stops the reply being streamed', async () => {
    const socket = await connect({ userId: 'ada' });
    const reply = socket.send('stop me');
    for await (const _token of reply) {
      socket.stop();
      break;
    }
    const result = await reply.result;
    expect(result.finishReason).toBe('interrupted');
    expect(result.content.length).toBeLessThan(expectedReply('stop me').length);
  });

  it('resumes after its socket is cut mid-reply: every token once, in order', async () => {
    const tracked = trackedWebSocket();
    const socket = await connect({
      userId: 'ada',
      WebSocket: tracked.WebSocket,
      reconnect: { baseDelayMs: 50 },
    });
    const connectionId = socket.connectionId;
    const chatId = socket.chatId;
    const resumed: number[] = [];
    socket.on('resumed', (event) => resumed.push(event.replayed));

    const prompt = 'Keep streaming through a cut';
    const reply = socket.send(prompt);
    const tokens: string[] = [];
    let cut = false;
    for await (const token of reply) {
      tokens.push(token);
      if (tokens.length === 3 && !cut) {
        cut = true;
        tracked.cut();
      }
    }
    expect(cut).toBe(true);
    expect(tokens.join('')).toBe(expectedReply(prompt));
    expect((await reply.result).finishReason).toBe('stop');
    expect(resumed).toHaveLength(1);
    expect(tracked.sockets).toHaveLength(2);
    expect(socket.connectionId).toBe(connectionId);
    expect(socket.chatId).toBe(chatId);
    expect((await client.listMessages(chatId!)).total).toBe(2);
  });
});
