// The SSE id of /connection/events: every channel's position, and the refusal of ids that
// are not ours.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePosition, encodePosition, type ChannelPosition } from '../../../src/transports/events/event-position.js';
import { TransportError } from '../../../src/transports/http-answers.js';

describe('event positions', () => {
  it('round-trips the position of every channel, null for channels without history', () => {
    const positions = new Map<string, ChannelPosition>([
      ['chat:a', { offset: 12, epoch: 'e1' }],
      ['$private:b#alice', { offset: 0, epoch: '' }],
      ['live:x', null],
    ]);
    const id = encodePosition(positions);
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodePosition(id), positions);
  });

  it('refuses what is not a position of this server (400)', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of ['!!', 'a b', encode([1, 2]), encode({ a: [1] }), encode({ a: [-1, 'e'] }), encode({ a: [1.5, 'e'] }), encode({ a: 'x' }), 'A'.repeat(20_000)]) {
      assert.throws(() => decodePosition(bad), (error: unknown) => error instanceof TransportError && error.status === 400, bad.slice(0, 40));
    }
  });
});
