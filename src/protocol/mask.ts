import { randomFillSync } from 'node:crypto';

/**
 * XORs `data` in place with the 4-byte `mask` starting at `mask[maskOffset & 3]`
 * (RFC 6455 section 5.3).
 */
export function applyMask(data: Uint8Array, mask: Uint8Array, maskOffset = 0): void {
  const key = ((mask[0]! << 24) | (mask[1]! << 16) | (mask[2]! << 8) | mask[3]!) >>> 0;
  xorMask(data, key, maskOffset);
}

// Below this length the byte loop is as fast as setting up the word view.
const WORD_MIN = 32;
// The word loop builds the key as a little-endian word; a big-endian host takes the byte loop.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs `data` in place with the masking key `key` (its 4 bytes as a big-endian number),
 * starting at key byte `phase & 3`: the byte at `data[i]` is XORed with key byte
 * `(phase + i) & 3`. A payload unmasked in pieces passes each piece's offset in the payload.
 * The aligned middle goes 32 bits at a time, eight words per turn of the loop.
 */
export function xorMask(data: Uint8Array, key: number, phase = 0): void {
  const len = data.length;
  // The key rotated so that its first byte is the one for data[0].
  const shift = (phase & 3) << 3;
  let k = shift === 0 ? key >>> 0 : ((key << shift) | (key >>> (32 - shift))) >>> 0;
  let i = 0;
  if (len >= WORD_MIN && LITTLE_ENDIAN) {
    // Bytes before the first 4-byte aligned address.
    const head = (4 - (data.byteOffset & 3)) & 3;
    for (; i < head; i++) {
      data[i]! ^= k >>> 24;
      k = ((k << 8) | (k >>> 24)) >>> 0;
    }
    const words = (len - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    // The key as a little-endian word: byte 0 of the key goes to the lowest address.
    const word = ((k >>> 24) | ((k >>> 8) & 0xff00) | ((k << 8) & 0xff0000) | (k << 24)) | 0;
    const end8 = words & ~7;
    let w = 0;
    for (; w < end8; w += 8) {
      view[w]! ^= word;
      view[w + 1]! ^= word;
      view[w + 2]! ^= word;
      view[w + 3]! ^= word;
      view[w + 4]! ^= word;
      view[w + 5]! ^= word;
      view[w + 6]! ^= word;
      view[w + 7]! ^= word;
    }
    for (; w < words; w++) view[w]! ^= word;
    i += words << 2;
  }
  for (; i < len; i++) {
    data[i]! ^= k >>> 24;
    k = ((k << 8) | (k >>> 24)) >>> 0;
  }
}

// Masking keys come from a pooled crypto-random buffer so that each frame costs no syscall.
const POOL_SIZE = 8192;
let pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** Returns 4 fresh crypto-random bytes (a view into a pool; copy it if kept). */
export function randomMaskKey(): Buffer {
  if (poolOffset + 4 > POOL_SIZE) {
    pool = Buffer.allocUnsafe(POOL_SIZE);
    randomFillSync(pool);
    poolOffset = 0;
  }
  const key = pool.subarray(poolOffset, poolOffset + 4);
  poolOffset += 4;
  return key;
}
