import { lookup } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';
import { isPublicAddress } from './address-policy.ts';
import { SafeFetchError } from './safe-fetch-error.ts';

/** Resolves a host name to its IP addresses (all families). */
export type ResolveHostname = (hostname: string) => Promise<string[]>;

export const resolveWithSystem: ResolveHostname = async (hostname) => {
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  return addresses.map((entry) => entry.address);
};

/**
 * The form a URL gives a host (`127.1` and `[::ffff:127.0.0.1]` are normalized by the URL parser),
 * without IPv6 brackets or a trailing dot, so an exemption list and a URL compare equal.
 */
export function normalizeHostname(host: string): string {
  const trimmed = host.trim();
  let hostname = trimmed.toLowerCase();
  try {
    hostname = new URL(`http://${isIPv6(trimmed) ? `[${trimmed}]` : trimmed}/`).hostname;
  } catch {
    // Not a valid host: it can never equal a parsed URL's host, which is what we want.
  }
  return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

export interface AllowedAddressesOptions {
  /** Normalized hostname (see normalizeHostname). */
  hostname: string;
  /** An exempt host (AUDIO_URL_ALLOWED_HOSTS) may resolve to any address. */
  exempt: boolean;
  resolve?: ResolveHostname;
}

/**
 * The addresses a fetch may connect to for this host. A host with any non-public address is
 * refused whole, so a name that mixes public and private answers cannot be raced.
 */
export async function resolveAllowedAddresses(options: AllowedAddressesOptions): Promise<string[]> {
  const { hostname, exempt } = options;
  let addresses: string[];
  if (isIP(hostname) !== 0) {
    addresses = [hostname];
  } else {
    try {
      addresses = await (options.resolve ?? resolveWithSystem)(hostname);
    } catch (error) {
      throw new SafeFetchError('FETCH_FAILED', `Could not resolve the host ${hostname}.`, { cause: error });
    }
    if (addresses.length === 0) {
      throw new SafeFetchError('FETCH_FAILED', `The host ${hostname} has no address.`);
    }
  }
  if (!exempt) {
    const refused = addresses.find((address) => !isPublicAddress(address));
    if (refused !== undefined) {
      throw new SafeFetchError(
        'ADDRESS_NOT_ALLOWED',
        `The host ${hostname} resolves to ${refused}, a private, loopback or reserved address.`,
      );
    }
  }
  return addresses;
}
