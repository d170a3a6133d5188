import { randomFillSync } from 'node:crypto';

/**
 * XORs `data` in place with the 4-byte `mask` starting at `mask[0]` (RFC 6455 section 5.3).
 * The aligned middle of large buffers is processed 32 bits at a time.
 */
export function applyMask(data: Uint8Array, mask: Uint8Array, maskOffset = 0): void {
  const len = data.length;
  let i = 0;
  if (len >= 64) {
    // Bytes before the first 4-byte aligned address.
    const head = (4 - (data.byteOffset & 3)) & 3;
    for (; i < head; i++) data[i]! ^= mask[(i + maskOffset) & 3]!;
    const words = (len - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    // The mask word as it lines up with the aligned bytes (little-endian loads).
    const m0 = mask[(i + maskOffset) & 3]!;
    const m1 = mask[(i + maskOffset + 1) & 3]!;
    const m2 = mask[(i + maskOffset + 2) & 3]!;
    const m3 = mask[(i + maskOffset + 3) & 3]!;
    const word = (m0 | (m1 << 8) | (m2 << 16) | (m3 << 24)) >>> 0;
    for (let w = 0; w < words; w++) view[w]! ^= word;
    i += words << 2;
  }
  for (; i < len; i++) data[i]! ^= mask[(i + maskOffset) & 3]!;
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
