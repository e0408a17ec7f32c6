import { SignJWT, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { issueJwt, verifyJwt, type JwtSettings } from './jwt.ts';

const settings: JwtSettings = {
  secret: 'a-test-secret-that-is-long-enough-0123456789',
  issuer: 'cai',
  audience: 'cai',
};
const key = new TextEncoder().encode(settings.secret);
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function expectAuthFailed(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('AUTH_FAILED');
  return error as AppError;
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function claims(overrides: Record<string, unknown> = {}) {
  return { sub: 'user-1', tid: 'tenant-1', iss: 'cai', aud: 'cai', exp: nowSeconds() + 600, ...overrides };
}

describe('JWT', () => {
  it('carries user, tenant, issuer, audience and expiry, and verifies', async () => {
    const { token, expiresAt } = await issueJwt(settings, {
      tenantId: 'tenant-1',
      userId: 'user-1',
      ttlSeconds: 600,
    });
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: 'user-1', tid: 'tenant-1', iss: 'cai', aud: 'cai' });
    expect(payload.exp - payload.iat).toBe(600);
    expect(await verifyJwt(settings, token)).toEqual({ tenantId: 'tenant-1', userId: 'user-1', expiresAt });
  });

  it('is refused once expired', async () => {
    const { token } = await issueJwt(settings, {
      tenantId: 'tenant-1',
      userId: 'user-1',
      ttlSeconds: 60,
      now: new Date(Date.now() - 120_000),
    });
    const error = await expectAuthFailed(verifyJwt(settings, token));
    expect(error.message).toMatch(/expired/);
  });

  it('is refused unsigned (alg:none)', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`;
    await expectAuthFailed(verifyJwt(settings, token));
  });

  it('is refused when signed with another secret', async () => {
    const other = { ...settings, secret: 'another-secret-that-is-also-long-enough-xyz' };
    const { token } = await issueJwt(other, { tenantId: 'tenant-1', userId: 'user-1', ttlSeconds: 600 });
    await expectAuthFailed(verifyJwt(settings, token));
  });

  it('is refused when its payload was altered', async () => {
    const { token } = await issueJwt(settings, { tenantId: 'tenant-1', userId: 'user-1', ttlSeconds: 600 });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${base64url(claims({ tid: 'tenant-2' }))}.${signature}`;
    await expectAuthFailed(verifyJwt(settings, forged));
  });

  it('is refused when signed with HS512, even with the right secret', async () => {
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS512' }).sign(key);
    await expectAuthFailed(verifyJwt(settings, token));
  });

  it('is refused when signed with RS256', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    await expectAuthFailed(verifyJwt(settings, token));
  });

  it('is refused with the wrong issuer or audience', async () => {
    const wrongIssuer = await new SignJWT(claims({ iss: 'someone-else' }))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(key);
    const wrongAudience = await new SignJWT(claims({ aud: 'someone-else' }))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(key);
    await expectAuthFailed(verifyJwt(settings, wrongIssuer));
    await expectAuthFailed(verifyJwt(settings, wrongAudience));
    // The same tokens pass where that issuer and audience are the configured ones.
    expect(await verifyJwt({ ...settings, issuer: 'someone-else' }, wrongIssuer)).toMatchObject({
      userId: 'user-1',
    });
  });

  it('is refused without exp, sub or tid', async () => {
    for (const missing of ['exp', 'sub', 'tid']) {
      const payload: Record<string, unknown> = claims();
      delete payload[missing];
      const token = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(key);
      await expectAuthFailed(verifyJwt(settings, token));
    }
  });

  it('is refused when it is not a JWT at all', async () => {
    await expectAuthFailed(verifyJwt(settings, 'not.a.jwt'));
    await expectAuthFailed(verifyJwt(settings, ''));
  });
});
