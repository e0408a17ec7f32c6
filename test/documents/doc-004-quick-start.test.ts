import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Doc 004's quick start, as written (host, port and key substituted): the curl that creates a chat,
// then the JavaScript that connects to /ws/chat and sends a message. Node 20 has no global
// WebSocket, so the `ws` package stands in for the browser's.

const run = promisify(execFile);

let server: TestApp;
let apiKey: string;
let port: string;

beforeAll(async () => {
  server = await startTestApp();
  apiKey = (await server.createTenant('quick-start')).apiKey;
  port = new URL(server.baseUrl).port;
});
afterAll(() => server.close());

const CREATE_CHAT = `curl -X POST "http://localhost:8000/api/v1/chats/" \\
  -H "X-API-Key: your-tenant-api-key" \\
  -H "Content-Type: application/json" \\
  -d '{"user_id": "user123"}'`;

type Event = Record<string, unknown> & { type: string };

/** Collects a socket's JSON messages; `until` resolves with everything received up to a match. */
function inbox(ws: WebSocket) {
  const received: Event[] = [];
  let waiter: { predicate: (event: Event) => boolean; resolve: (events: Event[]) => void } | undefined;
  ws.on('message', (data) => {
    const event = JSON.parse(String(data)) as Event;
    received.push(event);
    if (waiter?.predicate(event)) {
      waiter.resolve([...received]);
      waiter = undefined;
    }
  });
  return {
    received,
    until(predicate: (event: Event) => boolean): Promise<Event[]> {
      if (received.some(predicate)) return Promise.resolve([...received]);
      return new Promise((resolve, reject) => {
        waiter = { predicate, resolve };
        ws.once('close', (code) => reject(new Error(`closed (${code}) after ${JSON.stringify(received)}`)));
      });
    },
  };
}

async function createChatWithCurl(): Promise<{ id: string; user_id: string }> {
  const command = CREATE_CHAT.replace('localhost:8000', `127.0.0.1:${port}`).replace(
    'your-tenant-api-key',
    apiKey,
  );
  const { stdout } = await run('sh', ['-c', command]);
  return JSON.parse(stdout) as { id: string; user_id: string };
}

describe("doc 004's quick start", () => {
  it('creates a chat with curl, connects, sends a message and receives the streamed reply', async () => {
    const created = await createChatWithCurl();
    expect(created.user_id).toBe('user123');

    // 2. Connect to WebSocket
    const chatId = created.id; // From step 1
    const ws = new WebSocket(
      `ws://127.0.0.1:${port}/ws/chat?api_key=${apiKey}&user_id=user123&chat_id=${chatId}`,
    );
    const messages = inbox(ws);
    await new Promise((resolve) => ws.once('open', resolve));

    // 3. Send Messages
    ws.send(
      JSON.stringify({
        content: 'Hello, I need help with my account',
      }),
    );
    const events = await messages.until((event) => event.type === 'message_stream_ended');
    ws.close();

    // The user was created by step 1, so no user_created here.
    expect(events[0]).toEqual({
      type: 'connection_established',
      connection_id: expect.any(String),
      chat_id: chatId,
      user_id: 'user123',
    });
    const types = events.slice(1).map((event) => event.type);
    expect(types[0]).toBe('message_received');
    expect(types[1]).toBe('message_stream_started');
    expect(types.at(-1)).toBe('message_stream_ended');
    expect(new Set(types.slice(2, -1))).toEqual(new Set(['message_stream_token']));

    const [received, started] = events.slice(1) as [Event, Event];
    expect(received).toMatchObject({ chat_id: chatId, content: 'Hello, I need help with my account' });
    const end = events.at(-1)!;
    const tokens = events.filter((event) => event.type === 'message_stream_token');
    expect(tokens.every((token) => token['message_id'] === started['message_id'])).toBe(true);
    expect(end).toMatchObject({ message_id: started['message_id'], finish_reason: 'stop' });
    expect(tokens.map((token) => token['token']).join('')).toBe(end['content']);
    expect(events.slice(1).map((event) => event['seq'])).toEqual(
      events.slice(1).map((_, index) => index + 1),
    );

    const history = await server.request(`/api/v1/chats/${chatId}/messages`, {
      headers: { 'X-API-Key': apiKey },
    });
    const page = (await history.json()) as { messages: Array<{ id: string; role: string; content: string }> };
    expect(page.messages.map((message) => [message.id, message.role, message.content])).toEqual([
      [received['message_id'], 'user', 'Hello, I need help with my account'],
      [started['message_id'], 'assistant', end['content']],
    ]);
  });

  it('resumes over a real socket: the events after the last seq seen, each once', async () => {
    const { id: chatId } = await createChatWithCurl();
    const url = `ws://127.0.0.1:${port}/ws/chat?api_key=${apiKey}&user_id=user123&chat_id=${chatId}`;
    const first = new WebSocket(url);
    const firstInbox = inbox(first);
    await new Promise((resolve) => first.once('open', resolve));
    first.send(JSON.stringify({ content: 'Tell me something' }));
    const seen = await firstInbox.until((event) => event.type === 'message_stream_ended');
    const connectionId = seen[0]!['connection_id'];
    const all = seen.filter((event) => event['seq'] !== undefined);
    first.terminate();

    // Pretend only the first two streamed events arrived before the connection was lost.
    const second = new WebSocket(url);
    const secondInbox = inbox(second);
    await secondInbox.until((event) => event.type === 'connection_established');
    second.send(JSON.stringify({ type: 'resume', connection_id: connectionId, last_seq: 2 }));
    const replayed = await secondInbox.until((event) => event.type === 'message_stream_ended');
    second.close();

    const afterGreeting = replayed.slice(replayed.findIndex((event) => event.type === 'resumed'));
    expect(afterGreeting[0]).toEqual({
      type: 'resumed',
      connection_id: connectionId,
      replayed: all.length - 2,
    });
    expect(afterGreeting.slice(1)).toEqual(all.slice(2));
  });
});
