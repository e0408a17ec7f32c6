import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError } from '../../packages/sdk/src/index.ts';
import {
  clearSession,
  loadSession,
  saveSession,
  signIn,
  TOKEN_TTL_SECONDS,
  type SessionStorage,
} from './session.ts';

class MemoryStorage implements SessionStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

const user = {
  kind: 'user' as const,
  token: 'eyJ.token',
  tenantId: 'tenant-1',
  userId: 'alice',
  expiresAt: '2030-01-01T00:00:00.000Z',
};

afterEach(() => vi.unstubAllGlobals());

describe('the stored session', () => {
  it('comes back after a reload until it expires, then is dropped', () => {
    const storage = new MemoryStorage();
    saveSession(storage, user);
    expect(loadSession(storage, new Date('2029-12-31T23:59:59Z'))).toEqual(user);
    expect(loadSession(storage, new Date('2030-01-01T00:00:00Z'))).toBeNull();
    expect(storage.items.size).toBe(0);
  });

  it('keeps an anonymous session, and nothing after sign-out', () => {
    const storage = new MemoryStorage();
    saveSession(storage, { kind: 'anonymous' });
    expect(loadSession(storage)).toEqual({ kind: 'anonymous' });
    clearSession(storage);
    expect(loadSession(storage)).toBeNull();
  });

  it('ignores whatever else is stored under its name', () => {
    const storage = new MemoryStorage();
    for (const junk of ['not json', '{"kind":"user","token":""}', '[]', '{"kind":"admin"}']) {
      storage.setItem('cai.session', junk);
      expect(loadSession(storage)).toBeNull();
    }
  });
});

describe('signIn', () => {
  it('exchanges the key for a user token once, and keeps only the token', async () => {
    const requests: Array<{ url: string; authorization: string | null; body: unknown }> = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      requests.push({
        url,
        authorization: new Headers(init.headers).get('authorization'),
        body: JSON.parse(String(init.body)),
      });
      return new Response(
        JSON.stringify({
          token: 'eyJ.user',
          token_type: 'Bearer',
          expires_in: TOKEN_TTL_SECONDS,
          expires_at: '2030-01-01T00:00:00.000Z',
          user_id: 'alice',
          tenant_id: 'tenant-1',
        }),
        { status: 201, headers: { 'content-type': 'application/json' } },
      );
    });
    const session = await signIn({ httpBase: 'http://127.0.0.1:1', apiKey: ' cai_key ', userId: ' alice ' });
    expect(requests).toEqual([
      {
        url: 'http://127.0.0.1:1/api/v1/auth/token',
        authorization: 'Bearer cai_key',
        body: { user_id: 'alice', ttl_seconds: TOKEN_TTL_SECONDS },
      },
    ]);
    expect(session).toEqual({ ...user, token: 'eyJ.user' });
    expect(JSON.stringify(session)).not.toContain('cai_key');
  });

  it('fails with the typed error of a refused key', async () => {
    vi.stubGlobal(
      'fetch',
      async () =>
        new Response(JSON.stringify({ error: { code: 'AUTH_FAILED', message: 'Invalid API key.' } }), {
          status: 401,
          headers: { 'content-type': 'application/json' },
        }),
    );
    await expect(
      signIn({ httpBase: 'http://127.0.0.1:1', apiKey: 'wrong', userId: 'alice' }),
    ).rejects.toBeInstanceOf(AuthError);
  });
});
