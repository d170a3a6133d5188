import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMask, chunkWords, copyMasked, wordBias, xorMask, xorMaskWords } from '../../src/protocol/mask.js';

function reference(data: Uint8Array, mask: Uint8Array, phase: number): Buffer {
  return Buffer.from(data.map((b, i) => b ^ mask[(phase + i) & 3]!));
}

test('xorMask agrees with the byte-by-byte definition at every alignment, phase and length around the word loop', () => {
  const mask = Buffer.from([0xa1, 0xb2, 0xc3, 0xd4]);
  const key = mask.readUInt32BE(0);
  const backing = Buffer.alloc(400);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 31 + 7) & 0xff;
  const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 31, 32, 33, 35, 36, 63, 64, 65, 67, 68, 69, 95, 96, 97, 100, 131, 257, 300];
  for (let offset = 0; offset < 8; offset++) {
    for (let phase = 0; phase < 8; phase++) {
      for (const len of lengths) {
        const copy = Buffer.from(backing);
        const view = copy.subarray(offset, offset + len);
        const expected = reference(backing.subarray(offset, offset + len), mask, phase);
        xorMask(view, key, phase);
        assert.deepEqual(view, expected, `offset ${offset} phase ${phase} length ${len}`);
        // Bytes around the view are untouched.
        assert.deepEqual(copy.subarray(0, offset), backing.subarray(0, offset));
        assert.deepEqual(copy.subarray(offset + len), backing.subarray(offset + len));
        const viaBytes = Buffer.from(backing.subarray(offset, offset + len));
        applyMask(viaBytes, mask, phase);
        assert.deepEqual(viaBytes, expected);
      }
    }
  }
});

test('a payload unmasked in pieces at any split points equals one unmasked whole', () => {
  const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const key = mask.readUInt32BE(0);
  const data = Buffer.alloc(1000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
  const expected = reference(data, mask, 0);
  for (const step of [1, 3, 5, 64, 77, 333]) {
    const copy = Buffer.from(data);
    for (let at = 0; at < copy.length; at += step) xorMask(copy.subarray(at, Math.min(copy.length, at + step)), key, at);
    assert.deepEqual(copy, expected, `pieces of ${step}`);
  }
});

test('keys with the high bit set and masking twice restore the data', () => {
  const data = Buffer.from('the quick brown fox jumps over the lazy dog, twice over and again');
  const before = Buffer.from(data);
  xorMask(data, 0xffffffff);
  assert.deepEqual(data, Buffer.from(before.map((b) => b ^ 0xff)));
  xorMask(data, 0xffffffff);
  xorMask(data, 0x80000001, 3);
  xorMask(data, 0x80000001, 7);
  assert.deepEqual(data, before);
});

test('long payloads (the SIMD kernel where WebAssembly has it) agree with the definition at every alignment and phase, across 64 KiB blocks', () => {
  const mask = Buffer.from([0x9c, 0x01, 0xe7, 0x42]);
  const key = mask.readUInt32BE(0);
  const backing = Buffer.alloc(200_000);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 131 + (i >>> 8)) & 0xff;
  for (const len of [1023, 1024, 1025, 1039, 1040, 1041, 4099, 65535, 65536, 65537, 131_072, 131_077, 199_990]) {
    for (let offset = 0; offset < 5; offset++) {
      for (const phase of [0, 1, 2, 3, 6]) {
        const copy = Buffer.from(backing);
        const view = copy.subarray(offset, offset + len);
        xorMask(view, key, phase);
        assert.ok(view.equals(reference(backing.subarray(offset, offset + len), mask, phase)), `length ${len} offset ${offset} phase ${phase}`);
        assert.ok(copy.subarray(0, offset).equals(backing.subarray(0, offset)));
        assert.ok(copy.subarray(offset + len).equals(backing.subarray(offset + len)), `bytes after, length ${len}`);
      }
    }
  }
});

test('long payloads in a plain Uint8Array and in a view of an ArrayBuffer are masked in place', () => {
  const bytes = new Uint8Array(5000).map((_, i) => i & 0xff);
  const expected = Buffer.from(bytes.map((b, i) => b ^ [1, 2, 3, 4][i & 3]!));
  xorMask(bytes, 0x01020304);
  assert.ok(Buffer.from(bytes).equals(expected));
});

test('copyMasked writes the unmasked bytes at any target offset, source alignment, phase and length (across 64 KiB blocks), leaving source and the rest of target alone', () => {
  const mask = Buffer.from([0x81, 0x7e, 0x3c, 0xf5]);
  const key = mask.readUInt32BE(0);
  const backing = Buffer.alloc(140_000);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 131 + 17) & 0xff;
  const before = Buffer.from(backing);
  for (const len of [0, 1, 5, 1023, 1024, 1025, 16_384, 16_389, 65_535, 65_536, 65_537, 131_075]) {
    for (const [offset, at, phase] of [[0, 0, 0], [1, 3, 1], [2, 5, 2], [3, 0, 7], [5, 2, 3]] as const) {
      const source = backing.subarray(offset, offset + len);
      const target = Buffer.alloc(len + 8, 0xee);
      copyMasked(source, key, phase, target, at);
      const where = `length ${len} offset ${offset} at ${at} phase ${phase}`;
      assert.ok(target.subarray(at, at + len).equals(reference(source, mask, phase)), where);
      assert.ok(target.subarray(0, at).every((b) => b === 0xee) && target.subarray(at + len).every((b) => b === 0xee), where);
    }
  }
  assert.ok(backing.equals(before), 'the source is not modified');
});

test('xorMaskWords unmasks any range of a chunk through the chunk\'s words, at every chunk alignment, start and length, leaving the rest alone', () => {
  const mask = Buffer.from([0x81, 0x7e, 0xff, 0x02]);
  const key = mask.readUInt32BE(0);
  const backing = Buffer.alloc(160);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 53 + 11) & 0xff;
  for (let offset = 0; offset < 8; offset++) {
    for (const chunkLength of [0, 1, 2, 3, 5, 9, 40, 150]) {
      for (let start = 0; start <= Math.min(chunkLength, 9); start++) {
        for (const len of [0, 1, 3, 4, 7, 8, 9, 12, 31, 33, 64, 70, 141]) {
          if (start + len > chunkLength) continue;
          const copy = Buffer.from(backing);
          const chunk = copy.subarray(offset, offset + chunkLength);
          const ascii = xorMaskWords(chunk, chunkWords(chunk), wordBias(chunk), start, start + len, key);
          const from = offset + start;
          assert.equal(ascii, copy.subarray(from, from + len).every((b) => b < 0x80), `ASCII answer, offset ${offset} start ${start} length ${len}`);
          const where = `offset ${offset} chunk ${chunkLength} start ${start} length ${len}`;
          assert.deepEqual(copy.subarray(from, from + len), reference(backing.subarray(from, from + len), mask, 0), where);
          assert.deepEqual(copy.subarray(0, from), backing.subarray(0, from), where);
          assert.deepEqual(copy.subarray(from + len), backing.subarray(from + len), where);
        }
      }
    }
  }
});
