import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../core/errors.ts';

// End-user credentials (doc 003): HS256 only. The accepted algorithm is fixed here and never
// taken from the token, so `alg:none` and every other algorithm are refused.

const ALGORITHM = 'HS256';

export interface JwtSettings {
  secret: string;
  issuer: string;
  audience: string;
}

export interface JwtClaims {
  tenantId: string;
  userId: string;
  expiresAt: Date;
}

export interface IssueJwtInput {
  tenantId: string;
  userId: string;
  ttlSeconds: number;
  /** For tests: the moment the token is issued. */
  now?: Date;
}

export function jwtSettingsFrom(
  config: { JWT_ISSUER: string; JWT_AUDIENCE: string },
  secret: string,
): JwtSettings {
  return { secret, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
}

export async function issueJwt(
  settings: JwtSettings,
  input: IssueJwtInput,
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAtSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const expiresAtSeconds = issuedAtSeconds + input.ttlSeconds;
  const token = await new SignJWT({ tid: input.tenantId })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(input.userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(expiresAtSeconds)
    .sign(keyOf(settings));
  return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
}

/** The token's claims; AUTH_FAILED for any token that is not ours, not valid now, or incomplete. */
export async function verifyJwt(settings: JwtSettings, token: string, now?: Date): Promise<JwtClaims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(settings), {
      algorithms: [ALGORITHM],
      issuer: settings.issuer,
      audience: settings.audience,
      requiredClaims: ['exp', 'sub', 'tid'],
      ...(now === undefined ? {} : { currentDate: now }),
    });
    const { sub, tid, exp } = payload;
    if (typeof sub !== 'string' || sub === '' || typeof tid !== 'string' || tid === '' || exp === undefined) {
      throw new AppError('AUTH_FAILED', { message: 'The token lacks its user or tenant.' });
    }
    return { tenantId: tid, userId: sub, expiresAt: new Date(exp * 1000) };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('AUTH_FAILED', { message: failureMessage(error), cause: error });
  }
}

function keyOf(settings: JwtSettings): Uint8Array {
  return new TextEncoder().encode(settings.secret);
}

function failureMessage(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired.';
  return 'Invalid or expired authentication credentials.';
}
