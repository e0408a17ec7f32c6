import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../core/domain.ts';
import { createStore } from '../store/create-store.ts';
import type { Store } from '../store/store.ts';
import { generateApiKey } from './api-keys.ts';
import { CredentialCachingStore } from './credential-cache.ts';

const TTL_MS = 5_000;

describe('the credential cache', () => {
  let store: Store;
  let reads: string[];
  let now: number;
  let cache: CredentialCachingStore;
  let tenantId: string;

  /** The store underneath, counting the reads the cache is meant to save. */
  function counted(underlying: Store): Store {
    return new Proxy(underlying, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'findApiKeyByPrefix' || property === 'getTenant') reads.push(property);
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
  }

  beforeEach(async () => {
    store = await createStore({ url: 'sqlite::memory:' });
    reads = [];
    now = 1_000_000;
    cache = new CredentialCachingStore(counted(store), { ttlMs: TTL_MS, now: () => now });
    tenantId = (await store.createTenant({ name: 'Acme' })).id;
  });
  afterEach(async () => {
    await store.close();
  });

  async function storedKey(): Promise<ApiKeyRecord> {
    const generated = generateApiKey();
    return store.createApiKey({ tenantId, prefix: generated.prefix, hash: generated.hash });
  }

  it('reads a key and a tenant once within the time to live, and again after it', async () => {
    const key = await storedKey();
    for (let index = 0; index < 3; index += 1) {
      expect(await cache.findApiKeyByPrefix(key.prefix)).toEqual(key);
      expect((await cache.getTenant(tenantId))?.id).toBe(tenantId);
    }
    expect(reads).toEqual(['findApiKeyByPrefix', 'getTenant']);
    now += TTL_MS;
    await cache.findApiKeyByPrefix(key.prefix);
    await cache.getTenant(tenantId);
    expect(reads).toEqual(['findApiKeyByPrefix', 'getTenant', 'findApiKeyByPrefix', 'getTenant']);
  });

  it('sees a key revoked through it at once', async () => {
    const key = await storedKey();
    await cache.findApiKeyByPrefix(key.prefix);
    await cache.revokeApiKey(key.id);
    expect((await cache.findApiKeyByPrefix(key.prefix))?.revokedAt).not.toBeNull();
  });

  it('sees a key revoked elsewhere within the time to live, or at once once told', async () => {
    const first = await storedKey();
    const second = await storedKey();
    await cache.findApiKeyByPrefix(first.prefix);
    await cache.findApiKeyByPrefix(second.prefix);
    // Revoked behind the cache's back, as another process would.
    await store.revokeApiKey(first.id);
    await store.revokeApiKey(second.id);

    cache.forgetApiKey(second.id);
    expect((await cache.findApiKeyByPrefix(second.prefix))?.revokedAt).not.toBeNull();

    now += TTL_MS - 1;
    expect((await cache.findApiKeyByPrefix(first.prefix))?.revokedAt).toBeNull();
    now += 1;
    expect((await cache.findApiKeyByPrefix(first.prefix))?.revokedAt).not.toBeNull();
  });

  it('does not keep a key read while it was being revoked', async () => {
    const key = await storedKey();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // A read that returns the row as it was before the revocation, after the revocation.
    const slow: Store = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'findApiKeyByPrefix') {
          return async (prefix: string) => {
            const record = await target.findApiKeyByPrefix(prefix);
            await held;
            return record;
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const racing = new CredentialCachingStore(slow, { ttlMs: TTL_MS });
    const before = racing.findApiKeyByPrefix(key.prefix);
    await new Promise((resolve) => setImmediate(resolve));
    await racing.revokeApiKey(key.id);
    release();
    expect((await before)?.revokedAt).toBeNull();
    expect((await racing.findApiKeyByPrefix(key.prefix))?.revokedAt).not.toBeNull();
  });

  it('sees a limit set through it at once', async () => {
    await cache.getTenant(tenantId);
    await cache.setTenantLimit(tenantId, 'LIMIT_REST_PER_MINUTE', 7);
    expect((await cache.getTenant(tenantId))?.limits).toEqual({ LIMIT_REST_PER_MINUTE: 7 });
  });

  it('keeps no unknown prefix or tenant, so what another process creates works at once', async () => {
    const generated = generateApiKey();
    expect(await cache.findApiKeyByPrefix(generated.prefix)).toBeUndefined();
    const record = await store.createApiKey({ tenantId, prefix: generated.prefix, hash: generated.hash });
    expect(await cache.findApiKeyByPrefix(generated.prefix)).toEqual(record);
  });

  it('holds at most maxEntries keys', async () => {
    const bounded = new CredentialCachingStore(counted(store), { ttlMs: TTL_MS, maxEntries: 2 });
    const keys = [await storedKey(), await storedKey(), await storedKey()];
    for (const key of keys) await bounded.findApiKeyByPrefix(key.prefix);
    reads = [];
    // The first was dropped to make room for the third.
    await bounded.findApiKeyByPrefix(keys[1]!.prefix);
    await bounded.findApiKeyByPrefix(keys[2]!.prefix);
    expect(reads).toEqual([]);
    await bounded.findApiKeyByPrefix(keys[0]!.prefix);
    expect(reads).toEqual(['findApiKeyByPrefix']);
  });

  it('answers frozen copies, so that no caller can change what the next one reads', async () => {
    const key = await storedKey();
    const record = await cache.findApiKeyByPrefix(key.prefix);
    const tenant = await cache.getTenant(tenantId);
    expect(Object.isFrozen(record)).toBe(true);
    expect(Object.isFrozen(tenant)).toBe(true);
    expect(Object.isFrozen(tenant?.limits)).toBe(true);
  });
});
