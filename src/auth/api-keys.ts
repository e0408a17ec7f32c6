import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

// A tenant's API key: `cai_<prefix>_<secret>`. The prefix is public and indexed, so a presented
// key is found without scanning; only the SHA-256 of the whole key is stored. The keys carry
// 256 bits of randomness, so a slow password hash would add nothing but latency.

// 32 symbols without look-alikes (no l, o, 0, 1): a byte masked to 5 bits picks one without bias.
const PREFIX_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const PREFIX_LENGTH = 12;
const SECRET_BYTES = 32;
const KEY_PATTERN = new RegExp(`^cai_([${PREFIX_ALPHABET}]{${PREFIX_LENGTH}})_([A-Za-z0-9_-]{43,})$`);

export interface GeneratedApiKey {
  /** The whole key, to show once to its owner and then forget. */
  key: string;
  prefix: string;
  /** SHA-256 of the whole key, hex: what the store keeps. */
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const prefix = Array.from(randomBytes(PREFIX_LENGTH), (byte) => PREFIX_ALPHABET[byte & 31]).join('');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  const key = `cai_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** The lookup prefix of a well-formed key; undefined for anything that is not shaped like one. */
export function parseApiKey(presented: string): { prefix: string } | undefined {
  const match = KEY_PATTERN.exec(presented);
  return match?.[1] === undefined ? undefined : { prefix: match[1] };
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** Compares the presented key's hash with the stored one in constant time. */
export function verifyApiKey(presented: string, storedHash: string): boolean {
  // The digest's bytes at once, not through hex and back, and by the one-shot hash (no Hash
  // object, no algorithm lookup per call: 1.05 against 1.66 µs warm): this runs on every request.
  const presentedDigest = hash('sha256', presented, 'buffer');
  const storedDigest = Buffer.from(storedHash, 'hex');
  // A malformed stored hash still costs one comparison, so every path takes the same time.
  if (storedDigest.length !== presentedDigest.length) {
    timingSafeEqual(presentedDigest, presentedDigest);
    return false;
  }
  return timingSafeEqual(presentedDigest, storedDigest);
}
