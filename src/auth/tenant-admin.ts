import type { Config } from '../config.ts';
import { LIMIT_NAMES, type LimitName, type Tenant } from '../core/domain.ts';
import { AppError } from '../core/errors.ts';
import { isLimitName, type LimitDefaults } from '../limits/effective-limit.ts';
import type { Store } from '../store/store.ts';
import { generateApiKey } from './api-keys.ts';
import { issueJwt, type JwtSettings } from './jwt.ts';

// The operations behind both the `cai` CLI and `/api/v1/admin/`: one implementation, two doors.
// Answers are in the wire's snake_case, since both doors print them as they are.

export type KeyRevokedListener = (event: { keyId: string; tenantId: string }) => void | Promise<void>;

export interface TenantAdminOptions {
  store: Store;
  config: LimitDefaults & Pick<Config, 'JWT_DEFAULT_TTL_SECONDS'>;
  /** The signing settings, or how to get them when a token is first issued (the CLI reads the secret file only then). */
  jwt: JwtSettings | (() => Promise<JwtSettings>);
  /** Told of every revocation, e.g. to close that key's sockets and tell other processes. */
  onKeyRevoked?: KeyRevokedListener;
  /** Where a listener's failure goes; the revocation itself has already happened. */
  onListenerError?: (error: unknown) => void;
}

export interface LimitSetting {
  value: number;
  default: number;
  overridden: boolean;
}

export interface TenantLimits {
  tenant_id: string;
  limits: Record<LimitName, LimitSetting>;
}

export interface TenantAdmin {
  createTenant(input: { name: string }): Promise<{ tenant_id: string; name: string; api_key: string }>;
  createKey(input: { tenantId: string }): Promise<{ key_id: string; api_key: string }>;
  revokeKey(keyId: string): Promise<{ key_id: string; revoked_at: string }>;
  issueToken(input: {
    tenantId: string;
    userId: string;
    ttlSeconds?: number;
  }): Promise<{ token: string; expires_at: string }>;
  getTenantLimits(tenantId: string): Promise<TenantLimits>;
  /** `value: null` removes the tenant's override, so the default applies again. */
  setTenantLimit(input: { tenantId: string; name: string; value: number | null }): Promise<TenantLimits>;
  /** Adds a revocation listener; answers a function that removes it. */
  onKeyRevoked(listener: KeyRevokedListener): () => void;
}

const MAX_NAME_LENGTH = 200;
const MAX_USER_ID_LENGTH = 256;

export function createTenantAdmin(options: TenantAdminOptions): TenantAdmin {
  const { store, config } = options;
  const listeners = new Set<KeyRevokedListener>(options.onKeyRevoked ? [options.onKeyRevoked] : []);

  async function requireTenant(tenantId: string): Promise<Tenant> {
    const tenant = tenantId.trim() === '' ? undefined : await store.getTenant(tenantId);
    if (tenant === undefined) throw new AppError('NOT_FOUND', { message: `No tenant ${tenantId}.` });
    return tenant;
  }

  async function newKey(tenantId: string): Promise<{ key_id: string; api_key: string }> {
    const generated = generateApiKey();
    const record = await store.createApiKey({ tenantId, prefix: generated.prefix, hash: generated.hash });
    return { key_id: record.id, api_key: generated.key };
  }

  function limitsOf(tenant: Tenant): TenantLimits {
    const entries = LIMIT_NAMES.map((name) => {
      const override = tenant.limits[name];
      const setting: LimitSetting = {
        value: override ?? config[name],
        default: config[name],
        overridden: override !== undefined,
      };
      return [name, setting] as const;
    });
    return { tenant_id: tenant.id, limits: Object.fromEntries(entries) as Record<LimitName, LimitSetting> };
  }

  return {
    async createTenant(input) {
      const name = typeof input.name === 'string' ? input.name.trim() : '';
      if (name === '' || name.length > MAX_NAME_LENGTH) {
        throw new AppError('VALIDATION_FAILED', {
          message: `A tenant needs a name of 1 to ${MAX_NAME_LENGTH} characters.`,
        });
      }
      const tenant = await store.createTenant({ name });
      const key = await newKey(tenant.id);
      return { tenant_id: tenant.id, name: tenant.name, api_key: key.api_key };
    },

    async createKey(input) {
      const tenant = await requireTenant(input.tenantId);
      return newKey(tenant.id);
    },

    async revokeKey(keyId) {
      const record = keyId.trim() === '' ? undefined : await store.revokeApiKey(keyId);
      if (record === undefined) throw new AppError('NOT_FOUND', { message: `No API key ${keyId}.` });
      const revokedAt = record.revokedAt;
      if (revokedAt === null)
        throw new AppError('INTERNAL_ERROR', { message: `Key ${keyId} was not revoked.` });
      const results = await Promise.allSettled(
        [...listeners].map(async (listener) => listener({ keyId: record.id, tenantId: record.tenantId })),
      );
      for (const result of results) {
        if (result.status === 'rejected') options.onListenerError?.(result.reason);
      }
      return { key_id: record.id, revoked_at: revokedAt };
    },

    async issueToken(input) {
      const ttlSeconds = input.ttlSeconds ?? config.JWT_DEFAULT_TTL_SECONDS;
      if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
        throw new AppError('VALIDATION_FAILED', {
          message: 'The lifetime must be a whole number of seconds, at least 1.',
        });
      }
      // Kept as given, not trimmed: the client chose it and will present it again.
      const userId = typeof input.userId === 'string' ? input.userId : '';
      if (userId.trim() === '' || userId.length > MAX_USER_ID_LENGTH) {
        throw new AppError('VALIDATION_FAILED', {
          message: `A user id needs 1 to ${MAX_USER_ID_LENGTH} characters.`,
        });
      }
      const tenant = await requireTenant(input.tenantId);
      await store.ensureUser(tenant.id, userId);
      const settings = typeof options.jwt === 'function' ? await options.jwt() : options.jwt;
      const { token, expiresAt } = await issueJwt(settings, { tenantId: tenant.id, userId, ttlSeconds });
      return { token, expires_at: expiresAt.toISOString() };
    },

    async getTenantLimits(tenantId) {
      return limitsOf(await requireTenant(tenantId));
    },

    async setTenantLimit(input) {
      if (!isLimitName(input.name)) {
        throw new AppError('VALIDATION_FAILED', {
          message: `Unknown limit ${input.name}; the limits are ${LIMIT_NAMES.join(', ')}.`,
        });
      }
      if (input.value !== null && (!Number.isSafeInteger(input.value) || input.value < 0)) {
        throw new AppError('VALIDATION_FAILED', {
          message: `${input.name} must be a whole number, at least 0 (0 means no limit).`,
        });
      }
      await requireTenant(input.tenantId);
      const tenant = await store.setTenantLimit(input.tenantId, input.name, input.value);
      if (tenant === undefined) throw new AppError('NOT_FOUND', { message: `No tenant ${input.tenantId}.` });
      return limitsOf(tenant);
    },

    onKeyRevoked(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
