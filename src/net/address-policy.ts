import { BlockList, isIPv4, isIPv6 } from 'node:net';

// Addresses a server-side fetch must never reach: this host, private networks, link-local
// (cloud metadata at 169.254.169.254), multicast, reserved and documentation ranges.
const blockedIpv4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blockedIpv4.addSubnet(network, prefix, 'ipv4');
}
blockedIpv4.addAddress('255.255.255.255', 'ipv4');

const blockedIpv6 = new BlockList();
for (const [network, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible block (::a.b.c.d).
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // Teredo hides the client address (obfuscated), so it is refused whole.
  ['2001::', 32],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blockedIpv6.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether a server may connect to this IP address on a caller's behalf. Anything that is not a
 * plain IPv4 dotted quad or IPv6 address (a name, `127.1`, `0x7f.1`) is refused: callers check
 * the address actually connected, after resolution and URL normalization.
 */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !blockedIpv4.check(address, 'ipv4');
  const groups = parseIpv6(address);
  if (groups === undefined) return false;
  // IPv4-mapped (::ffff:a.b.c.d) and 6to4 (2002:aabb:ccdd::/48) carry an IPv4 address that is
  // where the packets end up, so that one is judged.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return isPublicAddress(ipv4FromGroups(groups[6] ?? 0, groups[7] ?? 0));
  }
  if (groups[0] === 0x2002) return isPublicAddress(ipv4FromGroups(groups[1] ?? 0, groups[2] ?? 0));
  const canonical = groups.map((group) => group.toString(16)).join(':');
  return !blockedIpv6.check(canonical, 'ipv6');
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined if it is not one. */
function parseIpv6(address: string): number[] | undefined {
  const withoutZone = address.split('%')[0] ?? '';
  if (!isIPv6(withoutZone)) return undefined;
  let text = withoutZone.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  if (groups.length !== 8) return undefined;
  return groups.map((group) => Number.parseInt(group, 16));
}
