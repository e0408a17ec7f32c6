import { randomFillSync, randomUUID } from 'node:crypto';

let lastMillis = 0;
let sequence = 0;

// Random bytes are drawn in blocks: one call into the system's generator per 512 ids instead of
// one per id (several ids are made on every turn).
const POOL_BYTES = 4096;
const RANDOM_BYTES_PER_ID = 8;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * UUIDv7: time-ordered, so ids sort in creation order within a process (a 12-bit sequence
 * keeps ids made in the same millisecond increasing). Messages are ordered by id.
 */
export function uuidv7(now: number = Date.now()): string {
  if (now <= lastMillis) {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMillis += 1;
      sequence = 0;
    }
  } else {
    lastMillis = now;
    sequence = 0;
  }
  if (poolOffset + RANDOM_BYTES_PER_ID > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const random = poolOffset;
  poolOffset += RANDOM_BYTES_PER_ID;
  const millis = lastMillis;
  const hex = (byte: number) => HEX[byte & 0xff]!;
  return (
    hex(millis / 2 ** 40) +
    hex(millis / 2 ** 32) +
    hex(millis >>> 24) +
    hex(millis >>> 16) +
    '-' +
    hex(millis >>> 8) +
    hex(millis) +
    '-' +
    hex(0x70 | ((sequence >>> 8) & 0x0f)) +
    hex(sequence) +
    '-' +
    hex(0x80 | (pool[random]! & 0x3f)) +
    hex(pool[random + 1]!) +
    '-' +
    hex(pool[random + 2]!) +
    hex(pool[random + 3]!) +
    hex(pool[random + 4]!) +
    hex(pool[random + 5]!) +
    hex(pool[random + 6]!) +
    hex(pool[random + 7]!)
  );
}

export function uuidv4(): string {
  return randomUUID();
}
