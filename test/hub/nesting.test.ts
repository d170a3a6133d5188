// Issue 12: deeply nested JSON is a bad request, never an internal error or a crash.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDepthExceeds } from '../../src/hub/json-depth.js';
import { WireErrorCode } from '../../src/wire/index.js';
import { makeHub } from './helpers.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('JSON depth', () => {
  it('measures arrays and objects, and ignores brackets inside strings', () => {
    assert.equal(jsonDepthExceeds(nested(64), 64), false);
    assert.equal(jsonDepthExceeds(nested(65), 64), true);
    assert.equal(jsonDepthExceeds('{"a":'.repeat(40) + '1' + '}'.repeat(40), 39), true);
    assert.equal(jsonDepthExceeds(JSON.stringify({ s: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\\"[[[[[[[[[' }), 2), false);
    assert.equal(jsonDepthExceeds(JSON.stringify([[1], [2], [3], [4], [5], [6], [7]]), 2), false);
  });

  it('a publish with ~10,000 levels (under 64 KB) answers 107, and the connection stays', async () => {
    const { hub, client } = makeHub();
    const reported: unknown[] = [];
    hub.onInternalError = (error) => reported.push(error);
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    const text = `{"id":99,"method":"publish","params":{"channel":"news","data":${nested(10_000)}}}`;
    assert.ok(text.length < 65_536);
    c.send(text);
    assert.deepEqual(await c.call('ping'), {}, 'still connected and answering');
    const refused = c.messages().find((m) => m.id === 99);
    assert.equal(refused.error.code, WireErrorCode.badRequest);
    let deepObject: unknown = 1;
    for (let i = 0; i < 100; i++) deepObject = { a: deepObject };
    await c.expectError('rpc', { method: 'x', data: deepObject }, WireErrorCode.badRequest);
    assert.equal(c.closed, undefined);
    assert.deepEqual(reported, []);
  });

  it('the limit is limits.maxJsonDepth and counts the command envelope', async () => {
    const { client } = makeHub({ limits: { maxJsonDepth: 10 } });
    const c = await client();
    await c.call('subscribe', { channel: 'news' });
    await c.call('publish', { channel: 'news', data: JSON.parse(nested(8)) });
    await c.expectError('publish', { channel: 'news', data: JSON.parse(nested(9)) }, WireErrorCode.badRequest);
  });

  it('server-side publishes of deep or cyclic data are refused with 107', async () => {
    const { hub } = makeHub();
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    await assert.rejects(hub.publish('news', deep), (error: any) => error.code === WireErrorCode.badRequest);
    const cyclic: any = {};
    cyclic.self = cyclic;
    await assert.rejects(hub.publish('news', cyclic), (error: any) => error.code === WireErrorCode.badRequest);
    await assert.rejects(hub.publish('news', JSON.parse(nested(65))), (error: any) => error.code === WireErrorCode.badRequest);
  });
});
