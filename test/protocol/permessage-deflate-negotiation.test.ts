import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerMessageDeflate, type NegotiatedParams, type PerMessageDeflateOptions } from '../../src/protocol/permessage-deflate.js';
import { formatExtensionHeader, parseExtensionHeader } from '../../src/protocol/extension-header.js';
import { HandshakeError } from '../../src/protocol/errors.js';

const DEFAULTS: NegotiatedParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

function serverAccepts(header: string, options: PerMessageDeflateOptions = {}) {
  const pmd = new PerMessageDeflate('server', options, 0);
  const response = pmd.accept(parseExtensionHeader(header));
  return { response: response && formatExtensionHeader([response]), params: pmd.negotiated ? pmd.params : null };
}

// [offer header, server options, expected response header, expected params]
const serverTable: Array<[string, PerMessageDeflateOptions, string, Partial<NegotiatedParams>]> = [
  ['permessage-deflate', {}, 'permessage-deflate', {}],
  ['permessage-deflate; client_max_window_bits', {}, 'permessage-deflate', {}],
  ['permessage-deflate; client_max_window_bits=10', {}, 'permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: 10 }],
  ['permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 12 }, 'permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 12 }],
  ['permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: 12 }, 'permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: 10 }],
  ['permessage-deflate; client_max_window_bits=13', { clientMaxWindowBits: 9 }, 'permessage-deflate; client_max_window_bits=9', { clientMaxWindowBits: 9 }],
  // The client did not offer client_max_window_bits: its window cannot be limited.
  ['permessage-deflate', { clientMaxWindowBits: 12 }, 'permessage-deflate', {}],
  ['permessage-deflate; server_max_window_bits=10', {}, 'permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }],
  ['permessage-deflate; server_max_window_bits="10"', {}, 'permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }],
  ['permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }],
  ['permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 9 }],
  ['permessage-deflate; server_max_window_bits=15', {}, 'permessage-deflate; server_max_window_bits=15', {}],
  ['permessage-deflate', { serverMaxWindowBits: 11 }, 'permessage-deflate; server_max_window_bits=11', { serverMaxWindowBits: 11 }],
  ['permessage-deflate; server_max_window_bits=8', {}, 'permessage-deflate; server_max_window_bits=8', { serverMaxWindowBits: 8 }],
  ['permessage-deflate; server_no_context_takeover', {}, 'permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: true }],
  ['permessage-deflate', { serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: true }],
  ['permessage-deflate; client_no_context_takeover', {}, 'permessage-deflate; client_no_context_takeover', { clientNoContextTakeover: true }],
  ['permessage-deflate', { clientNoContextTakeover: true }, 'permessage-deflate; client_no_context_takeover', { clientNoContextTakeover: true }],
  [
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=8',
    {},
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=8',
    { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 8 },
  ],
];

for (const [offer, options, response, params] of serverTable) {
  test(`server: ${offer} with ${JSON.stringify(options)} → ${response}`, () => {
    const got = serverAccepts(offer, options);
    assert.equal(got.response, response);
    assert.deepEqual({ ...got.params }, { ...DEFAULTS, ...params });
  });
}

// RFC 7692 section 7.1: the server declines an offer with an unknown, repeated or invalid parameter.
const refusedOffers = [
  'permessage-deflate; foo',
  'permessage-deflate; foo=1',
  'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
  'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
  'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10',
  'permessage-deflate; client_max_window_bits; client_max_window_bits=10',
  'permessage-deflate; server_no_context_takeover=1',
  'permessage-deflate; client_no_context_takeover=true',
  'permessage-deflate; server_max_window_bits',
  'permessage-deflate; server_max_window_bits=7',
  'permessage-deflate; server_max_window_bits=16',
  'permessage-deflate; server_max_window_bits=010',
  'permessage-deflate; server_max_window_bits=abc',
  'permessage-deflate; client_max_window_bits=7',
  'permessage-deflate; client_max_window_bits=16',
  'permessage-deflate; client_max_window_bits=0x0f',
  'permessage-deflate; client_max_window_bits=09',
];

for (const offer of refusedOffers) {
  test(`server declines: ${offer}`, () => {
    const pmd = new PerMessageDeflate('server', {}, 0);
    assert.equal(pmd.accept(parseExtensionHeader(offer)), null);
    assert.equal(pmd.negotiated, false);
  });
  test(`server skips the invalid offer and accepts the next: ${offer}`, () => {
    const got = serverAccepts(`${offer}, permessage-deflate; client_max_window_bits=11`);
    assert.equal(got.response, 'permessage-deflate; client_max_window_bits=11');
  });
}

test('server picks the first acceptable offer of several', () => {
  const got = serverAccepts('x-webkit-deflate-frame, permessage-deflate; client_max_window_bits=9, permessage-deflate');
  assert.equal(got.response, 'permessage-deflate; client_max_window_bits=9');
});

test('server: no permessage-deflate offer → null', () => {
  assert.equal(serverAccepts('x-webkit-deflate-frame').response, null);
  assert.equal(serverAccepts('').response, null);
});

test('client offers by default what browsers offer', () => {
  const pmd = new PerMessageDeflate('client', {}, 0);
  assert.equal(formatExtensionHeader([pmd.offer()]), 'permessage-deflate; client_max_window_bits');
});

test('client offer with every option', () => {
  const pmd = new PerMessageDeflate('client', { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 }, 0);
  assert.equal(formatExtensionHeader([pmd.offer()]), 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11');
  assert.equal(formatExtensionHeader([new PerMessageDeflate('client', { clientMaxWindowBits: false }, 0).offer()]), 'permessage-deflate');
});

function clientAccepts(response: string, options: PerMessageDeflateOptions = {}): NegotiatedParams {
  const pmd = new PerMessageDeflate('client', options, 0);
  const [element] = parseExtensionHeader(response);
  pmd.acceptResponse(element!);
  return { ...pmd.params };
}

// [client options, response header, expected params]
const clientTable: Array<[PerMessageDeflateOptions, string, Partial<NegotiatedParams>]> = [
  [{}, 'permessage-deflate', {}],
  // The server may add either no_context_takeover and limit its own window unasked.
  [{}, 'permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: true }],
  [{}, 'permessage-deflate; client_no_context_takeover', { clientNoContextTakeover: true }],
  [{}, 'permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }],
  [{}, 'permessage-deflate; client_max_window_bits=9', { clientMaxWindowBits: 9 }],
  [{}, 'permessage-deflate; client_max_window_bits=8', { clientMaxWindowBits: 8 }],
  // Having offered client_no_context_takeover, the client keeps to it.
  [{ clientNoContextTakeover: true }, 'permessage-deflate', { clientNoContextTakeover: true }],
  [{ serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: true }],
  [{ serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }],
  [{ serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 9 }],
  [{ clientMaxWindowBits: 10 }, 'permessage-deflate', { clientMaxWindowBits: 10 }],
  [{ clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=9', { clientMaxWindowBits: 9 }],
  // A larger client window than offered is harmless: the client keeps to its own.
  [{ clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 }],
];

for (const [options, response, params] of clientTable) {
  test(`client: ${JSON.stringify(options)} accepts ${response}`, () => {
    assert.deepEqual(clientAccepts(response, options), { ...DEFAULTS, ...params });
  });
}

// RFC 7692 section 7.1: the client fails the connection on a bad response.
const refusedResponses: Array<[PerMessageDeflateOptions, string]> = [
  [{}, 'x-webkit-deflate-frame'],
  [{}, 'permessage-deflate; foo'],
  [{}, 'permessage-deflate; server_no_context_takeover; server_no_context_takeover'],
  [{}, 'permessage-deflate; client_no_context_takeover; client_no_context_takeover'],
  [{}, 'permessage-deflate; server_max_window_bits=10; server_max_window_bits=11'],
  [{}, 'permessage-deflate; client_max_window_bits=10; client_max_window_bits=10'],
  [{}, 'permessage-deflate; server_no_context_takeover=1'],
  [{}, 'permessage-deflate; client_no_context_takeover=1'],
  [{}, 'permessage-deflate; server_max_window_bits'],
  [{}, 'permessage-deflate; server_max_window_bits=7'],
  [{}, 'permessage-deflate; server_max_window_bits=16'],
  [{}, 'permessage-deflate; client_max_window_bits'], // a value is required in a response
  [{}, 'permessage-deflate; client_max_window_bits=16'],
  [{ clientMaxWindowBits: false }, 'permessage-deflate; client_max_window_bits=10'], // not offered
  [{ serverMaxWindowBits: 10 }, 'permessage-deflate'], // offered, not answered
  [{ serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=11'], // larger than offered
  [{ serverNoContextTakeover: true }, 'permessage-deflate'], // offered, not answered
];

for (const [options, response] of refusedResponses) {
  test(`client with ${JSON.stringify(options)} fails on: ${response}`, () => {
    assert.throws(() => clientAccepts(response, options), (e: unknown) => e instanceof HandshakeError && e.code === 'WS_ERR_INVALID_EXTENSION');
  });
}

test('a server response round-trips into the client for every option combination', () => {
  const bools = [false, true];
  const bits = [undefined, 8, 12, 15];
  let count = 0;
  for (const snct of bools) for (const cnct of bools) for (const smwb of bits) for (const cmwb of bits) {
    const client = new PerMessageDeflate('client', { serverNoContextTakeover: snct, clientNoContextTakeover: cnct, serverMaxWindowBits: smwb, clientMaxWindowBits: cmwb ?? true }, 0);
    const server = new PerMessageDeflate('server', {}, 0);
    const response = server.accept(parseExtensionHeader(formatExtensionHeader([client.offer()])));
    assert.ok(response);
    client.acceptResponse(parseExtensionHeader(formatExtensionHeader([response]))[0]!);
    assert.deepEqual({ ...client.params }, { ...server.params });
    count++;
  }
  assert.equal(count, 64);
});

test('options out of range are refused at construction', () => {
  for (const bad of [{ serverMaxWindowBits: 7 }, { serverMaxWindowBits: 16 }, { clientMaxWindowBits: 9.5 }, { level: 10 }, { memLevel: 0 }, { threshold: -1 }, { concurrencyLimit: 0 }]) {
    assert.throws(() => new PerMessageDeflate('server', bad, 0), RangeError, JSON.stringify(bad));
  }
});

test('each role refuses the other role’s methods', () => {
  assert.throws(() => new PerMessageDeflate('client', {}, 0).accept([]));
  assert.throws(() => new PerMessageDeflate('server', {}, 0).offer());
  assert.throws(() => new PerMessageDeflate('server', {}, 0).acceptResponse({ name: 'permessage-deflate', params: {} }));
  assert.throws(() => new PerMessageDeflate('server', {}, 0).params);
});
