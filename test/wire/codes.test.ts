import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DisconnectCode, ErrorName, WireErrorCode, isApplicationCloseCode, isTemporary } from '../../src/wire/index.js';

describe('wire codes', () => {
  it('every error code has a distinct snake_case name', () => {
    const codes = Object.values(WireErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const [key, code] of Object.entries(WireErrorCode)) {
      assert.equal(ErrorName[code], key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
    }
  });

  it('isTemporary: internal, too_many_requests, unavailable and too_many_sessions errors only', () => {
    const temporary = Object.values(WireErrorCode).filter((code) => isTemporary(code));
    const expected = [WireErrorCode.internal, WireErrorCode.tooManyRequests, WireErrorCode.unavailable, WireErrorCode.tooManySessions];
    assert.deepEqual(temporary.sort(), expected.sort());
    assert.equal(isTemporary(99), false);
    assert.equal(isTemporary(999), false);
  });

  it('isTemporary: close codes outside 3500–3999 allow a reconnect as is', () => {
    for (const code of [1000, 1001, 1006, 1011, 1013, 3000, 3499, 4000, 4999]) assert.equal(isTemporary(code), true, String(code));
    for (const code of [3500, 3999]) assert.equal(isTemporary(code), false, String(code));
    for (const code of Object.values(DisconnectCode)) assert.equal(isTemporary(code), code < 3500, String(code));
  });

  it('application close codes are the integers 3000–4999', () => {
    assert.equal(isApplicationCloseCode(3000), true);
    assert.equal(isApplicationCloseCode(4999), true);
    assert.equal(isApplicationCloseCode(2999), false);
    assert.equal(isApplicationCloseCode(5000), false);
    assert.equal(isApplicationCloseCode(3000.5), false);
  });
});
