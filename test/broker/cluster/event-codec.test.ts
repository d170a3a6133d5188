// Control messages between nodes: what decodeControl lets through is exactly the three
// kinds, whole; anything else a stranger on the broker could publish is dropped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlMessage } from '../../../src/broker/broker.js';
import { decodeControl, encodeControl } from '../../../src/broker/cluster/event-codec.js';

describe('control message codec', () => {
  it('carries each kind of control message unchanged', () => {
    const messages: ControlMessage[] = [
      { type: 'disconnect', user: 'u1', code: 3503, reason: 'bye' },
      { type: 'disconnect-client', client: 'c1', code: 3000, reason: '' },
      { type: 'admin-revoke', nonce: 'AAECAwQFBgcICQoL', expiresAt: 1_900_000_000_000 },
    ];
    for (const message of messages) assert.deepEqual(decodeControl(encodeControl(message)), message);
  });

  it('drops what is not one of them', () => {
    for (const text of [
      'not json',
      'null',
      '{"type":"shutdown"}',
      '{"type":"admin-revoke","expiresAt":1900000000000}',
      '{"type":"admin-revoke","nonce":"n","expiresAt":"1900000000000"}',
      '{"type":"admin-revoke","nonce":"n","expiresAt":1.5}',
      '{"type":"admin-revoke","nonce":5,"expiresAt":1900000000000}',
    ]) assert.equal(decodeControl(text), undefined, text);
  });
});
