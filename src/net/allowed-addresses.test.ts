import { describe, expect, it } from 'vitest';
import { normalizeHostname, resolveAllowedAddresses } from './allowed-addresses.ts';
import type { ResolveHostname } from './allowed-addresses.ts';
import { SafeFetchError } from './safe-fetch-error.ts';

// Resolution is injected: these tests never send a packet anywhere.
const resolverOf =
  (answers: Record<string, string[]>): ResolveHostname =>
  async (hostname) => {
    const addresses = answers[hostname];
    if (addresses === undefined) throw new Error(`ENOTFOUND ${hostname}`);
    return addresses;
  };

async function refusal(promise: Promise<unknown>): Promise<SafeFetchError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SafeFetchError);
  return error as SafeFetchError;
}

describe('resolveAllowedAddresses', () => {
  it.each([
    ['metadata.internal', ['169.254.169.254']],
    ['intranet.example', ['10.1.2.3']],
    ['router.example', ['192.168.0.1']],
    ['v6-private.example', ['fd00::1']],
    ['v6-link-local.example', ['fe80::1']],
    ['mapped.example', ['::ffff:10.0.0.1']],
    ['loopback.example', ['127.0.0.1', '::1']],
    ['mixed.example', ['93.184.215.14', '10.0.0.1']],
  ])('refuses the name %s, which resolves to %j', async (hostname, addresses) => {
    const error = await refusal(
      resolveAllowedAddresses({ hostname, exempt: false, resolve: resolverOf({ [hostname]: addresses }) }),
    );
    expect(error.code).toBe('ADDRESS_NOT_ALLOWED');
  });

  it('accepts a name with only public addresses and returns them all', async () => {
    const resolve = resolverOf({
      'audio.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    });
    await expect(
      resolveAllowedAddresses({ hostname: 'audio.example', exempt: false, resolve }),
    ).resolves.toEqual(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
  });

  it('lets an exempt host resolve to a private address', async () => {
    const resolve = resolverOf({ 'media.internal': ['10.0.0.5'] });
    await expect(
      resolveAllowedAddresses({ hostname: 'media.internal', exempt: true, resolve }),
    ).resolves.toEqual(['10.0.0.5']);
  });

  it('checks an IP literal without resolving it', async () => {
    const resolve: ResolveHostname = async () => {
      throw new Error('must not resolve an IP literal');
    };
    const error = await refusal(resolveAllowedAddresses({ hostname: '10.0.0.1', exempt: false, resolve }));
    expect(error.code).toBe('ADDRESS_NOT_ALLOWED');
    await expect(resolveAllowedAddresses({ hostname: '8.8.8.8', exempt: false, resolve })).resolves.toEqual([
      '8.8.8.8',
    ]);
  });

  it('fails a name that does not resolve, or resolves to nothing', async () => {
    const resolve = resolverOf({ 'empty.example': [] });
    expect(
      (await refusal(resolveAllowedAddresses({ hostname: 'gone.example', exempt: false, resolve }))).code,
    ).toBe('FETCH_FAILED');
    expect(
      (await refusal(resolveAllowedAddresses({ hostname: 'empty.example', exempt: false, resolve }))).code,
    ).toBe('FETCH_FAILED');
  });
});

describe('normalizeHostname', () => {
  it.each([
    ['127.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['Media.Example.', 'media.example'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
  ])('spells %s as %s, as a parsed URL does', (host, expected) => {
    expect(normalizeHostname(host)).toBe(expected);
  });
});
