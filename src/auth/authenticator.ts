import { hash, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../core/domain.ts';
import { AppError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { hashApiKey, parseApiKey, verifyApiKey } from './api-keys.ts';
import { readCredential, type Credential, type RequestLike } from './credentials.ts';
import { verifyJwt, type JwtSettings } from './jwt.ts';

// Credential → who is asking. An API key speaks for its whole tenant; a JWT for one user of it.

export type PrincipalKind = 'api-key' | 'jwt' | 'admin';

export interface Principal {
  tenantId: string;
  /** Set for a JWT: the user it was issued to. */
  userId?: string;
  /** Set for an API key: its id, so revocation can find what it opened. */
  keyId?: string;
  /** Set for a JWT: when it expires, so a socket it opened can be closed then. */
  expiresAt?: Date;
  kind: PrincipalKind;
}

export interface Authenticator {
  /** AUTH_REQUIRED without a credential; AUTH_FAILED for a bad, revoked or expired one. */
  authenticate(credential: Credential | undefined): Promise<Principal>;
  authenticateRequest(request: RequestLike): Promise<Principal>;
}

export interface AuthenticatorOptions {
  store: Pick<Store, 'findApiKeyByPrefix' | 'getTenant'>;
  jwt: JwtSettings;
}

// Compared against when no key has the presented prefix, so a miss costs what a hit costs.
const UNMATCHABLE_HASH = hashApiKey('cai_unmatchable');

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  async function authenticateApiKey(value: string): Promise<Principal> {
    const parsed = parseApiKey(value);
    const record = parsed === undefined ? undefined : await options.store.findApiKeyByPrefix(parsed.prefix);
    const matches = verifyApiKey(value, record?.hash ?? UNMATCHABLE_HASH);
    if (record === undefined || !matches) throw new AppError('AUTH_FAILED');
    if (record.revokedAt !== null)
      throw new AppError('AUTH_FAILED', { message: 'This API key has been revoked.' });
    return { kind: 'api-key', tenantId: record.tenantId, keyId: record.id };
  }

  async function authenticateJwt(value: string): Promise<Principal> {
    const claims = await verifyJwt(options.jwt, value);
    const tenant = await options.store.getTenant(claims.tenantId);
    if (tenant === undefined) throw new AppError('AUTH_FAILED');
    return { kind: 'jwt', tenantId: claims.tenantId, userId: claims.userId, expiresAt: claims.expiresAt };
  }

  async function authenticate(credential: Credential | undefined): Promise<Principal> {
    if (credential === undefined) throw new AppError('AUTH_REQUIRED');
    return credential.kind === 'jwt'
      ? authenticateJwt(credential.value)
      : authenticateApiKey(credential.value);
  }

  return {
    authenticate,
    authenticateRequest: (request) => authenticate(readCredential(request)),
  };
}

/** What a principal may read and write: the whole tenant, or for a JWT its own user's part. */
export function scopeOf(principal: Principal): Scope {
  return principal.userId === undefined
    ? { tenantId: principal.tenantId }
    : { tenantId: principal.tenantId, userId: principal.userId };
}

/**
 * Admin endpoints (`/api/v1/admin/`, `GET /webrtc/stats`) span tenants, so they take ADMIN_API_KEY
 * only. FORBIDDEN while it is not set: the endpoints are then off.
 */
export function authenticateAdmin(credential: Credential | undefined, adminApiKey: string | undefined): void {
  if (adminApiKey === undefined || adminApiKey === '') {
    throw new AppError('FORBIDDEN', { message: 'Admin endpoints are disabled: ADMIN_API_KEY is not set.' });
  }
  if (credential === undefined) throw new AppError('AUTH_REQUIRED');
  if (!isAdminKey(credential.value, adminApiKey)) throw new AppError('AUTH_FAILED');
}

/** Constant-time comparison; digests first, so the lengths match whatever was presented. */
export function isAdminKey(presented: string, adminApiKey: string): boolean {
  const digest = (value: string) => hash('sha256', value, 'buffer');
  return timingSafeEqual(digest(presented), digest(adminApiKey));
}
