import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildClientHeaders, buildRejectResponse, buildUpgradeResponse, computeAccept, generateKey,
  MAX_FAST_HEAD, parseUpgradeHead, validateUpgradeRequest, validateUpgradeResponse,
} from '../../src/protocol/handshake.js';
import { HandshakeError } from '../../src/protocol/errors.js';

const good = () => ({
  method: 'GET',
  httpVersion: '1.1',
  headers: {
    host: 'server.example.com',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    origin: 'http://example.com',
    'sec-websocket-protocol': 'chat, superchat',
    'sec-websocket-version': '13',
  } as Record<string, string | undefined>,
});

function statusOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HandshakeError);
    return err.status;
  }
  return 0;
}

describe('server handshake (RFC 6455 section 4.2)', () => {
  test('the RFC example key gives the RFC example accept', () => {
    assert.equal(computeAccept('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
  test("the seed's request is valid and its offers are read in order", () => {
    const v = validateUpgradeRequest(good());
    assert.equal(v.key, 'dGhlIHNhbXBsZSBub25jZQ==');
    assert.deepEqual(v.protocols, ['chat', 'superchat']);
    assert.equal(v.origin, 'http://example.com');
  });
  test('Upgrade and Connection are case-insensitive token lists', () => {
    const r = good();
    r.headers.upgrade = 'WebSocket';
    r.headers.connection = 'keep-alive, UPGRADE';
    assert.doesNotThrow(() => validateUpgradeRequest(r));
  });
  const cases: Array<[string, (r: ReturnType<typeof good>) => void, number]> = [
    ['POST', (r) => (r.method = 'POST'), 405],
    ['HTTP/1.0', (r) => (r.httpVersion = '1.0'), 400],
    ['no Host', (r) => delete r.headers.host, 400],
    ['no Upgrade', (r) => delete r.headers.upgrade, 400],
    ['Upgrade: h2c', (r) => (r.headers.upgrade = 'h2c'), 400],
    ['no Connection: Upgrade', (r) => (r.headers.connection = 'keep-alive'), 400],
    ['no key', (r) => delete r.headers['sec-websocket-key'], 400],
    ['key of 15 bytes', (r) => (r.headers['sec-websocket-key'] = Buffer.alloc(15).toString('base64')), 400],
    ['key that is not base64', (r) => (r.headers['sec-websocket-key'] = '!!!!!!!!!!!!!!!!!!!!!!=='), 400],
    ['two keys', (r) => (r.headers['sec-websocket-key'] = 'dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ=='), 400],
    ['version 8', (r) => (r.headers['sec-websocket-version'] = '8'), 426],
    ['no version', (r) => delete r.headers['sec-websocket-version'], 426],
    ['duplicate subprotocol', (r) => (r.headers['sec-websocket-protocol'] = 'chat, chat'), 400],
    ['subprotocol that is not a token', (r) => (r.headers['sec-websocket-protocol'] = 'ch at'), 400],
    ['malformed extensions', (r) => (r.headers['sec-websocket-extensions'] = 'permessage-deflate;;'), 400],
  ];
  for (const [name, mutate, status] of cases) {
    test(`${name} → ${status}`, () => {
      const r = good();
      mutate(r);
      assert.equal(statusOf(() => validateUpgradeRequest(r)), status);
    });
  }
  test('426 carries Sec-WebSocket-Version: 13', () => {
    const r = good();
    r.headers['sec-websocket-version'] = '8';
    try {
      validateUpgradeRequest(r);
      assert.fail('expected a refusal');
    } catch (err) {
      assert.equal((err as HandshakeError).headers['Sec-WebSocket-Version'], '13');
    }
  });
  test('the 101 response is byte-exact', () => {
    assert.equal(
      buildUpgradeResponse({ key: 'dGhlIHNhbXBsZSBub25jZQ==', protocol: 'chat' }),
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n',
    );
  });
  test('a refusal names its status and closes', () => {
    const r = buildRejectResponse(426, 'Unsupported WebSocket version', { 'Sec-WebSocket-Version': '13' });
    assert.match(r, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
    assert.match(r, /\r\nSec-WebSocket-Version: 13\r\n/);
    assert.match(r, /\r\nConnection: close\r\n/);
  });
});

describe('client handshake (RFC 6455 section 4.1)', () => {
  test('keys are base64 of 16 random bytes', () => {
    const a = generateKey();
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.notEqual(a, generateKey());
  });
  test('request headers', () => {
    const h = buildClientHeaders({ key: 'k', protocols: ['chat', 'superchat'], origin: 'http://example.com' });
    assert.equal(h['Upgrade'], 'websocket');
    assert.equal(h['Connection'], 'Upgrade');
    assert.equal(h['Sec-WebSocket-Version'], '13');
    assert.equal(h['Sec-WebSocket-Protocol'], 'chat, superchat');
    assert.equal(h['Origin'], 'http://example.com');
  });
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  const response = () => ({
    statusCode: 101,
    headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'sec-websocket-protocol': 'chat' } as Record<string, string | undefined>,
  });
  test('a good response is accepted', () => {
    assert.deepEqual(validateUpgradeResponse(response(), key, ['chat', 'superchat'], []), { protocol: 'chat', extensions: [] });
  });
  const bad: Array<[string, (r: ReturnType<typeof response>) => void, string[], string[]]> = [
    ['status 200', (r) => (r.statusCode = 200), ['chat'], []],
    ['wrong accept', (r) => (r.headers['sec-websocket-accept'] = computeAccept(generateKey())), ['chat'], []],
    ['no Upgrade', (r) => delete r.headers.upgrade, ['chat'], []],
    ['no Connection', (r) => delete r.headers.connection, ['chat'], []],
    ['subprotocol not offered', (r) => (r.headers['sec-websocket-protocol'] = 'other'), ['chat'], []],
    ['no subprotocol when one was offered', (r) => delete r.headers['sec-websocket-protocol'], ['chat'], []],
    ['subprotocol when none was offered', () => {}, [], []],
    ['extension not offered', (r) => (r.headers['sec-websocket-extensions'] = 'permessage-deflate'), ['chat'], []],
    ['extension accepted twice', (r) => (r.headers['sec-websocket-extensions'] = 'permessage-deflate, permessage-deflate'), ['chat'], ['permessage-deflate']],
  ];
  for (const [name, mutate, protocols, extensions] of bad) {
    test(`refused: ${name}`, () => {
      const r = response();
      mutate(r);
      assert.throws(() => validateUpgradeResponse(r, key, protocols, extensions), HandshakeError);
    });
  }
});

describe('parseUpgradeHead (the port-mode fast path) reads only the plainest upgrade requests', () => {
  const base = 'GET /chat?x=1 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  test('a whole request: url, lower-case header names, trimmed values, raw headers, and where the head ends', () => {
    const bytes = Buffer.concat([Buffer.from(base + 'X-Pad: \t spaced \t\r\n\r\n'), Buffer.from([0x81, 0x80])]);
    const head = parseUpgradeHead(bytes)!;
    assert.equal(head.url, '/chat?x=1');
    assert.equal(head.headers['sec-websocket-key'], 'dGhlIHNhbXBsZSBub25jZQ==');
    assert.equal(head.headers['x-pad'], 'spaced');
    assert.deepEqual(head.rawHeaders.slice(0, 2), ['Host', 'a']);
    assert.equal(head.length, bytes.length - 2);
    // As node:http's req.headers: an ordinary object, with the methods of one.
    assert.equal(Object.getPrototypeOf(head.headers), Object.prototype);
  });
  test('anything else is left to node:http (null)', () => {
    const refused: Array<[string, string]> = [
      ['partial', base],
      ['no Upgrade', base.replace('Upgrade: websocket\r\n', '') + '\r\n'],
      ['Connection without upgrade', base.replace('keep-alive, Upgrade', 'keep-alive') + '\r\n'],
      ['POST', base.replace('GET', 'POST') + '\r\n'],
      ['HTTP/1.0', base.replace('HTTP/1.1', 'HTTP/1.0') + '\r\n'],
      ['absolute URL', base.replace('GET /chat', 'GET http://a/chat') + '\r\n'],
      ['duplicate', base + 'Host: b\r\n\r\n'],
      ['Content-Length', base + 'Content-Length: 0\r\n\r\n'],
      ['Transfer-Encoding', base + 'Transfer-Encoding: chunked\r\n\r\n'],
      ['obs-fold', base + 'X-A: 1\r\n 2\r\n\r\n'],
      ['control character', base + 'X-A: 1\x002\r\n\r\n'],
      ['obs-text', base + 'X-A: caf\xe9\r\n\r\n'],
      ['space before colon', base + 'X-A : 1\r\n\r\n'],
      ['bare LF', base.replace(/\r\n/g, '\n') + '\n'],
      ['too large', base + `X-Big: ${'x'.repeat(MAX_FAST_HEAD)}\r\n\r\n`],
      ['too many headers', base + Array.from({ length: 40 }, (_, i) => `X-${i}: v\r\n`).join('') + '\r\n'],
      // Names a plain object already answers to: node:http reads them, not the fast path's object.
      ['inherited name', base + 'Constructor: x\r\n\r\n'],
      ['__proto__', base + '__proto__: x\r\n\r\n'],
    ];
    for (const [name, text] of refused) assert.equal(parseUpgradeHead(Buffer.from(text, 'latin1')), null, name);
  });
  test('a value of spaces or tabs up to the size limit is read without backtracking (the pattern is linear)', () => {
    for (const pad of [' ', '\t']) {
      const text = base + `X-A:${pad.repeat(MAX_FAST_HEAD - base.length - 16)}x\r\n\r\n`;
      assert.equal(parseUpgradeHead(Buffer.from(text))?.headers['x-a'], 'x');
    }
  });
});
