// The binary delta: what the server encodes the page decodes to the same delta, at 0.1
// unit; its size is what docs/use-cases.md reports; bad bytes throw, never hang.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DELTA_VERSION, decodeDelta, encodeDelta, type GameDelta } from '../../../src/demo/game/protocol.js';

const DELTA: GameDelta = {
  tick: 123_456,
  at: 1_764_000_000_123.5,
  players: [
    { id: 1, x: 14, y: 486, score: 0, online: true },
    { id: 65535, x: 786, y: 250.3, score: 65535, online: false },
  ],
  names: [{ id: 1, name: 'Ada 🎉' }, { id: 65535, name: 'Bob' }],
  gone: [7, 8],
  items: [{ id: 4_000_000_000, x: 8, y: 492 }],
  taken: [3, 4_000_000_001],
};

describe('binary game delta', () => {
  it('round-trips every field', () => {
    assert.deepEqual(decodeDelta(encodeDelta(DELTA)), DELTA);
    const empty = { tick: 1, at: 2 };
    assert.deepEqual(decodeDelta(encodeDelta(empty)), empty);
    assert.deepEqual(decodeDelta(encodeDelta({ ...empty, full: true })), { ...empty, full: true });
  });

  it('takes 9 bytes a moving player, 14 + 5 bytes of header and counts', () => {
    const moving: GameDelta = { tick: 9, at: 1, players: Array.from({ length: 16 }, (_, i) => ({ id: i + 1, x: 100.25, y: 3, score: 2, online: true })) };
    assert.equal(encodeDelta(moving).byteLength, 14 + 5 + 16 * 9);
    assert.equal(decodeDelta(encodeDelta(moving)).players![0]!.x, 100.3, 'quantized to 0.1');
    assert.ok(JSON.stringify(moving).length > 3 * encodeDelta(moving).byteLength);
  });

  it('refuses other versions, short and long input, and more than 255 of a kind', () => {
    const bytes = encodeDelta(DELTA);
    const other = bytes.slice();
    other[0] = DELTA_VERSION + 1;
    assert.throws(() => decodeDelta(other), RangeError);
    for (let cut = 0; cut < bytes.length; cut++) assert.throws(() => decodeDelta(bytes.subarray(0, cut)), RangeError, `cut at ${cut}`);
    assert.throws(() => decodeDelta(Uint8Array.from([...bytes, 0])), RangeError);
    assert.throws(() => encodeDelta({ tick: 1, at: 1, gone: Array.from({ length: 256 }, (_, i) => i) }), RangeError);
  });

  it('decodes a view into a larger buffer (as a publication may be)', () => {
    const bytes = encodeDelta(DELTA);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    assert.deepEqual(decodeDelta(padded.subarray(5, 5 + bytes.length)), DELTA);
  });
});
