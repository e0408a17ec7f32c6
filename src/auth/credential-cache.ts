import type { ApiKeyRecord, LimitName, Tenant } from '../core/domain.ts';
import type { Store } from '../store/store.ts';
import { ExpiringCache } from './expiring-cache.ts';

// What every authenticated request reads, kept in memory for a short time: the API key found by
// its prefix, and the tenant (for its limits). Without it, two of a chat request's few statements
// are these reads. The key is still hashed and compared in constant time on every request
// (authenticator.ts); only the database read is saved.
//
// A change made through this store is seen at once: revoking a key or setting a limit forgets
// what was kept. A change made by another process (`npx cai key revoke`, another server) is seen
// within `ttlMs`, or sooner when the bus announces a revocation (forgetApiKey). A read that
// overlapped a forget is not kept, since it may have read the row before the change.

export interface CredentialCacheOptions {
  /** How long an entry is trusted; 0 turns the cache off. app.ts gives REVOCATION_CHECK_MS. */
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

export class CredentialCachingStore implements Store {
  readonly dialect: Store['dialect'];
  readonly #store: Store;
  readonly #keys: ExpiringCache<string, ApiKeyRecord>;
  readonly #tenants: ExpiringCache<string, Tenant>;
  /** Moves on every forget: a read that started before it does not keep what it read. */
  #generation = 0;

  constructor(store: Store, options: CredentialCacheOptions) {
    this.#store = store;
    this.dialect = store.dialect;
    const cacheOptions = {
      ttlMs: options.ttlMs,
      maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
      ...(options.now === undefined ? {} : { now: options.now }),
    };
    this.#keys = new ExpiringCache(cacheOptions);
    this.#tenants = new ExpiringCache(cacheOptions);
  }

  /** A key revoked elsewhere (announced on the bus): its next use reads the store. */
  forgetApiKey(keyId: string): void {
    this.#generation += 1;
    this.#keys.deleteWhere((record) => record.id === keyId);
  }

  forgetTenant(tenantId: string): void {
    this.#generation += 1;
    this.#tenants.delete(tenantId);
  }

  async findApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.#keys.get(prefix);
    if (cached !== undefined) return cached;
    const generation = this.#generation;
    const record = await this.#store.findApiKeyByPrefix(prefix);
    // Unknown prefixes are not kept: a key made elsewhere works at once, and guesses fill nothing.
    if (record !== undefined && generation === this.#generation)
      this.#keys.set(prefix, Object.freeze(record));
    return record;
  }

  async getTenant(tenantId: string): Promise<Tenant | undefined> {
    const cached = this.#tenants.get(tenantId);
    if (cached !== undefined) return cached;
    const generation = this.#generation;
    const tenant = await this.#store.getTenant(tenantId);
    if (tenant !== undefined && generation === this.#generation) {
      Object.freeze(tenant.limits);
      this.#tenants.set(tenantId, Object.freeze(tenant));
    }
    return tenant;
  }

  async revokeApiKey(keyId: string): Promise<ApiKeyRecord | undefined> {
    try {
      return await this.#store.revokeApiKey(keyId);
    } finally {
      this.forgetApiKey(keyId);
    }
  }

  async setTenantLimit(tenantId: string, name: LimitName, value: number | null): Promise<Tenant | undefined> {
    try {
      return await this.#store.setTenantLimit(tenantId, name, value);
    } finally {
      this.forgetTenant(tenantId);
    }
  }

  // The rest is the store's own.
  createTenant: Store['createTenant'] = (input) => this.#store.createTenant(input);
  createApiKey: Store['createApiKey'] = (input) => this.#store.createApiKey(input);
  revokedApiKeyIds: Store['revokedApiKeyIds'] = (keyIds) => this.#store.revokedApiKeyIds(keyIds);
  ensureUser: Store['ensureUser'] = (tenantId, userId) => this.#store.ensureUser(tenantId, userId);
  createConversation: Store['createConversation'] = (scope, input) =>
    this.#store.createConversation(scope, input);
  getConversation: Store['getConversation'] = (scope, conversationId) =>
    this.#store.getConversation(scope, conversationId);
  listConversations: Store['listConversations'] = (scope, filter, page) =>
    this.#store.listConversations(scope, filter, page);
  deleteConversation: Store['deleteConversation'] = (scope, conversationId) =>
    this.#store.deleteConversation(scope, conversationId);
  appendMessage: Store['appendMessage'] = (scope, input) => this.#store.appendMessage(scope, input);
  createConversationWithMessage: Store['createConversationWithMessage'] = (scope, input) =>
    this.#store.createConversationWithMessage(scope, input);
  amendMessage: Store['amendMessage'] = (scope, input) => this.#store.amendMessage(scope, input);
  listMessages: Store['listMessages'] = (scope, conversationId, page) =>
    this.#store.listMessages(scope, conversationId, page);
  recentMessages: Store['recentMessages'] = (scope, conversationId, limit) =>
    this.#store.recentMessages(scope, conversationId, limit);
  ping: Store['ping'] = () => this.#store.ping();
  close: Store['close'] = () => this.#store.close();
}
