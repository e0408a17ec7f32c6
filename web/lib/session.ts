import { z } from 'zod';
import './zod-setup.ts';
import { CaiClient } from '../../packages/sdk/src/index.ts';

// Who the app speaks for. The tenant API key a user types is sent once, to exchange it for a user
// JWT (`POST /api/v1/auth/token`), and is then forgotten: only the JWT is kept, in localStorage, so
// a reload stays signed in until it expires. Anonymous sessions (ALLOW_ANONYMOUS=true) can only talk.

export interface UserSession {
  kind: 'user';
  token: string;
  tenantId: string;
  userId: string;
  /** ISO time. */
  expiresAt: string;
}

export interface AnonymousSession {
  kind: 'anonymous';
}

export type Session = UserSession | AnonymousSession;

const STORAGE_KEY = 'cai.session';
/** Long enough for a working day; the server allows up to 30 days. */
export const TOKEN_TTL_SECONDS = 12 * 60 * 60;

const storedSession = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('user'),
    token: z.string().min(1),
    tenantId: z.string().min(1),
    userId: z.string().min(1),
    expiresAt: z.iso.datetime({ offset: true }),
  }),
  z.object({ kind: z.literal('anonymous') }),
]);

export interface SessionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The stored session, unless it is missing, malformed or expired. */
export function loadSession(storage: SessionStorage, now: Date = new Date()): Session | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null');
  } catch {
    return null;
  }
  const result = storedSession.safeParse(parsed);
  if (!result.success) return null;
  if (result.data.kind === 'user' && isExpired(result.data, now)) {
    storage.removeItem(STORAGE_KEY);
    return null;
  }
  return result.data;
}

export function saveSession(storage: SessionStorage, session: Session): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(storage: SessionStorage): void {
  storage.removeItem(STORAGE_KEY);
}

export function isExpired(session: UserSession, now: Date = new Date()): boolean {
  return Date.parse(session.expiresAt) <= now.getTime();
}

/** Exchanges the key for a user JWT; the key goes no further than this one request. */
export async function signIn(options: {
  httpBase: string;
  apiKey: string;
  userId: string;
}): Promise<UserSession> {
  const client = new CaiClient({ baseUrl: options.httpBase, apiKey: options.apiKey.trim() });
  const reply = await client.createToken({ userId: options.userId.trim(), ttlSeconds: TOKEN_TTL_SECONDS });
  return {
    kind: 'user',
    token: reply.token,
    tenantId: reply.tenant_id,
    userId: reply.user_id,
    expiresAt: reply.expires_at,
  };
}
