// The base64 of binary publications (wire/base64.ts): what the SDK sends and decodes in
// browsers must agree with Node's encoder, byte for byte, and refuse what the hub refuses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodedLength, fromBase64, toBase64 } from '../../src/wire/base64.js';
import { decodeEvent, encodePublication } from '../../src/broker/cluster/event-codec.js';

describe('wire base64', () => {
  it('round-trips every length 0..70 and a 100 KB array the way Node encodes', () => {
    const sizes = [...Array.from({ length: 71 }, (_, i) => i), 100_000];
    for (const size of sizes) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 131 + size) & 0xff);
      const text = toBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.equal(decodedLength(text), size);
      assert.deepEqual(fromBase64(text), bytes);
    }
  });

  it('refuses what is not strict padded base64', () => {
    for (const bad of ['A', 'AA', 'AAA', 'AA=A', 'A===', '====', 'AAEC\n', ' AAEC', 'AA-_', 'AA==AA==', 'ÄÄÄÄ']) {
      assert.equal(fromBase64(bad), undefined, bad);
    }
  });

  it('the node-to-node codec carries the binary flag in the header', () => {
    const text = encodePublication('"AAEC"', 4, 'e1', undefined, undefined, true);
    assert.equal(text, '{"t":"p","o":4,"e":"e1","b":1}\n"AAEC"');
    const decoded = decodeEvent('c', text)!;
    assert.ok(decoded.event.type === 'publication');
    assert.deepEqual(decoded.event.publication, { offset: 4, data: '"AAEC"', binary: true });
    const plain = decodeEvent('c', encodePublication('"AAEC"', 5, 'e1'))!;
    assert.ok(plain.event.type === 'publication');
    assert.equal(plain.event.publication.binary, undefined);
  });
});
