import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app.ts';

// Doc 004's chat management API over real HTTP, on a real SQLite file.

let server: TestApp;
let tenant: { tenantId: string; apiKey: string };
let otherTenant: { tenantId: string; apiKey: string };

beforeAll(async () => {
  server = await startTestApp();
  tenant = await server.createTenant('acme');
  otherTenant = await server.createTenant('globex');
});
afterAll(() => server.close());

async function createChat(key: string, body: unknown = { user_id: 'user123' }) {
  const response = await server.request('/api/v1/chats/', {
    method: 'POST',
    headers: { 'x-api-key': key },
    json: body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('chats API (doc 004)', () => {
  it('creates a chat with the quick start request, answering 201 and the chat', async () => {
    const created = await createChat(tenant.apiKey, {
      user_id: 'user123',
      title: 'Help',
      metadata: { plan: 'pro' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ user_id: 'user123', title: 'Help', metadata: { plan: 'pro' } });
    expect(typeof created.body['id']).toBe('string');
    expect(Date.parse(String(created.body['created_at']))).not.toBeNaN();

    const fetched = await server.request(`/api/v1/chats/${created.body['id']}`, { key: tenant.apiKey });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(created.body);
  });

  it("lists a user's chats with pagination metadata", async () => {
    for (let index = 0; index < 3; index += 1) await createChat(tenant.apiKey, { user_id: 'pager' });
    const first = await server.request('/api/v1/chats/user/pager?limit=2', { key: tenant.apiKey });
    expect(first.status).toBe(200);
    const page = (await first.json()) as {
      chats: unknown[];
      total: number;
      offset: number;
      limit: number;
      has_more: boolean;
    };
    expect(page).toMatchObject({ total: 3, offset: 0, limit: 2, has_more: true });
    expect(page.chats).toHaveLength(2);
    const second = (await (
      await server.request('/api/v1/chats/user/pager?limit=2&offset=2', { key: tenant.apiKey })
    ).json()) as typeof page;
    expect(second).toMatchObject({ total: 3, offset: 2, has_more: false });
    expect(second.chats).toHaveLength(1);
  });

  it('pages through messages in either order, and DELETE removes the chat and its messages', async () => {
    const chat = await createChat(tenant.apiKey);
    const chatId = String(chat.body['id']);
    for (const content of ['one', 'two']) {
      const sent = await server.request(`/api/v1/chats/${chatId}/messages`, {
        method: 'POST',
        key: tenant.apiKey,
        json: { content },
      });
      expect(sent.status).toBe(200);
    }
    const ascending = (await (
      await server.request(`/api/v1/chats/${chatId}/messages?limit=3`, { key: tenant.apiKey })
    ).json()) as {
      messages: Array<{ role: string; content: string; status: string }>;
      total: number;
      has_more: boolean;
    };
    expect(ascending.total).toBe(4);
    expect(ascending.has_more).toBe(true);
    expect(ascending.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(ascending.messages[0]?.content).toBe('one');
    expect(ascending.messages[1]?.status).toBe('complete');

    const descending = (await (
      await server.request(`/api/v1/chats/${chatId}/messages?order=desc`, { key: tenant.apiKey })
    ).json()) as typeof ascending;
    expect(descending.messages[0]?.role).toBe('assistant');
    expect(descending.messages[1]?.content).toBe('two');

    const deleted = await server.request(`/api/v1/chats/${chatId}`, { method: 'DELETE', key: tenant.apiKey });
    expect(deleted.status).toBe(204);
    expect((await server.request(`/api/v1/chats/${chatId}`, { key: tenant.apiKey })).status).toBe(404);
    expect((await server.request(`/api/v1/chats/${chatId}/messages`, { key: tenant.apiKey })).status).toBe(
      404,
    );
  });

  it("answers 404, never 403, for another tenant's chat, and leaves it untouched", async () => {
    const chat = await createChat(tenant.apiKey);
    const chatId = String(chat.body['id']);
    for (const [method, path] of [
      ['GET', `/api/v1/chats/${chatId}`],
      ['GET', `/api/v1/chats/${chatId}/messages`],
      ['DELETE', `/api/v1/chats/${chatId}`],
    ] as const) {
      const response = await server.request(path, { method, key: otherTenant.apiKey });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('CHAT_NOT_FOUND');
    }
    const sent = await server.request(`/api/v1/chats/${chatId}/messages`, {
      method: 'POST',
      key: otherTenant.apiKey,
      json: { content: 'sneaky' },
    });
    expect(sent.status).toBe(404);
    const listed = (await (
      await server.request(`/api/v1/chats/user/user123`, { key: otherTenant.apiKey })
    ).json()) as { total: number };
    expect(listed.total).toBe(0);
    expect((await server.request(`/api/v1/chats/${chatId}`, { key: tenant.apiKey })).status).toBe(200);
  });
});

describe('bad input on the chats API', () => {
  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const response = await server.request('/api/v1/chats/', {
      method: 'POST',
      headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
      body: '{"user_id": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_JSON');
  });

  it('answers wrong types and unknown fields with 400 and the field at fault', async () => {
    const wrongType = await createChat(tenant.apiKey, { user_id: 42 });
    expect(wrongType.status).toBe(400);
    expect(JSON.stringify(wrongType.body)).toContain('user_id');
    const unknownField = await createChat(tenant.apiKey, { user_id: 'u', colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(JSON.stringify(unknownField.body)).toContain('colour');
    const missingUser = await createChat(tenant.apiKey, {});
    expect(missingUser.status).toBe(400);
  });

  it('answers a limit out of range with 400', async () => {
    for (const query of ['limit=0', 'limit=101', 'offset=-1', 'order=sideways', 'limit=ten']) {
      const response = await server.request(`/api/v1/chats/user/user123?${query}`, { key: tenant.apiKey });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers a body over 1 MiB with 413 and stores nothing', async () => {
    const before = (await (
      await server.request('/api/v1/chats/user/huge', { key: tenant.apiKey })
    ).json()) as { total: number };
    const response = await createChat(tenant.apiKey, { user_id: 'huge', title: 'x'.repeat(1_100_000) });
    expect(response.status).toBe(413);
    expect((response.body as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const after = (await (
      await server.request('/api/v1/chats/user/huge', { key: tenant.apiKey })
    ).json()) as { total: number };
    expect(after.total).toBe(before.total);
  });

  it('answers a non-JSON content type with 415', async () => {
    const response = await server.request('/api/v1/chats/', {
      method: 'POST',
      headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/xml' },
      body: '<chat/>',
    });
    expect(response.status).toBe(415);
  });

  it('answers a missing, malformed or revoked key with 401', async () => {
    expect((await server.request('/api/v1/chats/user/user123')).status).toBe(401);
    expect((await server.request('/api/v1/chats/user/user123', { key: 'cai_nope_nope' })).status).toBe(401);
    const extra = await server.request(`/api/v1/admin/tenants/${tenant.tenantId}/keys`, {
      method: 'POST',
      key: TEST_ADMIN_KEY,
    });
    const { key_id: keyId, api_key: apiKey } = (await extra.json()) as { key_id: string; api_key: string };
    expect((await server.request('/api/v1/chats/user/user123', { key: apiKey })).status).toBe(200);
    const revoked = await server.request(`/api/v1/admin/keys/${keyId}`, {
      method: 'DELETE',
      key: TEST_ADMIN_KEY,
    });
    expect(revoked.status).toBe(200);
    const refused = await server.request('/api/v1/chats/user/user123', { key: apiKey });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('AUTH_FAILED');
  });
});
