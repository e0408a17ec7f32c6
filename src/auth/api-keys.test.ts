import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { generateApiKey, hashApiKey, looksLikeApiKey, parseApiKey, verifyApiKey } from './api-keys.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

describe('API keys', () => {
  it('look like cai_<prefix>_<secret> with a 12-character prefix and 32 random bytes of secret', () => {
    const { key, prefix } = generateApiKey();
    expect(key).toMatch(/^cai_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`cai_${prefix}_`)).toBe(true);
    const secret = key.slice(`cai_${prefix}_`.length);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('are different every time, prefixes included', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(keys.map((generated) => generated.key)).size).toBe(200);
    expect(new Set(keys.map((generated) => generated.prefix)).size).toBe(200);
  });

  it('are stored as the SHA-256 hex of the whole key, never the key itself', () => {
    const { key, hash } = generateApiKey();
    expect(hash).toBe(crypto.createHash('sha256').update(key).digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(key);
    expect(hashApiKey(key)).toBe(hash);
  });

  it('parse to their prefix, even when the secret contains underscores', () => {
    const key = `cai_abcdefghijkm_${'_'.repeat(10)}${'A'.repeat(33)}`;
    expect(parseApiKey(key)).toEqual({ prefix: 'abcdefghijkm' });
    const generated = generateApiKey();
    expect(parseApiKey(generated.key)).toEqual({ prefix: generated.prefix });
  });

  it('refuse to parse anything else', () => {
    for (const value of [
      '',
      'cai_',
      'cai_abcdefghijkm_short',
      'sk_abcdefghijkm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'cai_ABCDEFGHIJKM_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'cai_abcdefghijk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      ' cai_abcdefghijkm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'eyJhbGciOiJIUzI1NiJ9.e30.sig',
    ]) {
      expect(parseApiKey(value), value).toBeUndefined();
      expect(looksLikeApiKey(value), value).toBe(false);
    }
  });

  it('verify against their stored hash', () => {
    const { key, hash } = generateApiKey();
    expect(verifyApiKey(key, hash)).toBe(true);
  });

  it('do not verify when one character differs', () => {
    const { key, hash } = generateApiKey();
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(verifyApiKey(`${key.slice(0, -1)}${last}`, hash)).toBe(false);
    expect(verifyApiKey(generateApiKey().key, hash)).toBe(false);
  });

  it('are compared in constant time, on a match, a mismatch and a malformed stored hash alike', () => {
    const { key, hash } = generateApiKey();
    const callsBefore = vi.mocked(crypto.timingSafeEqual).mock.calls.length;
    verifyApiKey(key, hash);
    verifyApiKey(generateApiKey().key, hash);
    expect(verifyApiKey(key, 'not-hex')).toBe(false);
    expect(vi.mocked(crypto.timingSafeEqual).mock.calls.length - callsBefore).toBe(3);
  });
});
