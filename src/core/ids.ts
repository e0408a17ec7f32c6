import { randomFillSync } from 'node:crypto';

let lastMillis = 0;
let sequence = 0;

// Random bytes are drawn in blocks: one call into the system's generator per 512 ids instead of
// one per id (several ids are made on every turn).
const POOL_BYTES = 4096;
const RANDOM_BYTES_PER_ID = 8;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

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
  // Written as ASCII into one buffer and read back as one flat string: twenty concatenations made
  // twenty intermediate strings (and a closure) per id, ~900 bytes of garbage for a 36-byte string.
  writeHex(0, millis / 2 ** 40);
  writeHex(2, millis / 2 ** 32);
  writeHex(4, millis >>> 24);
  writeHex(6, millis >>> 16);
  writeHex(9, millis >>> 8);
  writeHex(11, millis);
  writeHex(14, 0x70 | ((sequence >>> 8) & 0x0f));
  writeHex(16, sequence);
  writeHex(19, 0x80 | (pool[random]! & 0x3f));
  writeHex(21, pool[random + 1]!);
  for (let index = 2; index < RANDOM_BYTES_PER_ID; index += 1)
    writeHex(20 + 2 * index, pool[random + index]!);
  return text.toString('latin1', 0, 36);
}

const HEX_DIGITS = '0123456789abcdef';
/** The id's characters; the dashes stay where they are written once. */
const text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1');

function writeHex(offset: number, byte: number): void {
  const value = byte & 0xff;
  text[offset] = HEX_DIGITS.charCodeAt(value >>> 4);
  text[offset + 1] = HEX_DIGITS.charCodeAt(value & 0x0f);
}
