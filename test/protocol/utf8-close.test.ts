import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Utf8Validator, isValidUtf8 } from '../../src/protocol/utf8.js';
import { buildClosePayload, isValidApplicationCloseCode, isValidWireCloseCode, parseClosePayload } from '../../src/protocol/close.js';

test('the incremental validator agrees with the native check on every split', () => {
  const samples = ['héllo', '你好', '🌏🚀', 'κόσμε', '\u{10FFFF}'].map((s) => Buffer.from(s));
  const invalid = ['c0 80', 'ed a0 80', 'f5 80 80 80', 'f0 8f bf bf', 'e0 80 80', 'ff', '80', 'f4 90 80 80'].map((h) => Buffer.from(h.replace(/ /g, ''), 'hex'));
  for (const bytes of [...samples, ...invalid]) {
    const expected = isValidUtf8(bytes);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const v = new Utf8Validator();
      const ok = v.write(bytes.subarray(0, cut)) && v.write(bytes.subarray(cut)) && v.complete;
      assert.equal(ok, expected, `${bytes.toString('hex')} cut at ${cut}`);
    }
  }
});

test('wire close codes (RFC 6455 section 7.4)', () => {
  const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
  const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000];
  for (const c of valid) assert.equal(isValidWireCloseCode(c), true, String(c));
  for (const c of invalid) assert.equal(isValidWireCloseCode(c), false, String(c));
});

test('application close codes are those a browser allows', () => {
  assert.equal(isValidApplicationCloseCode(1000), true);
  assert.equal(isValidApplicationCloseCode(3000), true);
  assert.equal(isValidApplicationCloseCode(1001), false);
  assert.equal(isValidApplicationCloseCode(5000), false);
});

test('close payloads round-trip and reasons are bounded', () => {
  assert.deepEqual(parseClosePayload(buildClosePayload(4000, '再见')), { code: 4000, reason: Buffer.from('再见') });
  assert.equal(buildClosePayload().length, 0);
  assert.throws(() => buildClosePayload(1000, 'x'.repeat(124)), RangeError);
});
