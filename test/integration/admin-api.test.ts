import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_ADMIN_KEY, TEST_JWT_SECRET, type TestApp } from '../support/test-app.ts';

// `/api/v1/admin/*` over real HTTP: off without ADMIN_API_KEY, closed to any other key, and the
// same operations as the `cai` CLI, which run on the same database and agree with it.

const run = promisify(execFile);

let server: TestApp;

beforeAll(async () => {
  server = await startTestApp();
});
afterAll(() => server.close());

function admin(path: string, init: { method?: string; json?: unknown } = {}) {
  return server.request(`/api/v1/admin${path}`, { ...init, key: TEST_ADMIN_KEY });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

interface TenantLimits {
  tenant_id: string;
  limits: Record<string, { value: number; default: number; overridden: boolean }>;
}

/** Runs the real `cai` CLI on this server's database and secret. */
function cai(...args: string[]): Promise<string> {
  return caiOn(server, ...args);
}

async function caiOn(target: TestApp, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['bin/cai.js', ...args], {
    cwd: join(import.meta.dirname, '..', '..'),
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: target.app.config.DATABASE_URL,
      DATA_DIR: target.dataDir,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'silent',
    },
  });
  return stdout;
}

/** Sends `use()` until it is refused with 401 or `withinMs` has passed: the last status, and when. */
async function untilRefused(
  use: () => Promise<Response>,
  withinMs: number,
): Promise<{ status: number; afterMs: number }> {
  const startedAt = Date.now();
  for (;;) {
    const { status } = await use();
    const afterMs = Date.now() - startedAt;
    if (status === 401 || afterMs >= withinMs) return { status, afterMs };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('admin endpoints without ADMIN_API_KEY', () => {
  it('answers 403: the endpoints are off, whatever key is sent', async () => {
    const disabled = await startTestApp({ ADMIN_API_KEY: '' });
    try {
      for (const key of [undefined, TEST_ADMIN_KEY, 'anything-at-all-0123']) {
        const response = await disabled.request('/api/v1/admin/tenants', {
          method: 'POST',
          json: { name: 'nope' },
          ...(key === undefined ? {} : { key }),
        });
        expect(response.status).toBe(403);
        expect(await errorCode(response)).toBe('FORBIDDEN');
      }
    } finally {
      await disabled.close();
    }
  });
});

describe('admin authentication', () => {
  it("answers 401 for a missing or wrong admin key, and for a tenant's API key", async () => {
    const tenant = await server.createTenant();
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-admin-key-0123456789' },
      { 'x-api-key': `${TEST_ADMIN_KEY}x` },
      { authorization: `Bearer ${tenant.apiKey}` },
    ];
    for (const headers of attempts) {
      const response = await server.request('/api/v1/admin/tenants', {
        method: 'POST',
        headers,
        json: { name: 'nope' },
      });
      expect(response.status, JSON.stringify(headers)).toBe(401);
    }
  });

  it('takes the admin key in X-API-Key too', async () => {
    const response = await server.request('/api/v1/admin/tenants', {
      method: 'POST',
      headers: { 'x-api-key': TEST_ADMIN_KEY },
      json: { name: 'via header' },
    });
    expect(response.status).toBe(201);
  });
});

describe('admin operations', () => {
  it('creates a tenant whose key works, adds a key, revokes it, and issues a token', async () => {
    const created = await admin('/tenants', { method: 'POST', json: { name: 'acme' } });
    expect(created.status).toBe(201);
    const tenant = (await created.json()) as { tenant_id: string; name: string; api_key: string };
    expect(tenant.name).toBe('acme');
    expect((await server.request('/api/v1/chats/user/u', { key: tenant.api_key })).status).toBe(200);

    const keyResponse = await admin(`/tenants/${tenant.tenant_id}/keys`, { method: 'POST' });
    expect(keyResponse.status).toBe(201);
    const key = (await keyResponse.json()) as { key_id: string; api_key: string };
    expect(key.api_key).not.toBe(tenant.api_key);
    expect((await server.request('/api/v1/chats/user/u', { key: key.api_key })).status).toBe(200);

    const revoked = await admin(`/keys/${key.key_id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect((await revoked.json()) as object).toMatchObject({ key_id: key.key_id });
    expect((await server.request('/api/v1/chats/user/u', { key: key.api_key })).status).toBe(401);
    // The tenant's first key is untouched.
    expect((await server.request('/api/v1/chats/user/u', { key: tenant.api_key })).status).toBe(200);

    const tokenResponse = await admin('/tokens', {
      method: 'POST',
      json: { tenant_id: tenant.tenant_id, user_id: 'alice' },
    });
    expect(tokenResponse.status).toBe(201);
    const { token, expires_at: expiresAt } = (await tokenResponse.json()) as {
      token: string;
      expires_at: string;
    };
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const chat = await server.request('/api/v1/chats', { method: 'POST', key: token, json: {} });
    expect(chat.status).toBe(201);
    expect(((await chat.json()) as { user_id: string }).user_id).toBe('alice');
  });

  it("reads and overrides a tenant's limits; null restores the default", async () => {
    const tenant = await server.createTenant();
    const initial = (await (await admin(`/tenants/${tenant.tenantId}/limits`)).json()) as TenantLimits;
    expect(initial.tenant_id).toBe(tenant.tenantId);
    expect(initial.limits['LIMIT_REST_PER_MINUTE']).toEqual({ value: 100, default: 100, overridden: false });
    expect(Object.keys(initial.limits)).toContain('LIMIT_AI_REQUESTS_PER_WEEK');

    const patched = await admin(`/tenants/${tenant.tenantId}/limits`, {
      method: 'PATCH',
      json: { LIMIT_REST_PER_MINUTE: 500, LIMIT_AI_REQUESTS_PER_WEEK: 0 },
    });
    expect(patched.status).toBe(200);
    const after = (await patched.json()) as TenantLimits;
    expect(after.limits['LIMIT_REST_PER_MINUTE']).toEqual({ value: 500, default: 100, overridden: true });
    expect(after.limits['LIMIT_AI_REQUESTS_PER_WEEK']).toMatchObject({ value: 0, overridden: true });
    expect(await (await admin(`/tenants/${tenant.tenantId}/limits`)).json()).toEqual(after);

    const restored = (await (
      await admin(`/tenants/${tenant.tenantId}/limits`, {
        method: 'PATCH',
        json: { LIMIT_REST_PER_MINUTE: null },
      })
    ).json()) as TenantLimits;
    expect(restored.limits['LIMIT_REST_PER_MINUTE']).toEqual({ value: 100, default: 100, overridden: false });
    expect(restored.limits['LIMIT_AI_REQUESTS_PER_WEEK']).toMatchObject({ value: 0, overridden: true });
  });

  it('answers an unknown limit name or a bad value with 400, changing none of the limits sent with it', async () => {
    const tenant = await server.createTenant();
    for (const body of [
      { LIMIT_BOGUS: 5 },
      { LIMIT_REST_PER_MINUTE: 5, LIMIT_BOGUS: 5 },
      { LIMIT_REST_PER_MINUTE: -1 },
      { LIMIT_REST_PER_MINUTE: 1.5 },
      { LIMIT_REST_PER_MINUTE: 'many' },
    ]) {
      const response = await admin(`/tenants/${tenant.tenantId}/limits`, { method: 'PATCH', json: body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await errorCode(response)).toBe('VALIDATION_FAILED');
    }
    const limits = (await (await admin(`/tenants/${tenant.tenantId}/limits`)).json()) as TenantLimits;
    expect(Object.values(limits.limits).every((setting) => !setting.overridden)).toBe(true);
  });

  it('answers 404 for an unknown key, tenant or token tenant', async () => {
    const unknownId = '0190aaaa-0000-7000-8000-000000000000';
    for (const response of [
      await admin(`/keys/${unknownId}`, { method: 'DELETE' }),
      await admin(`/tenants/${unknownId}/keys`, { method: 'POST' }),
      await admin(`/tenants/${unknownId}/limits`),
      await admin(`/tenants/${unknownId}/limits`, { method: 'PATCH', json: { LIMIT_REST_PER_MINUTE: 1 } }),
      await admin('/tokens', { method: 'POST', json: { tenant_id: unknownId, user_id: 'alice' } }),
    ]) {
      expect(response.status, response.url).toBe(404);
    }
  });

  it('answers bad bodies with 400', async () => {
    for (const body of [{}, { name: '' }, { name: 3 }, { name: 'ok', plan: 'gold' }]) {
      const response = await admin('/tenants', { method: 'POST', json: body });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    const tenant = await server.createTenant();
    const badTtl = await admin('/tokens', {
      method: 'POST',
      json: { tenant_id: tenant.tenantId, user_id: 'a', ttl_seconds: -5 },
    });
    expect(badTtl.status).toBe(400);
  });
});

describe('the CLI and the admin API agree', () => {
  it('the CLI makes a key for a tenant made over REST, and that key works over REST', async () => {
    const tenant = await server.createTenant('made over rest');
    const created = JSON.parse(await cai('key', 'create', '--tenant', tenant.tenantId, '--json')) as {
      key_id: string;
      api_key: string;
    };
    const listed = await server.request('/api/v1/chats', {
      method: 'POST',
      key: created.api_key,
      json: { user_id: 'cli' },
    });
    expect(listed.status).toBe(201);
    // A chat made with the CLI's key belongs to the REST tenant: its first key sees it.
    const chatId = ((await listed.json()) as { id: string }).id;
    expect((await server.request(`/api/v1/chats/${chatId}`, { key: tenant.apiKey })).status).toBe(200);

    // Revoked by the CLI, refused by the server: within REVOCATION_CHECK_MS (5 s by default), since
    // the server hears of another process's revocation through the store.
    await cai('key', 'revoke', created.key_id);
    const use = () => server.request('/api/v1/chats/user/cli', { key: created.api_key });
    expect((await untilRefused(use, 5_000 + 1_000)).status).toBe(401);
  });

  it('a key revoked by the CLI is refused within REVOCATION_CHECK_MS; one revoked over REST at once', async () => {
    const quick = await startTestApp({ REVOCATION_CHECK_MS: '300', LIMIT_REST_PER_MINUTE: '0' });
    try {
      const tenant = await quick.createTenant('revocations');
      const use = (key: string) => quick.request('/api/v1/chats/user/u', { key });
      const made = JSON.parse(await caiOn(quick, 'key', 'create', '--tenant', tenant.tenantId, '--json')) as {
        key_id: string;
        api_key: string;
      };
      expect((await use(made.api_key)).status).toBe(200);
      await caiOn(quick, 'key', 'revoke', made.key_id);
      // The revocation was stored before the CLI ended: from then, at most the bound and a request.
      const refused = await untilRefused(() => use(made.api_key), 3_000);
      expect(refused.status).toBe(401);
      expect(refused.afterMs).toBeLessThan(300 + 500);

      // Through this server's admin API: the very next request is refused.
      const created = await quick.request(`/api/v1/admin/tenants/${tenant.tenantId}/keys`, {
        method: 'POST',
        key: TEST_ADMIN_KEY,
      });
      const second = (await created.json()) as { key_id: string; api_key: string };
      expect((await use(second.api_key)).status).toBe(200);
      const revoked = await quick.request(`/api/v1/admin/keys/${second.key_id}`, {
        method: 'DELETE',
        key: TEST_ADMIN_KEY,
      });
      expect(revoked.status).toBe(200);
      expect((await use(second.api_key)).status).toBe(401);
    } finally {
      await quick.close();
    }
  });

  it('REST sees a tenant, its limits and its tokens made by the CLI', async () => {
    const made = JSON.parse(await cai('tenant', 'create', '--name', 'made by cli', '--json')) as {
      tenant_id: string;
      api_key: string;
    };
    await cai('tenant', 'limits', made.tenant_id, '--set', 'LIMIT_REST_PER_MINUTE=7');
    const limits = (await (await admin(`/tenants/${made.tenant_id}/limits`)).json()) as TenantLimits;
    expect(limits.limits['LIMIT_REST_PER_MINUTE']).toMatchObject({ value: 7, overridden: true });
    const response = await server.request('/api/v1/chats/user/u', { key: made.api_key });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit')).toBe('7');

    const token = (await cai('token', '--tenant', made.tenant_id, '--user', 'carol')).trim();
    const chat = await server.request('/api/v1/chats', { method: 'POST', key: token, json: {} });
    expect(chat.status).toBe(201);
    expect(((await chat.json()) as { user_id: string }).user_id).toBe('carol');
  });
});
