// Ids the client makes (request ids, client message ids): random UUIDs from Web Crypto. Browsers
// offer `randomUUID` only in secure contexts (https, localhost); a page served over plain http on
// a LAN has `getRandomValues` alone, from which a version 4 UUID is made the same way.

export function newId(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return uuidFromRandomBytes(crypto.getRandomValues(new Uint8Array(16)));
}

/** RFC 9562 version 4: 122 random bits, the version and variant bits set. */
export function uuidFromRandomBytes(bytes: Uint8Array): string {
  const octets = Uint8Array.from(bytes.subarray(0, 16));
  octets[6] = (octets[6]! & 0x0f) | 0x40;
  octets[8] = (octets[8]! & 0x3f) | 0x80;
  const hex = Array.from(octets, (octet) => octet.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
