import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { AppError } from '../core/errors.ts';
import { createStore } from '../store/create-store.ts';
import type { Store } from '../store/store.ts';
import { createAuthenticator, type Authenticator } from './authenticator.ts';
import { kindOf } from './credentials.ts';
import { verifyJwt, type JwtSettings } from './jwt.ts';
import { createTenantAdmin, type TenantAdmin } from './tenant-admin.ts';

const jwt: JwtSettings = {
  secret: 'tenant-admin-test-secret-0123456789abcdef',
  issuer: 'cai',
  audience: 'cai',
};
const config = loadConfig({ LIMIT_REST_PER_MINUTE: '100', JWT_DEFAULT_TTL_SECONDS: '900' });

async function failure(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );
}

describe('tenant administration', () => {
  let store: Store;
  let admin: TenantAdmin;
  let authenticator: Authenticator;
  const authenticate = (value: string) =>
    authenticator.authenticate({ kind: kindOf(value), value, source: 'x-api-key-header' });

  beforeEach(async () => {
    store = await createStore({ url: 'sqlite::memory:' });
    admin = createTenantAdmin({ store, config, jwt });
    authenticator = createAuthenticator({ store, jwt });
  });
  afterEach(async () => {
    await store.close();
  });

  it('creates a tenant with a first API key that works', async () => {
    const created = await admin.createTenant({ name: '  Acme  ' });
    expect(Object.keys(created)).toEqual(['tenant_id', 'name', 'api_key']);
    expect(created.name).toBe('Acme');
    expect((await authenticate(created.api_key)).tenantId).toBe(created.tenant_id);
  });

  it('refuses a tenant without a name', async () => {
    expect(await failure(admin.createTenant({ name: '   ' }))).toBe('VALIDATION_FAILED');
  });

  it('creates more keys for a tenant, and none for an unknown one', async () => {
    const { tenant_id } = await admin.createTenant({ name: 'Acme' });
    const created = await admin.createKey({ tenantId: tenant_id });
    expect(Object.keys(created)).toEqual(['key_id', 'api_key']);
    expect(await authenticate(created.api_key)).toMatchObject({ tenantId: tenant_id, keyId: created.key_id });
    expect(await failure(admin.createKey({ tenantId: 'no-such-tenant' }))).toBe('NOT_FOUND');
  });

  it('revokes a key, which then fails, and tells the listeners', async () => {
    const heard: Array<{ keyId: string; tenantId: string }> = [];
    admin.onKeyRevoked((event) => {
      heard.push(event);
    });
    const { tenant_id } = await admin.createTenant({ name: 'Acme' });
    const { key_id, api_key } = await admin.createKey({ tenantId: tenant_id });
    const revoked = await admin.revokeKey(key_id);
    expect(revoked.key_id).toBe(key_id);
    expect(Number.isNaN(Date.parse(revoked.revoked_at))).toBe(false);
    expect(heard).toEqual([{ keyId: key_id, tenantId: tenant_id }]);
    expect(await failure(authenticate(api_key))).toBe('AUTH_FAILED');
  });

  it("still revokes when a listener fails, and reports the listener's failure", async () => {
    const reported: unknown[] = [];
    const failing = createTenantAdmin({
      store,
      config,
      jwt,
      onKeyRevoked: () => Promise.reject(new Error('socket registry down')),
      onListenerError: (error) => reported.push(error),
    });
    const { tenant_id } = await failing.createTenant({ name: 'Acme' });
    const { key_id, api_key } = await failing.createKey({ tenantId: tenant_id });
    await failing.revokeKey(key_id);
    expect(reported).toHaveLength(1);
    expect(await failure(authenticate(api_key))).toBe('AUTH_FAILED');
  });

  it('answers NOT_FOUND for revoking an unknown key', async () => {
    expect(await failure(admin.revokeKey('no-such-key'))).toBe('NOT_FOUND');
  });

  it('issues a token for a user, creating the user on first sight', async () => {
    const { tenant_id } = await admin.createTenant({ name: 'Acme' });
    const issued = await admin.issueToken({ tenantId: tenant_id, userId: 'alice' });
    expect(await verifyJwt(jwt, issued.token)).toMatchObject({ tenantId: tenant_id, userId: 'alice' });
    expect(Date.parse(issued.expires_at) - Date.now()).toBeGreaterThan(800_000);
    expect(await store.ensureUser(tenant_id, 'alice')).toEqual({ created: false });
    expect(await authenticate(issued.token)).toEqual({
      kind: 'jwt',
      tenantId: tenant_id,
      userId: 'alice',
      expiresAt: new Date(issued.expires_at),
    });
  });

  it('refuses tokens for an unknown tenant, an empty user, or a bad lifetime', async () => {
    const { tenant_id } = await admin.createTenant({ name: 'Acme' });
    expect(await failure(admin.issueToken({ tenantId: 'nope', userId: 'alice' }))).toBe('NOT_FOUND');
    expect(await failure(admin.issueToken({ tenantId: tenant_id, userId: ' ' }))).toBe('VALIDATION_FAILED');
    expect(await failure(admin.issueToken({ tenantId: tenant_id, userId: 'a', ttlSeconds: 0 }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(await failure(admin.issueToken({ tenantId: tenant_id, userId: 'a', ttlSeconds: 1.5 }))).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('shows effective limits, with overrides marked, and removes an override', async () => {
    const { tenant_id } = await admin.createTenant({ name: 'Acme' });
    const before = await admin.getTenantLimits(tenant_id);
    expect(before.limits.LIMIT_REST_PER_MINUTE).toEqual({ value: 100, default: 100, overridden: false });

    const after = await admin.setTenantLimit({
      tenantId: tenant_id,
      name: 'LIMIT_REST_PER_MINUTE',
      value: 5,
    });
    expect(after.limits.LIMIT_REST_PER_MINUTE).toEqual({ value: 5, default: 100, overridden: true });
    expect((await store.getTenant(tenant_id))?.limits).toEqual({ LIMIT_REST_PER_MINUTE: 5 });

    const cleared = await admin.setTenantLimit({
      tenantId: tenant_id,
      name: 'LIMIT_REST_PER_MINUTE',
      value: null,
    });
    expect(cleared.limits.LIMIT_REST_PER_MINUTE.overridden).toBe(false);
  });

  it('refuses unknown limit names, negative or fractional values, and unknown tenants', async () => {
    const { tenant_id } = await admin.createTenant({ name: 'Acme' });
    const set = (name: string, value: number | null, tenantId = tenant_id) =>
      failure(admin.setTenantLimit({ tenantId, name, value }));
    expect(await set('LIMIT_NOTHING', 1)).toBe('VALIDATION_FAILED');
    expect(await set('LIMIT_REST_PER_MINUTE', -1)).toBe('VALIDATION_FAILED');
    expect(await set('LIMIT_REST_PER_MINUTE', 2.5)).toBe('VALIDATION_FAILED');
    expect(await set('LIMIT_REST_PER_MINUTE', 1, 'nope')).toBe('NOT_FOUND');
    expect(await failure(admin.getTenantLimits('nope'))).toBe('NOT_FOUND');
  });
});
