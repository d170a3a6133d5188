// Outbound: a binary publication goes to MQTT as its raw bytes, whatever the rule's format.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { encodePayload } from '../../../src/bridges/mqtt/payload.js';

it('a Uint8Array is sent as its bytes in json and text mode', () => {
  const bytes = Uint8Array.from([0, 1, 255]);
  for (const mode of ['json', 'text'] as const) {
    const payload = encodePayload(bytes.subarray(0), mode);
    assert.ok(Buffer.isBuffer(payload));
    assert.deepEqual([...payload], [0, 1, 255]);
  }
  assert.equal(String(encodePayload({ a: 1 }, 'json')), '{"a":1}');
});
