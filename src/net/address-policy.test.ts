import { describe, expect, it } from 'vitest';
import { isPublicAddress } from './address-policy.ts';

const hostOf = (url: string) => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');

describe('isPublicAddress', () => {
  it.each([
    ['0.0.0.0/8', '0.0.0.0'],
    ['0.0.0.0/8', '0.1.2.3'],
    ['10/8', '10.0.0.1'],
    ['10/8', '10.255.255.255'],
    ['100.64/10 (carrier-grade NAT)', '100.64.0.1'],
    ['100.64/10 (carrier-grade NAT)', '100.127.255.254'],
    ['127/8', '127.0.0.1'],
    ['127/8', '127.0.0.2'],
    ['127/8', '127.255.255.254'],
    ['169.254/16 (link-local, cloud metadata)', '169.254.169.254'],
    ['172.16/12', '172.16.0.1'],
    ['172.16/12', '172.31.255.255'],
    ['192.0.0/24', '192.0.0.170'],
    ['192.0.2/24 (TEST-NET-1)', '192.0.2.1'],
    ['192.88.99/24 (6to4 relay)', '192.88.99.1'],
    ['192.168/16', '192.168.1.1'],
    ['198.18/15 (benchmarking)', '198.19.0.1'],
    ['198.51.100/24 (TEST-NET-2)', '198.51.100.7'],
    ['203.0.113/24 (TEST-NET-3)', '203.0.113.9'],
    ['224/4 (multicast)', '224.0.0.1'],
    ['224/4 (multicast)', '239.255.255.250'],
    ['240/4 (reserved)', '240.0.0.1'],
    ['broadcast', '255.255.255.255'],
  ])('refuses IPv4 %s: %s', (_range, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    ['unspecified', '::'],
    ['loopback', '::1'],
    ['loopback, long form', '0:0:0:0:0:0:0:1'],
    ['IPv4-compatible loopback', '::127.0.0.1'],
    ['unique local fc00::/7', 'fc00::1'],
    ['unique local fc00::/7', 'fd12:3456:789a::1'],
    ['link-local fe80::/10', 'fe80::1'],
    ['link-local with a zone', 'fe80::1%eth0'],
    ['link-local fe80::/10', 'febf::1'],
    ['multicast ff00::/8', 'ff02::1'],
    ['documentation 2001:db8::/32', '2001:db8::1'],
    ['NAT64 64:ff9b::/96', '64:ff9b::a00:1'],
    ['NAT64 64:ff9b::/96 of a public address', '64:ff9b::808:808'],
    ['Teredo 2001::/32', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, hex', '::ffff:7f00:1'],
    ['IPv4-mapped loopback, long form', '0:0:0:0:0:ffff:7f00:1'],
    ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
    ['IPv4-mapped 10/8', '::ffff:a00:1'],
    ['6to4 of 127.0.0.1', '2002:7f00:1::1'],
    ['6to4 of 192.168.0.1', '2002:c0a8:1::'],
  ])('refuses IPv6 %s: %s', (_range, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    ['http://127.1/'],
    ['http://0x7f.1/'],
    ['http://2130706433/'],
    ['http://0177.0.0.1/'],
    ['http://[::1]/'],
    ['http://[::ffff:127.0.0.1]/'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/'],
    ['http://0xa9fea9fe/'],
  ])('refuses the host of %s once the URL parser has normalized it', (url) => {
    expect(isPublicAddress(hostOf(url))).toBe(false);
  });

  it.each([['127.1'], ['0x7f.1'], ['2130706433'], ['localhost'], [''], ['not an address'], ['[::1]']])(
    'refuses %j, which is not a plain IP address',
    (text) => {
      expect(isPublicAddress(text)).toBe(false);
    },
  );

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['93.184.215.14'],
    ['172.32.0.1'],
    ['100.128.0.1'],
    ['169.253.255.255'],
    ['2606:4700:4700::1111'],
    ['2a00:1450:4001:80b::200e'],
    ['::ffff:8.8.8.8'],
    ['2002:808:808::1'],
  ])('accepts the public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});
