import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { createStore } from '../store/create-store.ts';
import type { Store } from '../store/store.ts';
import { generateApiKey } from './api-keys.ts';
import {
  authenticateAdmin,
  createAuthenticator,
  isAdminKey,
  scopeOf,
  type Authenticator,
} from './authenticator.ts';
import { kindOf, type Credential } from './credentials.ts';
import { issueJwt, type JwtSettings } from './jwt.ts';

const jwt: JwtSettings = {
  secret: 'authenticator-test-secret-0123456789abcdef',
  issuer: 'cai',
  audience: 'cai',
};

function credential(value: string): Credential {
  return { kind: kindOf(value), value, source: 'authorization-header' };
}

async function failure(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );
}

describe('the authenticator', () => {
  let store: Store;
  let authenticator: Authenticator;
  let tenantId: string;

  beforeEach(async () => {
    store = await createStore({ url: 'sqlite::memory:' });
    authenticator = createAuthenticator({ store, jwt });
    tenantId = (await store.createTenant({ name: 'Acme' })).id;
  });
  afterEach(async () => {
    await store.close();
  });

  async function storedKey(forTenant = tenantId) {
    const generated = generateApiKey();
    const record = await store.createApiKey({
      tenantId: forTenant,
      prefix: generated.prefix,
      hash: generated.hash,
    });
    return { key: generated.key, record };
  }

  it("accepts a tenant's API key and speaks for the whole tenant", async () => {
    const { key, record } = await storedKey();
    const principal = await authenticator.authenticate(credential(key));
    expect(principal).toEqual({ kind: 'api-key', tenantId, keyId: record.id });
    expect(scopeOf(principal)).toEqual({ tenantId });
  });

  it('reads the credential from a request', async () => {
    const { key } = await storedKey();
    const principal = await authenticator.authenticateRequest({ headers: {}, query: { api_key: key } });
    expect(principal.tenantId).toBe(tenantId);
  });

  it('refuses a revoked key', async () => {
    const { key, record } = await storedKey();
    await store.revokeApiKey(record.id);
    expect(await failure(authenticator.authenticate(credential(key)))).toBe('AUTH_FAILED');
  });

  it('refuses a key whose prefix exists but whose secret is wrong', async () => {
    const { key } = await storedKey();
    const forged = `${key.slice(0, -4)}${key.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(await failure(authenticator.authenticate(credential(forged)))).toBe('AUTH_FAILED');
  });

  it('refuses an unknown key and a malformed one', async () => {
    expect(await failure(authenticator.authenticate(credential(generateApiKey().key)))).toBe('AUTH_FAILED');
    expect(await failure(authenticator.authenticate(credential('sk-not-ours')))).toBe('AUTH_FAILED');
  });

  it('asks for credentials when there are none', async () => {
    expect(await failure(authenticator.authenticate(undefined))).toBe('AUTH_REQUIRED');
    expect(await failure(authenticator.authenticateRequest({ headers: {} }))).toBe('AUTH_REQUIRED');
  });

  it('accepts a JWT and scopes it to its user', async () => {
    const { token } = await issueJwt(jwt, { tenantId, userId: 'alice', ttlSeconds: 60 });
    const principal = await authenticator.authenticate(credential(token));
    expect(principal).toEqual({ kind: 'jwt', tenantId, userId: 'alice', expiresAt: expect.any(Date) });
    expect(scopeOf(principal)).toEqual({ tenantId, userId: 'alice' });
  });

  it('refuses an expired JWT', async () => {
    const { token } = await issueJwt(jwt, {
      tenantId,
      userId: 'alice',
      ttlSeconds: 60,
      now: new Date(Date.now() - 3_600_000),
    });
    expect(await failure(authenticator.authenticate(credential(token)))).toBe('AUTH_FAILED');
  });

  it('refuses a JWT whose tenant does not exist', async () => {
    const { token } = await issueJwt(jwt, { tenantId: 'no-such-tenant', userId: 'alice', ttlSeconds: 60 });
    expect(await failure(authenticator.authenticate(credential(token)))).toBe('AUTH_FAILED');
  });
});

describe('the admin key', () => {
  const adminKey = 'admin-key-0123456789abcdef';

  it('is accepted when it matches ADMIN_API_KEY', () => {
    expect(() => authenticateAdmin(credential(adminKey), adminKey)).not.toThrow();
    expect(isAdminKey(adminKey, adminKey)).toBe(true);
  });

  it('is refused when it differs, even by length', () => {
    expect(isAdminKey(`${adminKey}x`, adminKey)).toBe(false);
    expect(isAdminKey('', adminKey)).toBe(false);
    expect(() => authenticateAdmin(credential('admin-key-0123456789abcdeX'), adminKey)).toThrow(
      expect.objectContaining({ code: 'AUTH_FAILED' }),
    );
  });

  it('is required', () => {
    expect(() => authenticateAdmin(undefined, adminKey)).toThrow(
      expect.objectContaining({ code: 'AUTH_REQUIRED' }),
    );
  });

  it('opens nothing while ADMIN_API_KEY is not set', () => {
    expect(() => authenticateAdmin(credential(adminKey), undefined)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });
});
