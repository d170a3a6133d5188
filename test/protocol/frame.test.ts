import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, encodeServerFrame, encodeTextFrame } from '../../src/protocol/frame.js';
import { applyMask } from '../../src/protocol/mask.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('RFC 6455 section 5.7: unmasked "Hello", fragments, ping, 256 B and 64 KiB headers', () => {
  assert.deepEqual(Buffer.concat(encodeFrame(Buffer.from('Hello'), { opcode: 1, mask: false })), hex('81 05 48 65 6c 6c 6f'));
  assert.deepEqual(Buffer.concat(encodeFrame(Buffer.from('Hel'), { opcode: 1, fin: false, mask: false })), hex('01 03 48 65 6c'));
  assert.deepEqual(Buffer.concat(encodeFrame(Buffer.from('lo'), { opcode: 0, mask: false })), hex('80 02 6c 6f'));
  assert.deepEqual(Buffer.concat(encodeFrame(Buffer.from('Hello'), { opcode: 9, mask: false })), hex('89 05 48 65 6c 6c 6f'));
  assert.deepEqual(encodeFrame(Buffer.alloc(256), { opcode: 2, mask: false })[0]!.subarray(0, 4), hex('82 7e 01 00'));
  assert.deepEqual(encodeFrame(Buffer.alloc(65536), { opcode: 2, mask: false })[0], hex('82 7f 00 00 00 00 00 01 00 00'));
});

test('RFC 6455 section 5.7: masking "Hello" with 37 fa 21 3d', () => {
  const payload = Buffer.from('Hello');
  applyMask(payload, hex('37 fa 21 3d'));
  assert.deepEqual(payload, hex('7f 9f 4d 51 58'));
});

test('client frames are masked with a fresh key and leave the caller data untouched', () => {
  const data = Buffer.from('Hello');
  const [a] = encodeFrame(data, { opcode: 1, mask: true });
  const [b] = encodeFrame(data, { opcode: 1, mask: true });
  assert.equal(a![1]! & 0x80, 0x80);
  assert.notDeepEqual(a!.subarray(2, 6), b!.subarray(2, 6));
  assert.equal(data.toString(), 'Hello');
  const unmasked = Buffer.from(a!.subarray(6));
  applyMask(unmasked, a!.subarray(2, 6));
  assert.equal(unmasked.toString(), 'Hello');
});

test('large server payloads are not copied', () => {
  const payload = Buffer.alloc(100_000, 7);
  const parts = encodeFrame(payload, { opcode: 2, mask: false });
  assert.equal(parts.length, 2);
  assert.equal(parts[1], payload);
});

test('masking agrees with the byte-by-byte definition at every alignment and length', () => {
  const mask = hex('a1 b2 c3 d4');
  const backing = Buffer.alloc(300);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 31) & 0xff;
  for (let offset = 0; offset < 4; offset++) {
    for (const len of [0, 1, 3, 63, 64, 65, 200]) {
      const data = Buffer.from(backing.subarray(offset, offset + len));
      const slice = backing.subarray(offset, offset + len);
      const expected = Buffer.from(slice.map((b, i) => b ^ mask[i & 3]!));
      const view = Buffer.from(backing).subarray(offset, offset + len);
      applyMask(view, mask);
      assert.deepEqual(view, expected);
      applyMask(data, mask);
      assert.deepEqual(data, expected);
    }
  }
});

test('text frames from strings match frames from bytes', () => {
  for (const text of ['', 'Hello', '你好 🌏', 'x'.repeat(200)]) {
    assert.deepEqual(encodeTextFrame(text, false), encodeServerFrame(Buffer.from(text), { opcode: 1 }));
  }
  assert.equal(encodeTextFrame('y'.repeat(5000), false), null);
});
