import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/test-app.ts';

// End-user tokens over real HTTP: a server exchanges its API key for a user JWT
// (`POST /api/v1/auth/token`), and the JWT sees its own user's chats only (doc 003's history
// through doc 004's messages endpoint). Tokens that are expired, unsigned, signed with another
// key or another algorithm are refused.

let server: TestApp;
let tenant: { tenantId: string; apiKey: string };

beforeAll(async () => {
  server = await startTestApp();
  tenant = await server.createTenant('acme');
});
afterAll(() => server.close());

interface IssuedToken {
  token: string;
  token_type: string;
  expires_in: number;
  expires_at: string;
  user_id: string;
  tenant_id: string;
}

async function issueToken(userId: string, key = tenant.apiKey): Promise<IssuedToken> {
  const response = await server.request('/api/v1/auth/token', {
    method: 'POST',
    key,
    json: { user_id: userId },
  });
  expect(response.status).toBe(201);
  return (await response.json()) as IssuedToken;
}

async function createChat(key: string, body: unknown = {}) {
  const response = await server.request('/api/v1/chats', { method: 'POST', key, json: body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims as cai's own tokens carry them, for hand-made tokens. */
function claims(overrides: Record<string, unknown> = {}) {
  return {
    sub: 'alice',
    tid: tenant.tenantId,
    iss: 'cai',
    aud: 'cai',
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...overrides,
  };
}

function sign(options: { payload: Record<string, unknown>; secret?: string; alg?: 'HS256' | 'HS512' }) {
  return new SignJWT(options.payload)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

describe('POST /api/v1/auth/token', () => {
  it('exchanges an API key and a user id for a user JWT', async () => {
    const issued = await issueToken('alice');
    expect(issued).toMatchObject({ token_type: 'Bearer', user_id: 'alice', tenant_id: tenant.tenantId });
    expect(issued.token.split('.')).toHaveLength(3);
    expect(Date.parse(issued.expires_at)).toBeGreaterThan(Date.now());
    const payload = JSON.parse(Buffer.from(issued.token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(payload).toMatchObject({ sub: 'alice', tid: tenant.tenantId });
  });

  it('does not exchange a JWT for another token (403)', async () => {
    const { token } = await issueToken('alice');
    const response = await server.request('/api/v1/auth/token', {
      method: 'POST',
      key: token,
      json: { user_id: 'mallory' },
    });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('FORBIDDEN');
  });

  it('answers a bad body with 400 and no key with 401', async () => {
    for (const body of [
      {},
      { user_id: '' },
      { user_id: 7 },
      { user_id: 'a', ttl_seconds: 0 },
      { user_id: 'a', role: 'admin' },
    ]) {
      const response = await server.request('/api/v1/auth/token', {
        method: 'POST',
        key: tenant.apiKey,
        json: body,
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    const anonymous = await server.request('/api/v1/auth/token', { method: 'POST', json: { user_id: 'a' } });
    expect(anonymous.status).toBe(401);
  });
});

describe('what a user JWT sees', () => {
  it('creates, reads and talks to its own chats, and reads their history (doc 003)', async () => {
    const { token } = await issueToken('alice');
    const created = await createChat(token, { title: 'mine' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ user_id: 'alice', title: 'mine' });
    const chatId = String(created.body['id']);

    const fetched = await server.request(`/api/v1/chats/${chatId}`, { key: token });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(created.body);

    const sent = await server.request(`/api/v1/chats/${chatId}/messages`, {
      method: 'POST',
      key: token,
      json: { content: 'hello' },
    });
    expect(sent.status).toBe(200);

    // Doc 003's history, with the JWT in the header and, as browsers send it, in `?token=`.
    for (const history of [
      await server.request(`/api/v1/chats/${chatId}/messages`, { key: token }),
      await server.request(`/api/v1/chats/${chatId}/messages?token=${token}`),
    ]) {
      expect(history.status).toBe(200);
      const page = (await history.json()) as {
        messages: Array<{ role: string; content: string }>;
        total: number;
      };
      expect(page.total).toBe(2);
      expect(page.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
      expect(page.messages[0]?.content).toBe('hello');
    }

    const listed = (await (await server.request('/api/v1/chats/user/alice', { key: token })).json()) as {
      chats: Array<{ id: string }>;
    };
    expect(listed.chats.map((chat) => chat.id)).toContain(chatId);
  });

  it("answers 404 for another user's chat of the same tenant, and lists nothing of another user", async () => {
    const bobsChat = await createChat(tenant.apiKey, { user_id: 'bob', title: 'bob only' });
    const bobsChatId = String(bobsChat.body['id']);
    await server.request(`/api/v1/chats/${bobsChatId}/messages`, {
      method: 'POST',
      key: tenant.apiKey,
      json: { content: 'secret' },
    });
    const { token } = await issueToken('alice');

    for (const [method, path] of [
      ['GET', `/api/v1/chats/${bobsChatId}`],
      ['GET', `/api/v1/chats/${bobsChatId}/messages`],
      ['DELETE', `/api/v1/chats/${bobsChatId}`],
    ] as const) {
      const response = await server.request(path, { method, key: token });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await errorCode(response)).toBe('CHAT_NOT_FOUND');
    }
    const posted = await server.request(`/api/v1/chats/${bobsChatId}/messages`, {
      method: 'POST',
      key: token,
      json: { content: 'hi bob' },
    });
    expect(posted.status).toBe(404);
    const viaAi = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: token,
      json: { content: 'hi', conversation_id: bobsChatId },
    });
    expect(viaAi.status).toBe(404);

    const listed = (await (await server.request('/api/v1/chats/user/bob', { key: token })).json()) as {
      chats: unknown[];
      total: number;
    };
    expect(listed).toMatchObject({ chats: [], total: 0 });

    // A JWT cannot create chats or chat as another user.
    expect((await createChat(token, { user_id: 'bob' })).status).toBe(403);
    const asBob = await server.request('/api/v1/ai/chat', {
      method: 'POST',
      key: token,
      json: { content: 'hi', user_id: 'bob' },
    });
    expect(asBob.status).toBe(403);

    // Bob's chat is untouched: still there with its two messages.
    const bobs = (await (
      await server.request(`/api/v1/chats/${bobsChatId}/messages`, { key: tenant.apiKey })
    ).json()) as { total: number };
    expect(bobs.total).toBe(2);
  });

  it("does not see another tenant's chats even for the same user id", async () => {
    const other = await server.createTenant('globex');
    const theirs = await createChat(other.apiKey, { user_id: 'alice' });
    const { token } = await issueToken('alice');
    expect((await server.request(`/api/v1/chats/${String(theirs.body['id'])}`, { key: token })).status).toBe(
      404,
    );
    const listed = (await (await server.request('/api/v1/chats/user/alice', { key: token })).json()) as {
      chats: Array<{ id: string }>;
    };
    expect(listed.chats.map((chat) => chat.id)).not.toContain(theirs.body['id']);
  });
});

describe('tokens that are refused with 401 AUTH_FAILED', () => {
  async function expectRefused(token: string) {
    for (const response of [
      await server.request('/api/v1/chats/user/alice', { key: token }),
      await server.request(`/api/v1/chats/user/alice?token=${token}`),
    ]) {
      expect(response.status).toBe(401);
      expect(await errorCode(response)).toBe('AUTH_FAILED');
    }
  }

  it('accepts the hand-made reference token (so the refusals below are about what differs)', async () => {
    const token = await sign({ payload: claims() });
    expect((await server.request('/api/v1/chats/user/alice', { key: token })).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    await expectRefused(await sign({ payload: claims({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 }) }));
  });

  it('refuses a token issued by the server once its lifetime has passed', async () => {
    const response = await server.request('/api/v1/auth/token', {
      method: 'POST',
      key: tenant.apiKey,
      json: { user_id: 'alice', ttl_seconds: 1 },
    });
    const { token, expires_at: expiresAt } = (await response.json()) as IssuedToken;
    // Waits out the lifetime: expiry is checked to the second.
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 1100));
    await expectRefused(token);
  });

  it('refuses an unsigned alg:none token', async () => {
    await expectRefused(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`);
  });

  it('refuses a token signed with another secret', async () => {
    await expectRefused(
      await sign({ payload: claims(), secret: 'another-secret-of-at-least-32-characters!' }),
    );
  });

  it('refuses an HS512 token, even with the right secret', async () => {
    await expectRefused(await sign({ payload: claims(), alg: 'HS512' }));
  });

  it('refuses a token without a tenant, or naming a tenant that does not exist', async () => {
    await expectRefused(await sign({ payload: claims({ tid: undefined }) }));
    await expectRefused(await sign({ payload: claims({ tid: '0190aaaa-0000-7000-8000-000000000000' }) }));
  });

  it('refuses a token whose signature was tampered with, or whose payload was', async () => {
    const token = await sign({ payload: claims() });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectRefused(`${header}.${payload}.${flipped}`);
    await expectRefused(`${header}.${base64url(claims({ sub: 'bob' }))}.${signature}`);
  });
});
