import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatExtensionHeader, parseExtensionHeader } from '../../src/protocol/extension-header.js';
import { HandshakeError } from '../../src/protocol/errors.js';

test('several offers with parameters, quoted values and spaces', () => {
  const offers = parseExtensionHeader('permessage-deflate; client_max_window_bits; server_max_window_bits="10" , permessage-deflate ;client_no_context_takeover, x-foo');
  assert.deepEqual(offers.map((o) => ({ name: o.name, params: { ...o.params } })), [
    { name: 'permessage-deflate', params: { client_max_window_bits: [true], server_max_window_bits: ['10'] } },
    { name: 'permessage-deflate', params: { client_no_context_takeover: [true] } },
    { name: 'x-foo', params: {} },
  ]);
});

test('a repeated parameter stays visible', () => {
  const [offer] = parseExtensionHeader('permessage-deflate; server_max_window_bits=10; server_max_window_bits=11');
  assert.deepEqual(offer!.params.server_max_window_bits, ['10', '11']);
});

test('an empty header has no offers', () => {
  assert.deepEqual(parseExtensionHeader(''), []);
});

for (const bad of [',', 'a,', 'a;', 'a; =1', 'a; b=', 'a; b="1', 'a; b="x y"', 'a b', ';a', 'a;;b', 'ä']) {
  test(`malformed: ${JSON.stringify(bad)} → 400`, () => {
    assert.throws(() => parseExtensionHeader(bad), (e: unknown) => e instanceof HandshakeError && e.status === 400);
  });
}

test('format and parse round-trip', () => {
  const text = 'permessage-deflate; client_max_window_bits=10; server_no_context_takeover';
  assert.equal(formatExtensionHeader(parseExtensionHeader(text)), text);
});
