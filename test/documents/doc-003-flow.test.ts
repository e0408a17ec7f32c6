import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Doc 003's chat flow over real sockets: a JWT for the user (from POST /api/v1/auth/token), a
// connection to /chat/ without session_id (the server answers the new session_id), a message and
// its whole reply, a reconnect with ?session_id= to continue, and the history over HTTP with the
// same JWT.

let server: TestApp;
let apiKey: string;
let wsBase: string;

beforeAll(async () => {
  server = await startTestApp();
  apiKey = (await server.createTenant('elogrants')).apiKey;
  wsBase = server.baseUrl.replace(/^http/, 'ws');
});
afterAll(() => server.close());

async function tokenFor(userId: string): Promise<string> {
  const response = await server.request('/api/v1/auth/token', {
    method: 'POST',
    key: apiKey,
    json: { user_id: userId },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { token: string }).token;
}

type Frame = Record<string, unknown>;

/** Opens a socket and hands out its JSON messages one by one, and its close code. */
function connect(path: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${wsBase}${path}`, { headers });
  const queue: Frame[] = [];
  const waiting: Array<(frame: Frame) => void> = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    const next = waiting.shift();
    if (next) next(frame);
    else queue.push(frame);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return {
    ws,
    closed,
    opened: new Promise((resolve) => ws.once('open', resolve)),
    next: (): Promise<Frame> => {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

describe("doc 003's chat flow", () => {
  it('starts a session, chats, continues it by session_id, and reads the history over HTTP', async () => {
    const token = await tokenFor('alice');
    const authorization = { Authorization: `Bearer ${token}` };

    // 4. No session_id: a new session is created and returned upon connection.
    const first = connect('/chat/', authorization);
    const created = await first.next();
    expect(Object.keys(created)).toEqual(['session_id']);
    const sessionId = created['session_id'] as string;

    // 5. Messages: {"message","session_id"} in, {"message","session_id"} out.
    first.ws.send(JSON.stringify({ message: 'Hello AI!', session_id: sessionId }));
    const reply = await first.next();
    expect(reply).toEqual({ message: expect.any(String), session_id: sessionId });
    expect((reply['message'] as string).length).toBeGreaterThan(0);
    first.ws.close();
    await first.closed;

    // 3. Continue the session by /chat/?session_id=<session_id>.
    const again = connect(`/chat/?session_id=${sessionId}`, authorization);
    await again.opened;
    again.ws.send(JSON.stringify({ message: 'And again', session_id: sessionId }));
    const second = await again.next();
    expect(second).toEqual({ message: expect.any(String), session_id: sessionId });
    again.ws.close();

    // 1./2. History over HTTP with the same JWT.
    const history = await server.request(`/api/v1/chats/${sessionId}/messages`, { key: token });
    expect(history.status).toBe(200);
    const page = (await history.json()) as { messages: Array<{ role: string; content: string }> };
    expect(page.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'Hello AI!'],
      ['assistant', reply['message']],
      ['user', 'And again'],
      ['assistant', second['message']],
    ]);
  });

  it('takes the JWT as ?token= for browsers', async () => {
    const token = await tokenFor('browser-user');
    const browser = connect(`/chat/?token=${token}`);
    expect(await browser.next()).toHaveProperty('session_id');
    browser.ws.close();
  });

  it("refuses another user's session: an error with the session_id, then close 1008", async () => {
    const alice = connect('/chat/', { Authorization: `Bearer ${await tokenFor('alice')}` });
    const sessionId = (await alice.next())['session_id'];
    alice.ws.close();

    const bob = connect(`/chat/?session_id=${String(sessionId)}`, {
      Authorization: `Bearer ${await tokenFor('bob')}`,
    });
    expect(await bob.next()).toEqual({
      error: { code: 'CHAT_NOT_FOUND', message: expect.any(String) },
      session_id: sessionId,
    });
    expect(await bob.closed).toBe(1008);
  });

  it('refuses an API key: a user JWT is needed', async () => {
    const withKey = connect('/chat/', { Authorization: `Bearer ${apiKey}` });
    const refusal = await withKey.next();
    expect(refusal).toMatchObject({ error: { code: 'AUTH_FAILED' } });
    expect((refusal['error'] as { message: string }).message).toContain('/api/v1/auth/token');
    expect(await withKey.closed).toBe(1008);
  });
});
